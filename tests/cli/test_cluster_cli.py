"""`--cluster`, `--shard` and `merge` as a user meets them: shards 1/3..3/3 merged equal the unsharded
run, a missing or overlapping shard is refused in one line, --cluster without Dask says what to install,
and dask-local runs solve and leaderboard end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers.instances import random_smtt
from helpers.paths import REPO

from schedbench.cli import main


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def write_data(path, count: int = 10) -> list[str]:
    insts = [random_smtt(s, n=7) for s in range(count)]
    path.write_text("".join(json.dumps(i.to_dict()) + "\n" for i in insts))
    return [i.name for i in insts]


def essence(path) -> list[tuple]:
    keep = ("instance", "status", "objective", "sequence")
    return [tuple(json.loads(x).get(k) for k in keep) for x in path.read_text().splitlines()]


def test_shards_then_merge_equal_the_unsharded_run_and_bad_sets_are_refused(tmp_path):
    data = tmp_path / "data.jsonl"
    names = write_data(data)
    assert run("solve", data, "--solver", "dp", "-o", tmp_path / "all.jsonl", "--no-progress").exit_code == 0
    shards = [tmp_path / f"shard_{i}.jsonl" for i in (1, 2, 3)]
    for i, out in enumerate(shards, start=1):
        result = run("solve", data, "--solver", "dp", "--shard", f"{i}/3", "-o", out, "--no-progress")
        assert result.exit_code == 0, result.output
    assert sorted(len(s.read_text().splitlines()) for s in shards) == [3, 3, 4]
    merged = tmp_path / "merged.jsonl"
    result = run("merge", data, *shards, "-o", merged)
    assert result.exit_code == 0, result.output
    assert essence(merged) == sorted(essence(tmp_path / "all.jsonl"), key=lambda r: names.index(r[0]))
    assert [r[0] for r in essence(merged)] == names

    missing = run("merge", data, shards[0], shards[2], "-o", tmp_path / "m2.jsonl")
    overlap = run("merge", data, *shards, tmp_path / "all.jsonl", "-o", tmp_path / "m3.jsonl")
    twice = run("merge", data, shards[0], shards[1], shards[2], shards[1], "-o", tmp_path / "m4.jsonl")
    for result, words in ((missing, "missing"), (overlap, "two shards"), (twice, "given twice")):
        assert result.exit_code == 2
        (line,) = result.stderr.splitlines()
        assert line.startswith("error: ") and words in line, line
    assert not any((tmp_path / f"m{i}.jsonl").exists() for i in (2, 3, 4))
    bad = run("solve", data, "--shard", "4/3", "-o", tmp_path / "x.jsonl")
    assert bad.exit_code == 2 and "numbered 1 to N" in bad.stderr


def test_cluster_without_dask_says_what_to_install(tmp_path):
    data = tmp_path / "data.jsonl"
    write_data(data, 2)
    probe = (
        "import sys; sys.modules['distributed'] = None; sys.modules['dask_jobqueue'] = None\n"
        "from schedbench.cli import main; main(sys.argv[1:])"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for cluster, extra in (("dask-local", "[dask]"), ("tcp://127.0.0.1:1", "[dask]"), ("slurm", "[hpc]")):
        args = ["solve", str(data), "-o", str(tmp_path / "o.jsonl"), "--cluster", cluster]
        if cluster == "slurm":
            (tmp_path / "c.toml").write_text("[slurm]\ncores = 2\nmemory = '1GB'\n")
            args += ["--cluster-config", str(tmp_path / "c.toml")]
        done = subprocess.run([sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True)
        assert done.returncode == 2
        (line,) = done.stderr.splitlines()
        assert f'pip install "schedbench{extra}"' in line, line
    discover = ["discover", "run", str(data), "--val", str(data), "--base-url", "http://127.0.0.1:1/v1"]
    discover += ["--model", "m"]
    args = [*discover, "-o", str(tmp_path / "d"), "--cluster", "dask-local"]
    done = subprocess.run([sys.executable, "-c", probe, *args], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and 'pip install "schedbench[dask]"' in done.stderr.strip(), done.stderr
    assert not (tmp_path / "d").exists()  # refused before anything was written
    stray = run("solve", data, "--cluster-config", tmp_path / "c.toml", "-o", tmp_path / "o.jsonl")
    assert stray.exit_code == 2 and "goes with --cluster slurm" in stray.stderr


def test_dask_local_runs_solve_and_leaderboard_from_the_command_line(tmp_path):
    pytest.importorskip("distributed", reason='Dask is not installed (pip install "schedbench[dask]")')
    data = tmp_path / "data.jsonl"
    names = write_data(data, 6)
    out = tmp_path / "out.jsonl"
    result = run(
        "solve", data, "--solver", "dp", "-o", out, "--cluster", "dask-local", "-j", "2", "--no-progress"
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(r["instance"] for r in lines) == sorted(names) and {r["status"] for r in lines} == {
        "optimal"
    }
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    assert manifest["config"]["cluster"] == "dask"
    board = run(
        "leaderboard", data, "-o", tmp_path / "board", "--cluster", "dask-local", "-j", "2", "--no-plots"
    )
    assert board.exit_code == 0, board.output
    records = [json.loads(x) for x in (tmp_path / "board" / "records.jsonl").read_text().splitlines()]
    pairs = [(r["rule"], r["instance"]) for r in records]
    rules = {rule for rule, _ in pairs}
    assert len(pairs) == len(set(pairs)) == len(rules) * len(names) and len(rules) > 3
    assert all(r["feasible"] for r in records)
