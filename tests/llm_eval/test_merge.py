"""`llm eval --shard I/N` and `llm merge`: three shards merged equal the unsharded run (and report like
it), and every set that is not one finished run covering the data once is refused in one line, with
nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.llm import records_of, write_data

from schedbench.cli import main
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread

KEEP = ("instance", "sample", "outcome", "objective", "instance_hash", "level", "rendering")


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def essence(run_dir: Path) -> list[tuple]:
    return [tuple(r.get(k) for k in KEEP) for r in records_of(run_dir)]


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> tuple[Path, list[str]]:
    """An unsharded run (``all``) and its three shards ``s1``..``s3`` of the same 9 instances, K = 2."""
    folder = tmp_path_factory.mktemp("shards")
    names = write_data(folder / "data.jsonl")
    with ServerThread(BaselineConfig()) as server:
        common = ["--base-url", server.url, "--model", "schedbench-baseline", "--samples", 2, "--seed", 0]
        common += ["--no-cache", "--no-progress"]
        for label, shard in (("all", None), ("s1", "1/3"), ("s2", "2/3"), ("s3", "3/3"), ("m", "2/3")):
            extra = [] if shard is None else ["--shard", shard]
            if label == "m":
                common[3] = "another-model"
            done = run("llm", "eval", folder / "data.jsonl", "-o", folder / label, *common, *extra)
            assert done.exit_code == 0, done.output
    return folder, names


def test_three_shards_merged_equal_the_unsharded_run(shards):
    folder, names = shards
    sizes = sorted(len(records_of(folder / s)) for s in ("s1", "s2", "s3"))
    assert sizes == [6, 6, 6] and len(records_of(folder / "all")) == 18
    merged = folder / "merged"
    done = run(
        "llm", "merge", folder / "data.jsonl", folder / "s3", folder / "s1", folder / "s2", "-o", merged
    )
    assert done.exit_code == 0, done.output
    in_data_order = sorted(essence(folder / "all"), key=lambda r: (names.index(r[0]), r[1]))
    assert essence(merged) == in_data_order  # the unsharded run wrote them as they finished
    manifest = json.loads((merged / "manifest.json").read_text())
    assert manifest["command"] == "llm merge" and manifest["config"]["shard"] is None
    assert sorted(m["shard"] for m in manifest["llm"]["merged_from"]) == ["1/3", "2/3", "3/3"]
    assert manifest["llm"]["records"] == 18 and len(manifest["llm"]["sessions"]) == 3
    report = run("llm", "report", merged, "--no-plots")
    assert report.exit_code == 0, report.output
    baseline = run("llm", "report", folder / "all", "--no-plots")
    assert baseline.exit_code == 0, baseline.output
    tables = sorted((folder / "all" / "report").glob("*.csv"))
    assert len(tables) >= 3
    for table in tables:
        same = table.read_text().replace("@all,", "@merged,")  # the run's label names its folder
        assert (merged / "report" / table.name).read_text() == same, table.name


def test_a_set_that_is_not_one_finished_covering_run_is_refused(shards, tmp_path):
    folder, _ = shards
    data = folder / "data.jsonl"
    s1, s2, s3 = (folder / s for s in ("s1", "s2", "s3"))
    torn = tmp_path / "torn"
    torn.mkdir()
    (torn / "manifest.json").write_text((s2 / "manifest.json").read_text())
    lines = (s2 / "samples.jsonl").read_text().splitlines(keepends=True)
    (torn / "samples.jsonl").write_text("".join(lines[:-1]))  # one sample short
    cases = {
        "missing": [s1, s3],
        "given twice": [s1, s2, s3, s2],
        "model differ": [s1, folder / "m", s3],
        "unfinished": [s1, torn, s3],
        "overlapping": [s1, s2, s3, folder / "all"],
    }
    for words, dirs in cases.items():
        out = tmp_path / words.replace(" ", "_")
        done = run("llm", "merge", data, *dirs, "-o", out)
        assert done.exit_code == 2, (words, done.output)
        (line,) = done.stderr.splitlines()
        assert line.startswith("error: ") and all(w in line for w in words.split()), line
        assert not out.exists() or not any(out.iterdir())
    again = run("llm", "merge", data, s1, s2, s3, "-o", folder / "all")
    assert again.exit_code == 2 and "holds a run already" in again.stderr


def test_a_run_folder_keeps_its_shard(shards):
    folder, _ = shards
    before = (folder / "s1" / "samples.jsonl").read_bytes()
    for shard in ("2/3", None):
        extra = [] if shard is None else ["--shard", shard]
        with ServerThread(BaselineConfig()) as server:
            args = ["--base-url", server.url, "--model", "schedbench-baseline", "--seed", 0, "--no-progress"]
            done = run("llm", "eval", folder / "data.jsonl", "-o", folder / "s1", *args, *extra)
            assert server.handler.stats["chat"] == 0
        assert done.exit_code == 2 and "shard" in done.stderr, done.output
    assert (folder / "s1" / "samples.jsonl").read_bytes() == before
    bad = run(
        "llm",
        "eval",
        folder / "data.jsonl",
        "-o",
        folder / "x",
        "--base-url",
        "u",
        "--model",
        "m",
        "--shard",
        "0/3",
    )
    assert bad.exit_code == 2 and "numbered 1 to N" in bad.stderr
