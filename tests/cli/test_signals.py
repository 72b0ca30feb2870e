"""Ctrl-C (SIGINT to the whole process group) and SIGTERM (to the main process) at seeded random moments of
`solve -j 1`, `solve -j 2`, `leaderboard` with a plug-in on 2 processes, `llm eval` and `demo`.

After each signal: the command exits non-zero within a few seconds, no process of the run is left (its
session, and any plug-in sandbox started meanwhile), nothing cut short is recorded (results equal those
of an uninterrupted run where runs are deterministic), and a resume completes with exactly one record per
item.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from helpers.instances import random_jssp
from helpers.paths import REPO

# a path no other process has: it marks the plug-in sandboxes started by this module's runs
MARK = f"/nonexistent/schedbench-test-{os.getpid()}"
ENV = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{MARK}"}
CLI = [sys.executable, "-m", "schedbench.cli"]
SIGNALS = [(signal.SIGINT, True), (signal.SIGTERM, False)]  # (signal, to the whole process group)
STOP_SECONDS = 15  # "within a few seconds", with room for a loaded CI machine

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def live_processes() -> dict[int, tuple[int, bool]]:
    """pid -> (session id, is one of our plug-in sandboxes) of every live (not zombie) process."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            ours = b"child_main" in (stat.parent / "cmdline").read_bytes()
            ours = ours and MARK.encode() in (stat.parent / "environ").read_bytes()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z":
            found[int(stat.parent.name)] = (int(fields[3]), ours)
    return found


def records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().split("\n") if line.strip()]


def run(args: list[str], timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([*CLI, *args], env=ENV, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done


def interrupt(
    args: list[str], started: Callable[[], bool], sig: int, to_group: bool, seed: str, tmp: Path
) -> None:
    """Run the command, wait until `started()`, then a seeded random moment, send `sig`; check that it
    stops promptly, non-zero, leaving no process behind (in its session, or a sandbox of ours)."""
    with (tmp / "stderr.txt").open("w") as err:
        proc = subprocess.Popen(
            [*CLI, *args], env=ENV, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None and not started():
            time.sleep(0.05)
        time.sleep(random.Random(seed).uniform(0.0, 0.5))
        assert proc.poll() is None, "the run ended before the signal: " + (tmp / "stderr.txt").read_text()
        (os.killpg if to_group else os.kill)(proc.pid, sig)
        sent = time.monotonic()
        proc.wait(timeout=60)
        assert time.monotonic() - sent < STOP_SECONDS, "the run did not stop promptly"
        assert proc.returncode != 0
        for _ in range(50):
            left = [pid for pid, (sid, sandbox) in live_processes().items() if sid == proc.pid or sandbox]
            if not left:
                break
            time.sleep(0.1)
        assert left == [], f"processes left behind: {left}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def ids(case: tuple[int, bool]) -> str:
    return f"{signal.Signals(case[0]).name}-{'group' if case[1] else 'main'}"


# ---- solve -------------------------------------------------------------------------------------------
# a deterministic-time limit makes every result repeatable
SOLVE = ["--solver", "cpsat", "--time-limit", "120", "--deterministic-time", "0.3", "--no-progress"]


@pytest.fixture(scope="module")
def solve_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple]]:
    folder = tmp_path_factory.mktemp("solve")
    src = folder / "in.jsonl"
    src.write_text(
        "".join(json.dumps(random_jssp(s, jobs=12, machines=8).to_dict()) + "\n" for s in range(5))
    )
    out = folder / "out.jsonl"
    run(["solve", str(src), "-o", str(out), "-j", "2", *SOLVE])
    return src, {r["instance"]: (r["status"], r["objective"], r["bound"]) for r in records(out)}


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("case", SIGNALS, ids=ids)
def test_solve(tmp_path: Path, solve_reference, jobs: int, case: tuple[int, bool]) -> None:
    src, expected = solve_reference
    out = tmp_path / "out.jsonl"
    args = ["solve", str(src), "-o", str(out), "-j", str(jobs), *SOLVE]
    interrupt(args, lambda: bool(records(out)), *case, f"solve-{jobs}-{ids(case)}", tmp_path)
    partial = records(out)
    assert 1 <= len(partial) < len(expected)
    assert all((r["status"], r["objective"], r["bound"]) == expected[r["instance"]] for r in partial)
    assert json.loads((tmp_path / "out.manifest.json").read_text())["status"] == "interrupted"
    run(args)
    final = records(out)
    assert Counter(r["instance"] for r in final) == Counter(expected.keys())  # one record per instance
    assert {r["instance"]: (r["status"], r["objective"], r["bound"]) for r in final} == expected


# ---- leaderboard with a plug-in ---------------------------------------------------------------------
SLOW_PLUGIN = """import time
NAME = "slow-edd"
def priority(p, d, w, t, remaining):
    time.sleep(0.01)
    return d[remaining]
"""


@pytest.fixture(scope="module")
def leaderboard_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], dict]:
    folder = tmp_path_factory.mktemp("leaderboard")
    data, plugin = folder / "smtt.jsonl", folder / "slow.py"
    run(["generate", "smtt", "--jobs", "30", "--tf", "0.2,0.6", "--rdd", "0.2,1.0", "--per-class", "6",
         "-o", str(data)])  # fmt: skip
    plugin.write_text(SLOW_PLUGIN)
    common = [str(data), "--plugin", str(plugin), "--heuristics", "edd,mdd", "-j", "2", "--no-plots"]
    run(["leaderboard", *common, "-o", str(folder / "full"), "--no-progress"])
    return common, outcome(folder / "full" / "records.jsonl")


