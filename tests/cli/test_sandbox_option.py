"""`--sandbox` on `leaderboard --plugin` and `discover run`: the level is recorded in every plug-in row, a
level below seccomp is warned about in one stderr line, and a level the machine lacks stops the command with
one line and a non-zero exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from helpers.instances import smtt_dict

from schedbench.datasets import write_jsonl_atomic
from schedbench.heuristics.sandbox import choose_level

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "NAME = 'mine'\ndef sequence(p, d, w):\n    return sorted(range(len(p)), key=lambda j: d[j])\n"


def _cli(*args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "schedbench.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT
    )


def _leaderboard(tmp_path: Path, *options: str, path: str | None = None):
    data = tmp_path / "smtt.jsonl"
    write_jsonl_atomic(data, [smtt_dict([3, 1, 2], [2, 4, 6], name="a"), smtt_dict([2, 2], [1, 3], name="b")])
    plugin = tmp_path / "mine.py"
    plugin.write_text(PLUGIN)
    out = tmp_path / "lb"
    args = ["leaderboard", str(data), "--plugin", str(plugin), "-o", str(out), "--no-plots", "--no-progress"]
    done = _cli(*args, "--heuristics", "edd", "--processes", "1", *options, path=path)
    rows = (
        [json.loads(x) for x in (out / "records.jsonl").read_text().splitlines()]
        if done.returncode == 0
        else []
    )
    return done, rows


def test_every_plugin_row_names_the_level_and_a_weak_one_is_warned_about(tmp_path):
    done, rows = _leaderboard(tmp_path, "--sandbox", "rlimits")
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "BELOW SECCOMP" in warnings[0]
    assert {r["sandbox"] for r in rows if r["rule"] == "mine"} == {"rlimits"}
    assert all("sandbox" not in r for r in rows if r["rule"] == "edd")  # built-ins run in our process


def test_auto_records_the_strongest_level(tmp_path):
    strongest = choose_level("auto")
    done, rows = _leaderboard(tmp_path)
    assert done.returncode == 0, done.stderr
    assert {r["sandbox"] for r in rows if r["rule"] == "mine"} == {strongest.level}
    assert ("BELOW SECCOMP" in done.stderr) == (strongest.warning is not None)


def test_a_missing_level_stops_the_leaderboard_in_one_line(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()  # a PATH without bwrap
    done, _ = _leaderboard(tmp_path, "--sandbox", "bwrap", path=str(empty))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: --sandbox bwrap is not available here: bwrap is not installed (Debian: apt-get install bubblewrap)"
    ]
    assert not (tmp_path / "lb" / "records.jsonl").exists()


def test_a_missing_level_stops_discover_before_it_starts(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    split = tmp_path / "train.jsonl"
    write_jsonl_atomic(split, [smtt_dict([3, 1, 2], [2, 4, 6], name="a")])
    done = _cli(
        "discover", "run", str(split), "--val", str(split), "--base-url", "http://127.0.0.1:9", "--model", "m",
        "-o", str(tmp_path / "run"), "--sandbox", "bwrap", path=str(empty),
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: --sandbox bwrap is not available here: bwrap is not installed (Debian: apt-get install bubblewrap)"
    ]
    assert not (tmp_path / "run").exists()
