"""`schedbench generate`: Taillard reproduction, manifests, refusal to overwrite, determinism."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from helpers.paths import DATA

from schedbench.cli import main
from schedbench.datasets import read_instances


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.skipif(not (DATA / "jssp").is_dir(), reason="shared data absent")
def test_generate_jssp_reproduces_ta01(tmp_path):
    out = tmp_path / "ta01.jsonl"
    result = run("generate", "jssp", "--jobs", "15", "--machines", "15",
                 "--taillard-seeds", "840612802:398197754", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    (instance,) = read_instances(out)
    numbers = [instance.op_job.max() + 1, instance.num_machines]
    for job in instance.operations:
        for machine, duration in job:
            numbers += [machine, duration]
    assert numbers == [int(x) for x in (DATA / "jssp" / "ta01.txt").read_text().split()]
    manifest = json.loads((tmp_path / "ta01.manifest.json").read_text())
    assert manifest["outputs"][0]["path"] == str(out)


def test_refuses_to_overwrite_unless_forced(tmp_path):
    out = tmp_path / "s.jsonl"
    args = (
        "generate",
        "smtt",
        "--jobs",
        "5",
        "--tf",
        "0.2",
        "--rdd",
        "0.2",
        "--per-class",
        "2",
        "-o",
        str(out),
    )
    assert run(*args, "--seed", "1").exit_code == 0
    before = out.read_bytes()
    result = run(*args, "--seed", "2")
    assert result.exit_code == 2 and "already exists" in result.output
    assert out.read_bytes() == before
    assert run(*args, "--seed", "2", "--force").exit_code == 0
    assert out.read_bytes() != before


def test_same_command_same_bytes(tmp_path):
    args = ["generate", "rcpsp", "--tasks", "12", "--levels", "1-6", "--per-level", "2", "--phase", "side",
            "--rendering", "domain", "--seed", "4"]  # fmt: skip
    for name in ("a.jsonl", "b.jsonl"):
        assert run(*args, "-o", str(tmp_path / name)).exit_code == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    instances = read_instances(tmp_path / "a.jsonl")
    assert [i.meta["level"] for i in instances] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]


def test_families_option_and_errors_are_one_line(tmp_path):
    out = tmp_path / "f.jsonl"
    result = run("generate", "rcpsp", "--tasks", "10", "--levels", "3", "--per-level", "3", "--phase", "side",
                 "--families", "downtime,disjunctive", "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert all(i.meta["families"] == ["downtime", "disjunctive"] for i in read_instances(out))
    bad = run("generate", "rcpsp", "--tasks", "4", "--levels", "1-40", "-o", str(tmp_path / "x.jsonl"))
    assert bad.exit_code == 2 and bad.output.count("\n") == 1 and "out of reach" in bad.output
    assert not (tmp_path / "x.jsonl").exists()
    assert not list(tmp_path.glob(".x.jsonl*"))
