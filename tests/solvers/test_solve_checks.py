"""What the solve front door refuses: bad SolveOptions values (in one line), writing over its input or
references, and resuming an output solved from other instances."""

from __future__ import annotations

import json
import math

import pytest
from helpers.instances import random_smtt

from schedbench.problems import SchedbenchError
from schedbench.solvers import SolveOptions
from schedbench.solvers.batch import solve_file


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
