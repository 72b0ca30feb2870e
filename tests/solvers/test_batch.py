"""Batch solving: every instance once, resumable after a hard kill, torn lines repaired."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers.instances import random_jssp, random_smtt
from helpers.paths import REPO

from schedbench.problems import parse_instance, verify
from schedbench.solvers import SolveOptions
from schedbench.solvers.batch import solve_file


def write_instances(path: Path, count: int) -> list[str]:
    names = []
    with path.open("w") as handle:
        for seed in range(count):
            inst = random_jssp(seed, jobs=6, machines=6) if seed % 2 else random_smtt(seed, n=8)
            handle.write(json.dumps(inst.to_dict()) + "\n")
            names.append(inst.name)
    return names


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_batch_writes_one_verified_line_per_instance(tmp_path):
    src = tmp_path / "in.jsonl"
    names = write_instances(src, 6)
    out = tmp_path / "out.jsonl"
    summary = solve_file(src, out, solver="cpsat", options=SolveOptions(time_limit=10))
    assert len(summary.results) == 6 and summary.status_counts()["optimal"] == 6
    instances = {json.loads(line)["name"]: json.loads(line) for line in src.read_text().splitlines()}
    rows = lines_of(out)
    assert sorted(r["instance"] for r in rows) == sorted(names)
    for row in rows:
        assert verify(parse_instance(instances[row["instance"]]), row).feasible
    again = solve_file(src, out, solver="cpsat", options=SolveOptions(time_limit=10))
    assert again.skipped == 6 and again.results == []
    assert lines_of(out) == rows


def test_killed_batch_resumes_without_losing_or_repeating(tmp_path):
    src = tmp_path / "in.jsonl"
    names = write_instances(src, 24)
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "schedbench.cli", "solve", str(src), "-o", str(out)]
    cmd += ["--solver", "mip", "--time-limit", "20", "--jobs", "2", "--no-progress"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and len(out.read_text().splitlines()) >= 3:
            break
        time.sleep(0.02)
    assert proc.poll() is None, proc.stderr.read().decode()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = out.read_text()
    done_before = len(lines_of(out))
    assert 3 <= done_before < len(names)

    with out.open("a") as handle:  # a torn last line, as if killed mid-write
        handle.write('{"schema": "schedbench/solution/v1", "instance": "tor')
    resumed = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode()
    rows = lines_of(out)
    assert out.read_text().startswith(before)
    assert sorted(r["instance"] for r in rows) == sorted(names)
    assert len(rows) == len(names)
    assert all(r["status"] == "optimal" for r in rows)
