"""The core commands as a user meets them: one-line errors, exit codes, no tracebacks, no half-written files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = {
    "schema": "schedbench/instance/v1",
    "problem": "rcpsp",
    "name": "tiny",
    "resources": [{"name": "R1", "capacity": 1}],
    "tasks": [
        {"name": "A", "duration": 2, "demands": {"R1": 1}},
        {"name": "B", "duration": 1, "demands": {"R1": 1}},
    ],
    "precedences": [["A", "B"]],
}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "schedbench.cli", *args], capture_output=True, text=True, timeout=60
    )


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("second_line", "fragments"),
    [
        (json.dumps(GOOD)[:-9], ("bad.jsonl:2:", "truncated")),
        ("not json at all", ("bad.jsonl:2:", "invalid JSON")),
        (
            json.dumps({**GOOD, "name": "t2", "precedences": [["A", "Z"]]}),
            ("bad.jsonl:2:", "precedences[0][1]", "'Z'"),
        ),
        (
            json.dumps({**GOOD, "name": "t3", "precedences": [["A", "B"], ["B", "A"]]}),
            ("bad.jsonl:2:", "precedence cycle"),
        ),
        (json.dumps({**GOOD, "problem": "tsp"}), ("bad.jsonl:2:", "problem")),
        (json.dumps(GOOD), ("bad.jsonl:2:", "name", "already used on line 1")),
    ],
)
def test_validate_reports_file_line_and_field(
    tmp_path: Path, second_line: str, fragments: tuple[str, ...]
) -> None:
    bad = write_lines(tmp_path / "bad.jsonl", json.dumps(GOOD), second_line)
    assert_one_line_error(run("validate", str(bad)), *fragments)


def test_validate_ok_and_single_json_document(tmp_path: Path) -> None:
    doc = tmp_path / "one.json"
    doc.write_text(json.dumps(GOOD, indent=2))
    proc = run("validate", str(doc))
    assert proc.returncode == 0 and "ok (1 rcpsp)" in proc.stdout


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run("validate", str(tmp_path / "nope.jsonl")), "no such file")


def test_verify_exit_codes_and_json(tmp_path: Path) -> None:
    inst = write_lines(tmp_path / "i.jsonl", json.dumps(GOOD))
    good = write_lines(tmp_path / "good.jsonl", json.dumps({"instance": "tiny", "starts": {"A": 0, "B": 2}}))
    bad = write_lines(tmp_path / "bad.jsonl", json.dumps({"instance": "tiny", "starts": {"A": 0, "B": 1}}))
    assert run("verify", str(inst), str(good)).returncode == 0
    proc = run("verify", "--json", str(inst), str(bad))
    assert proc.returncode == 1
    record = json.loads(proc.stdout)
    assert record["feasible"] is False and record["objective"] == 2
    assert {v["code"] for v in record["violations"]} == {"precedence", "capacity"}
    other = write_lines(tmp_path / "other.jsonl", json.dumps({"instance": "ghost", "starts": {}}))
    assert_one_line_error(run("verify", str(inst), str(other)), "other.jsonl:1:", "ghost")


def test_schema_command_prints_a_valid_schema() -> None:
    proc = run("schema", "smtt")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["properties"]["problem"]["const"] == "smtt"
    assert run("schema", "tsp").returncode == 2
