"""Violations say where they happen: ``at`` = [start, end) and ``resource``, written only when known."""

from __future__ import annotations

from schedbench.problems import parse_instance, verify
from schedbench.problems.base import Violation

HEAD = {"schema": "schedbench/instance/v1"}

RCPSP = {
    **HEAD,
    "problem": "rcpsp",
    "name": "r",
    "resources": [{"name": "crew", "capacity": 2, "downtime": [[10, 12]]}],
    "tasks": [
        {"name": "a", "duration": 3, "demands": {"crew": 2}},
        {"name": "b", "duration": 2, "demands": {"crew": 1}, "release": 5},
        {"name": "c", "duration": 4, "demands": {"crew": 1}, "deadline": 8},
    ],
    "precedences": [["a", "b"]],
    "disjunctive": [["b", "c"]],
}


def _by_code(inst: dict, solution: dict) -> dict[str, dict]:
    result = verify(parse_instance(inst), solution)
    return {v["code"]: v for v in result.to_dict()["violations"]}


def test_rcpsp_violations_carry_their_interval_and_resource():
    # a [0,3) uses both crews, b [1,3) starts before its release and before a ends, c [9,13) in the downtime
    found = _by_code(RCPSP, {"starts": {"a": 0, "b": 1, "c": 9}})
    assert found["precedence"]["at"] == [1, 3] and "resource" not in found["precedence"]
    assert found["release"]["at"] == [1, 5]
    assert found["capacity"]["at"] == [1, 3] and found["capacity"]["resource"] == "crew"
    assert found["downtime"]["at"] == [10, 12] and found["downtime"]["resource"] == "crew"
    assert found["deadline"]["at"] == [8, 13]
    found = _by_code(RCPSP, {"starts": {"a": 0, "b": 5, "c": 4}})
    assert found["disjunctive"]["at"] == [5, 7]
    assert "deadline" not in found  # c [4, 8) ends exactly at its deadline


def test_negative_start_interval_ends_at_zero():
    found = _by_code(RCPSP, {"starts": {"a": -2, "b": 5, "c": 1}})
    assert found["negative_start"]["at"] == [-2, 0]


def test_jssp_overlap_names_the_machine_and_the_overlap():
    inst = {
        **HEAD,
        "problem": "jssp",
        "name": "j",
        "machines": 2,
        "jobs": [
            {"name": "A", "operations": [{"machine": 0, "duration": 3}, {"machine": 1, "duration": 2}]},
            {"name": "B", "operations": [{"machine": 0, "duration": 4}, {"machine": 1, "duration": 1}]},
        ],
    }
    found = _by_code(inst, {"starts": {"A": [0, 2], "B": [1, 6]}})
    assert found["machine_overlap"]["at"] == [1, 3] and found["machine_overlap"]["resource"] == "0"
    assert found["operation_order"]["at"] == [2, 3]


def test_to_dict_without_location_is_the_old_layout():
    assert Violation("missing", "x", 1, ("a",)).to_dict() == {
        "code": "missing",
        "message": "x",
        "magnitude": 1,
        "names": ["a"],
    }
