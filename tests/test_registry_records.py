"""The registries (solvers, heuristics, importers), SolveOptions checks, and the SolveResult record with
its published schema."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from solver_instances import random_jssp, random_rcpsp, random_smtt

from schedbench.datasets.importers import IMPORTERS, list_importers
from schedbench.heuristics import get_heuristic, list_heuristics, run_heuristic
from schedbench.heuristics.leaderboard import resolve_rules
from schedbench.problems import SchedbenchError, verify
from schedbench.records import SOLVE_RESULT_ID, SolveResult, SolveStatus, record_schema
from schedbench.solvers import SOLVERS, SolveOptions, list_solvers, resolve_solver, solve
from schedbench.solvers.batch import solve_file

REPO = Path(__file__).resolve().parents[1]


def test_solver_registry_lists_every_solver_with_its_problems():
    entries = {e.name: e for e in list_solvers()}
    assert tuple(entries) == SOLVERS == ("auto", "cpsat", "mip", "mip-cbc", "mip-highs", "dp", "exact")
    assert entries["dp"].problems == entries["exact"].problems == ("smtt",)
    assert all(e.description and "\n" not in e.description for e in entries.values())
    assert entries["cpsat"].available()
    assert [e.name for e in list_solvers("jssp")] == ["auto", "cpsat", "mip", "mip-cbc", "mip-highs"]


def test_solver_names_match_in_any_case_and_unknown_lists_the_known():
    inst = random_smtt(1, n=8)
    assert resolve_solver(inst, "DP") == resolve_solver(inst, "auto") == "dp"
    assert resolve_solver(inst, "CP-SAT".replace("-", "")) == "cpsat"
    assert resolve_solver(random_smtt(1, n=25), "Auto") == "exact"
    with pytest.raises(SchedbenchError, match="unknown solver 'gurobi'; known: auto, cpsat, mip"):
        resolve_solver(inst, "gurobi")
    with pytest.raises(SchedbenchError, match="handles unweighted SMTT only"):
        resolve_solver(random_smtt(1, n=25, weighted=True), "exact")


def test_heuristic_names_are_case_insensitive_and_canonical():
    assert resolve_rules("smtt", "EDD,MDDC") == ["edd", "mddc"]
    assert get_heuristic("jssp", "SPT-Active").name == "spt-active"
    assert all(h.name == h.name.lower() for h in list_heuristics())
    with pytest.raises(SchedbenchError, match="unknown smtt heuristic 'nope'; known: .*edd"):
        get_heuristic("smtt", "nope")
    solution = run_heuristic(random_smtt(3, n=6), "EDD")
    assert solution["solver"]["name"] == "edd" and solution["solver"]["params"] == {}
    assert isinstance(solution["solver"]["version"], str)


def test_importer_registry_matches_the_old_views():
    entries = list_importers()
    assert [e.name for e in entries] == list(IMPORTERS)
    assert {e.name: e.problems for e in entries}["taillard"] == ("jssp",)
    assert [e.name for e in list_importers("smtt")] == ["orlib-wt", "smtt-paper"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"time_limit": math.nan}, "time_limit"),
        ({"time_limit": math.inf}, "time_limit"),
        ({"time_limit": 0}, "time_limit"),
        ({"workers": 0}, "workers"),
        ({"deterministic_time": -1.0}, "deterministic_time"),
        ({"mode": "fast"}, "mode"),
    ],
)
def test_solve_options_refuse_bad_values_in_one_line(kwargs, field):
    with pytest.raises(SchedbenchError) as err:
        SolveOptions(**kwargs)
    assert err.value.field == field and "\n" not in str(err.value)


def test_solve_result_round_trips_and_reads_0_1_lines():
    inst = random_smtt(2, n=7)
    result = solve(inst, "dp")
    assert (
        result.status is SolveStatus.OPTIMAL and verify(inst, result.solution()).objective == result.objective
    )
    line = result.to_dict()
    assert line["record"] == SOLVE_RESULT_ID and SolveResult.from_dict(line) == result
    old = {k: v for k, v in line.items() if k not in ("record", "instance_sha256")}
    assert SolveResult.from_dict(old).objective == result.objective
    with pytest.raises(SchedbenchError, match="re-run `schedbench solve`"):
        SolveResult.from_dict({"schema": "schedbench/solution/v1", "instance": "x", "sequence": []})
    with pytest.raises(SchedbenchError, match="unknown status"):
        SolveResult.from_dict({**line, "status": "done"})


def test_every_line_solve_writes_validates_against_the_schema(tmp_path):
    insts = [random_smtt(s, n=7, weighted=s % 2 == 1) for s in range(3)]
    insts += [random_jssp(s, jobs=4, machines=3) for s in range(3)]
    insts += [random_rcpsp(s) for s in range(3)]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(i.to_dict()) + "\n" for i in insts))
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for solver in ("auto", "mip"):
        cmd = [sys.executable, "-m", "schedbench.cli", "solve", str(src), "--solver", solver, "--no-progress"]
        done = subprocess.run([*cmd, "--time-limit", "10", "-o", str(out)], env=env, capture_output=True)
        assert done.returncode == 0, done.stderr.decode()
        out.rename(tmp_path / f"{solver}.jsonl")
    schema = record_schema(SOLVE_RESULT_ID)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    lines = [
        json.loads(x) for s in ("auto", "mip") for x in (tmp_path / f"{s}.jsonl").read_text().splitlines()
    ]
    assert len(lines) == 2 * len(insts)
    for line in lines:
        validator.validate(line)
    assert not validator.is_valid({**lines[0], "solver": "heuristic:edd"})
    assert not validator.is_valid({k: v for k, v in lines[0].items() if k != "record"})


def test_solve_refuses_to_write_into_its_input_or_references(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(random_smtt(1, n=5).to_dict()) + "\n")
    before = src.read_text()
    with pytest.raises(SchedbenchError, match="the output is the instance file"):
        solve_file(src, src)
    refs = tmp_path / "refs.jsonl"
    refs.write_text("")
    with pytest.raises(SchedbenchError, match="the output is the references file"):
        solve_file(src, refs, references=refs)
    assert src.read_text() == before


def test_resume_refuses_an_output_solved_from_other_instances(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(json.dumps(random_smtt(1, n=6).to_dict()) + "\n")
    b.write_text(json.dumps(random_smtt(2, n=6).to_dict() | {"name": "smtt_1"}) + "\n")
    out = tmp_path / "out.jsonl"
    solve_file(a, out, solver="dp")
    with pytest.raises(SchedbenchError, match="solved from different content") as err:
        solve_file(b, out, solver="dp")
    assert err.value.line == 1
    assert solve_file(a, out, solver="dp").skipped == 1
