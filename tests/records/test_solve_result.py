"""The SolveResult record: round trips, 0.1 lines still read, and every line `solve` writes validates against
the published schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import jsonschema
import pytest
from helpers.instances import random_jssp, random_rcpsp, random_smtt
from helpers.paths import REPO

from schedbench.problems import SchedbenchError, verify
from schedbench.records import SOLVE_RESULT_ID, SolveResult, SolveStatus, record_schema
from schedbench.solvers import solve


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