def outcome(path: Path) -> dict[tuple[str, str], tuple]:
    return {
        (r["rule"], r["instance"]): (r["feasible"], r["objective"], r.get("error")) for r in records(path)
    }


@pytest.mark.parametrize("case", SIGNALS, ids=ids)
def test_leaderboard(tmp_path: Path, leaderboard_reference, case: tuple[int, bool]) -> None:
    common, expected = leaderboard_reference
    out = tmp_path / "lb"
    lines = out / "records.jsonl"
    args = ["leaderboard", *common, "-o", str(out), "--no-progress"]
    interrupt(args, lambda: len(records(lines)) >= 6, *case, f"leaderboard-{ids(case)}", tmp_path)
    partial = outcome(lines)
    assert 1 <= len(partial) < len(expected)
    assert all(expected[key] == value for key, value in partial.items())
    run(args)
    assert Counter((r["rule"], r["instance"]) for r in records(lines)) == Counter(expected.keys())
    assert outcome(lines) == expected


# ---- llm eval against serve-baseline ----------------------------------------------------------------
@pytest.fixture(scope="module")
def baseline_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path_factory.mktemp("baseline") / "server.txt").open("w")
    # every answer is delayed a little, so a run of 16 samples takes a few seconds
    server = subprocess.Popen(
        [*CLI, "llm", "serve-baseline", "--port", str(port), "--faults", "delay=1", "--delay", "0.25"],
        env=ENV,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/models", timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.parametrize("case", SIGNALS, ids=ids)
def test_llm_eval(tmp_path: Path, baseline_url: str, case: tuple[int, bool]) -> None:
    data = tmp_path / "smtt.jsonl"
    run(["generate", "smtt", "--jobs", "8", "--tf", "0.2,0.6", "--rdd", "0.2,1.0", "--per-class", "4",
         "-o", str(data)])  # fmt: skip
    run_dir = tmp_path / "run"
    samples = run_dir / "samples.jsonl"
    args = ["llm", "eval", str(data), "--base-url", baseline_url, "--model", "schedbench-baseline",
            "-o", str(run_dir), "--samples", "2", "--concurrency", "2", "--no-cache", "--no-progress"]  # fmt: skip
    interrupt(args, lambda: bool(records(samples)), *case, f"llm-{ids(case)}", tmp_path)
    partial = records(samples)
    assert 1 <= len(partial) < 32
    assert {r["outcome"] for r in partial} == {"feasible"}  # the baseline's answers are all feasible
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["llm"]["status"] == "interrupted"
    run(args)
    final = records(samples)
    names = [json.loads(line)["name"] for line in data.open()]
    assert Counter((r["instance"], r["sample"]) for r in final) == Counter(
        (n, s) for n in names for s in (0, 1)
    )
    assert {r["outcome"] for r in final} == {"feasible"}


# ---- demo ---------------------------------------------------------------------------------------------
def test_demo(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo", "-o", str(out), "--no-progress"]
    # SIGTERM once the job-shop references are being solved (CP-SAT in a pool, heuristics done for SMTT)
    interrupt(args, lambda: bool(records(out / "jssp" / "references.jsonl")), signal.SIGTERM, False, "demo",
              tmp_path)  # fmt: skip
    partial = {key: records(out / key / "references.jsonl") for key in ("smtt", "jssp", "rcpsp")}
    run(args)
    for key in ("smtt", "jssp", "rcpsp"):
        instances = [json.loads(line)["name"] for line in (out / key / "instances.jsonl").open()]
        final = records(out / key / "references.jsonl")
        assert Counter(r["instance"] for r in final) == Counter(instances)
        assert final[: len(partial[key])] == partial[key]  # what was written before the signal stays
        for r in final:  # a result that was cut short would end before its 5 s limit without a proof
            assert r["status"] in ("optimal", "infeasible") or r["time_s"] >= 4.5, r
        board = records(out / key / "leaderboard" / "records.jsonl")
        assert Counter(r["instance"] for r in board) == Counter(
            {name: len({r["rule"] for r in board}) for name in instances}
        )
    assert (out / "report.md").exists()
