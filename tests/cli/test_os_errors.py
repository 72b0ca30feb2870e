"""Every writing command turns an operating-system error (a missing, read-only or full place) into one line
naming the file, with exit code 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SMTT = {
    "schema": "schedbench/instance/v1",
    "problem": "smtt",
    "name": "s",
    "jobs": [
        {"name": "a", "processing_time": 2, "due_date": 1},
        {"name": "b", "processing_time": 1, "due_date": 3},
    ],
}


@pytest.mark.parametrize(
    "args",
    [
        [
            "generate",
            "smtt",
            "--jobs",
            "5",
            "--tf",
            "0.2",
            "--rdd",
            "0.2",
            "--per-class",
            "1",
            "-o",
            "{bad}/x.jsonl",
        ],
        ["solve", "{data}", "-o", "{bad}/out.jsonl", "--time-limit", "2"],
        ["leaderboard", "{data}", "-o", "{bad}/lb", "--heuristics", "edd"],
        ["demo", "-o", "{bad}/demo"],
    ],
)
def test_an_unwritable_output_is_one_line(tmp_path, args):
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(SMTT) + "\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    filled = [a.format(bad=blocker, data=data) for a in args]
    done = subprocess.run(
        [sys.executable, "-m", "schedbench.cli", *filled], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("note:")]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(blocker) in lines[0], done.stderr
    assert "Traceback" not in done.stderr
