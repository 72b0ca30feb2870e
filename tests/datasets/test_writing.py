"""`write_dataset` / `import_dataset`: what `generate` and `import` do, callable from Python; and the
one progress helper the CLI draws its bars with."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from schedbench.datasets import import_dataset, read_instances, sha256_file, write_dataset
from schedbench.generators.smtt import iter_smtt
from schedbench.problems import SchedbenchError
from schedbench.reports.progress import progress

FT06_ROW = "2  1  0  3  1  6  3  7  5  3  4  6"


def smtt_records(seed: int) -> list[dict]:
    return list(iter_smtt(jobs=4, tf=[0.2], rdd=[0.6], per_class=3, seed=seed))


def test_write_dataset_writes_records_and_a_manifest_with_hashes(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    count, manifest_path = write_dataset(
        out, smtt_records(1), command="generate smtt", config={"seed": 1}, inputs=[]
    )
    assert count == 3 and len(read_instances(out)) == 3
    assert manifest_path == tmp_path / "s.manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["command"] == "generate smtt" and manifest["config"] == {"seed": 1}
    assert manifest["outputs"] == [{"path": str(out), "sha256": sha256_file(out)}]


def test_write_dataset_refuses_an_existing_file_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    out.write_text("keep\n")
    with pytest.raises(SchedbenchError, match="already exists"):
        write_dataset(out, smtt_records(1), command="c", config={})
    assert out.read_text() == "keep\n" and not (tmp_path / "s.manifest.json").exists()
    write_dataset(out, smtt_records(2), command="c", config={}, force=True)
    assert len(read_instances(out)) == 3


def test_write_dataset_leaves_nothing_when_the_records_fail(tmp_path: Path) -> None:
    def dying():
        yield from smtt_records(1)
        raise SchedbenchError("generator refused")

    with pytest.raises(SchedbenchError, match="generator refused"):
        write_dataset(tmp_path / "s.jsonl", dying(), command="c", config={})
    assert list(tmp_path.iterdir()) == []


def test_import_dataset_reports_counts_progress_and_skips(tmp_path: Path) -> None:
    files = []
    for i in range(3):
        path = tmp_path / f"ft0{i}.txt"
        path.write_text("1 6\n" + FT06_ROW + "\n")
        files.append(path)
    progress_calls: list[tuple[int, int]] = []
    out = tmp_path / "out" / "all.jsonl"
    result = import_dataset(
        "orlib-jssp", [str(p) for p in files], out, on_progress=lambda d, t: progress_calls.append((d, t))
    )
    assert (result.written, result.with_reference, result.skipped) == (3, 0, [])
    assert result.files == [str(p) for p in files] and progress_calls == [(1, 3), (2, 3), (3, 3)]
    manifest = json.loads(result.manifest.read_text())
    assert manifest["command"] == "import orlib-jssp"
    assert [i["path"] for i in manifest["inputs"]] == [str(p) for p in files]
    with pytest.raises(SchedbenchError, match="already exists"):
        import_dataset("orlib-jssp", [str(files[0])], out)


def test_import_dataset_with_everything_skipped_names_them_then_refuses(tmp_path: Path) -> None:
    src = tmp_path / "zero.jsonl"
    row = {"rdd": 0.2, "tf": 0.2, "p": [0, 2], "d": [1, 1], "reference_total_tardiness": None}
    src.write_text("".join(json.dumps({"name": f"z{i}", **row}) + "\n" for i in range(2)))
    skipped: list[tuple[str, str]] = []
    with pytest.raises(SchedbenchError, match="no instances left to write"):
        import_dataset(
            "smtt-paper", [str(src)], tmp_path / "o.jsonl", on_skipped=lambda n, r: skipped.append((n, r))
        )
    assert [name for name, _ in skipped] == ["z0", "z1"]
    assert all("non-positive processing time" in reason for _, reason in skipped)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["zero.jsonl"]


def test_progress_bar_passes_items_through_and_draws_nothing_off_a_terminal() -> None:
    with progress("x", total=3) as bar:
        assert list(bar.track(iter([1, 2, 3]))) == [1, 2, 3]
        bar.update(3, 3, {"ok": 3})
    probe = (
        "import sys\n"
        "from schedbench.reports.progress import progress\n"
        "with progress('x', total=2, enabled=False) as bar:\n"
        "    list(bar.track([1, 2])); bar.update(2, 2)\n"
        "print('rich' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "False" and proc.stderr == ""
