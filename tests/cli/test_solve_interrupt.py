"""Ctrl-C and SIGTERM during `schedbench solve`: the run stops, nothing cut short is recorded, no process
is left behind, and a resume finishes with exactly one record per instance, each the same as in a run
that was never interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers.instances import random_jssp
from helpers.paths import REPO

ENV = {**os.environ, "PYTHONPATH": str(REPO)}
# a deterministic-time limit on one worker makes every result repeatable; each takes a few seconds
SOLVE = ["--solver", "cpsat", "--time-limit", "120", "--deterministic-time", "0.5", "--no-progress"]


def write_instances(path: Path, count: int = 3) -> list[str]:
    insts = [random_jssp(seed, jobs=15, machines=10) for seed in range(count)]
    path.write_text("".join(json.dumps(inst.to_dict()) + "\n" for inst in insts))
    return [inst.name for inst in insts]


def command(src: Path, out: Path, jobs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "schedbench.cli",
        "solve",
        str(src),
        "-o",
        str(out),
        "--jobs",
        str(jobs),
        *SOLVE,
    ]


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def outcome(rec: dict) -> tuple:
    return rec["status"], rec["objective"], rec["bound"]


def session_processes(sid: int) -> list[int]:
    """Live (not zombie) processes whose session is `sid`: the run and everything it started."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("full")
    src = folder / "in.jsonl"
    names = write_instances(src)
    out = folder / "out.jsonl"
    done = subprocess.run(command(src, out, 2), env=ENV, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    by_name = {r["instance"]: outcome(r) for r in records(out)}
    assert sorted(by_name) == sorted(names)
    return src, by_name


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize(("sig", "jobs", "to_group"), [(signal.SIGINT, 1, True), (signal.SIGTERM, 2, False)])
def test_interrupted_solve_records_nothing_cut_short_and_resumes(
    tmp_path, uninterrupted, sig, jobs, to_group
):
    src, expected = uninterrupted
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        command(src, out, jobs),
        env=ENV,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None and not (out.exists() and records(out)):
        time.sleep(0.05)
    assert proc.poll() is None, proc.stderr.read().decode()
    # Ctrl-C in a terminal reaches the whole foreground group; `kill` reaches the parent only
    if to_group:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    stopped = time.monotonic()
    proc.wait(timeout=30)
    assert time.monotonic() - stopped < 15, "the run did not stop promptly"
    assert proc.returncode != 0
    left = session_processes(proc.pid)
    for _ in range(50):
        if not left:
            break
        time.sleep(0.1)
        left = session_processes(proc.pid)
    assert left == [], f"processes left behind: {left}"

    partial = records(out)
    assert 1 <= len(partial) < len(expected), "interrupt came too late to test anything"
    for rec in partial:
        assert outcome(rec) == expected[rec["instance"]]

    resumed = subprocess.run(command(src, out, jobs), env=ENV, capture_output=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr.decode()
    rows = records(out)
    assert sorted(r["instance"] for r in rows) == sorted(expected)
    assert {r["instance"]: outcome(r) for r in rows} == expected
