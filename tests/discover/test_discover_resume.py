"""SIGKILL at a random point and resume: the same candidates and the same events (timestamps aside)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from schedbench.records.discover import without_timing

ROOT = Path(__file__).resolve().parents[2]


def _args(splits: dict[str, str], url: str, run_dir: Path, concurrency: int = 4) -> list[str]:
    return [
        "discover", "run", splits["train"], "--val", splits["val"], "--references", splits["references"],
        "--base-url", url, "--model", "mutate", "-o", str(run_dir), "--islands", "2", "--pop-size", "3",
        "--max-samples", "16", "--seed", "7", "--concurrency", str(concurrency),
    ]  # fmt: skip


def _start(args: list[str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "schedbench.cli", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _events(run_dir: Path) -> list[dict]:
    lines = (run_dir / "events.jsonl").read_text().splitlines()
    return [without_timing(json.loads(line)) for line in lines]


def _candidates(run_dir: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in (run_dir / "candidates").iterdir()}


@pytest.mark.parametrize("concurrency", [1, 4])
def test_killed_and_resumed_runs_match_an_uninterrupted_one(
    concurrency, smtt_splits, mutate_server, tmp_path, cli_run
):
    with mutate_server(hostile_rate=0.15, hostile_dir=str(tmp_path)) as server:
        whole = tmp_path / "whole"
        started = time.monotonic()
        proc = _start(_args(smtt_splits, server.url, whole, concurrency))
        assert proc.wait(300) == 0, proc.stderr.read() if proc.stderr else ""
        duration = time.monotonic() - started
        rng = random.Random(int.from_bytes(os.urandom(4), "big"))
        kills = []
        for attempt in range(2):
            run_dir = tmp_path / f"killed{attempt}"
            delay = rng.uniform(0.2 * duration, 0.7 * duration)
            proc = _start(_args(smtt_splits, server.url, run_dir, concurrency))
            try:
                proc.wait(delay)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
                kills.append(delay)
            if (run_dir / "events.jsonl").exists():
                cli_run("discover", "resume", str(run_dir))
            else:  # killed before the log was opened: start again
                cli_run(*_args(smtt_splits, server.url, run_dir, concurrency))
            assert _events(run_dir) == _events(whole), f"killed after {delay:.2f} s"
            assert _candidates(run_dir) == _candidates(whole)
    assert kills, "the run always finished before the kill; nothing was tested"
    assert _events(whole)[-1]["type"] == "stop" and _events(whole)[-1]["reason"] == "max_samples"


def test_resume_with_a_larger_budget_continues_the_same_run(smtt_splits, mutate_server, tmp_path, cli_run):
    with mutate_server(hostile_rate=0.0) as server:
        short, long = tmp_path / "short", tmp_path / "long"
        # one request at a time: no wave is cut short by the first budget (a cut wave stays cut)
        args = _args(smtt_splits, server.url, short, concurrency=1)
        cli_run(*[a if a != "16" else "6" for a in args])
        cli_run("discover", "resume", str(short), "--max-samples", "10")
        cli_run(*[a if a != "16" else "10" for a in _args(smtt_splits, server.url, long, concurrency=1)])
    resumed = [e for e in _events(short)]
    stops = [e for e in resumed if e["type"] == "stop"]
    assert [s["reason"] for s in stops] == ["max_samples", "max_samples"]
    first_final = next(e for e in resumed if e["type"] == "validation" and e["final"])
    without_first_stop = [e for e in resumed if e is not stops[0] and e is not first_final]
    straight = _events(long)
    key = [{k: v for k, v in e.items() if k != "seq"} for e in without_first_stop]
    assert key == [{k: v for k, v in e.items() if k != "seq"} for e in straight]


def test_resume_refuses_a_changed_split(smtt_splits, mutate_server, tmp_path, cli_run):
    train = tmp_path / "train.jsonl"
    train.write_text(Path(smtt_splits["train"]).read_text())
    splits = {**smtt_splits, "train": str(train)}
    with mutate_server(hostile_rate=0.0) as server:
        cli_run(*[a if a != "16" else "2" for a in _args(splits, server.url, tmp_path / "run")])
    train.write_text("\n".join(train.read_text().splitlines()[:-1]) + "\n")
    done = cli_run("discover", "resume", str(tmp_path / "run"), check=False)
    assert done.returncode == 2 and "changed since the run started" in done.stderr


def test_a_wave_cut_by_the_budget_stays_cut_when_resumed_with_more(
    smtt_splits, mutate_server, tmp_path, cli_run
):
    run_dir = tmp_path / "run"
    with mutate_server(hostile_rate=0.0) as server:
        cli_run(*[a if a != "16" else "5" for a in _args(smtt_splits, server.url, run_dir)])
        first = _events(run_dir)
        cli_run("discover", "resume", str(run_dir), "--max-samples", "11")
    events = _events(run_dir)
    stops = [e for e in events if e["type"] == "stop"]
    assert [s["budget"]["samples"] for s in stops] == [5, 11]
    ended = [e for e in first if e["type"] not in ("stop", "validation") or not e.get("final", True)]
    assert events[: len(ended)] == ended  # the first run's steps, replayed as they were
    requests = [e["req"] for e in events if e["type"] == "llm_request"]
    assert requests == sorted(set(requests), key=lambda r: (int(r.split(".")[0]), r))
