"""`schedbench import`: output and manifest, skipped names on stderr, refusing to overwrite, and
malformed input giving one line, exit code 2 and no file left behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.paths import DATA

from schedbench.cli import main
from schedbench.datasets import read_instances

needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")
FT06 = "6 6\n" + "\n".join(
    [
        "2  1  0  3  1  6  3  7  5  3  4  6",
        "1  8  2  5  4 10  5 10  0 10  3  4",
        "2  5  3  4  5  8  0  9  1  1  4  7",
        "1  5  0  5  2  5  3  3  4  8  5  9",
        "2  9  1  3  4  5  5  4  0  3  3  1",
        "1  3  3  3  5  9  0 10  4  4  2  1",
    ]
)


def _run(*args: str):
    return CliRunner().invoke(main, ["import", *args])


def test_success_writes_instances_and_manifest(tmp_path: Path) -> None:
    src = tmp_path / "ft06.txt"
    src.write_text(FT06 + "\n")
    out = tmp_path / "out.jsonl"
    result = _run("orlib-jssp", str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"imported 1 instances from 1 file to {out} (0 with a reference;")
    [inst] = read_instances(out)
    assert inst.name == "ft06" and inst.num_machines == 6
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    assert manifest["command"] == "import orlib-jssp"
    assert manifest["config"]["format"] == "orlib-jssp"
    assert [i["path"] for i in manifest["inputs"]] == [str(src)]


def test_malformed_file_one_line_exit_2_nothing_written(tmp_path: Path) -> None:
    src = tmp_path / "ft06.txt"
    lines = FT06.splitlines()
    lines[3] = lines[3].rsplit(None, 1)[0]  # line 4 loses its last number
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    result = _run("orlib-jssp", str(src), "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr == f"error: {src}:4: operations: expected 12 integers, found 11\n"
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ft06.txt"]


def test_existing_output_needs_force(tmp_path: Path) -> None:
    src = tmp_path / "ft06.txt"
    src.write_text(FT06 + "\n")
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n")
    result = _run("orlib-jssp", str(src), "-o", str(out))
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert out.read_text() == "keep me\n"
    result = _run("orlib-jssp", str(src), "-o", str(out), "--force")
    assert result.exit_code == 0 and read_instances(out)[0].name == "ft06"


def test_bad_reference_row_is_located(tmp_path: Path) -> None:
    src = tmp_path / "ft06.txt"
    src.write_text(FT06 + "\n")
    refs = tmp_path / "reference.csv"
    refs.write_text("instance,lower_bound,upper_bound,closed,source\nft06,50,55,True,somebody\n")
    result = _run("orlib-jssp", str(src), "-o", str(tmp_path / "out.jsonl"), "--references", str(refs))
    assert result.exit_code == 2
    assert result.stderr == f"error: {refs}:2: closed: closed, but lower bound 50 != upper bound 55\n"
    assert not (tmp_path / "out.jsonl").exists()


@needs_data
def test_skipped_instances_named_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "normal.jsonl"
    result = _run("smtt-paper", str(DATA / "smtt-paper" / "n20_normal.jsonl"), "-o", str(out))
    assert result.exit_code == 0, result.output
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == 125 and skipped[0].startswith(
        "skipped n20_normal_003: non-positive processing time"
    )
    assert "675 with a reference, 125 skipped" in result.stdout
    assert len(read_instances(out)) == 675
    manifest = json.loads((tmp_path / "normal.manifest.json").read_text())
    assert len(manifest["config"]["skipped"]) == 125


@needs_data
def test_folder_argument_and_references(tmp_path: Path) -> None:
    out = tmp_path / "wt.jsonl"
    wt = DATA / "orlib-wt"
    result = _run("orlib-wt", str(wt), "-o", str(out), "--references", str(wt / "wtopt40.txt"))
    assert result.exit_code == 0, result.output
    names = [inst.name for inst in read_instances(out)]
    assert len(names) == 375  # natural order: wt40, wt50, wt100
    assert (names[0], names[125], names[250]) == ("wt40_001", "wt50_001", "wt100_001")
    assert "125 with a reference" in result.stdout


def test_real_process_exit_code_and_no_traceback(tmp_path: Path) -> None:
    src = tmp_path / "wt2.txt"
    src.write_text("1 2 3\n")
    out = tmp_path / "o.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "schedbench.cli", "import", "orlib-wt", str(src), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(f"error: {src}:1: ")
    assert not out.exists()
