"""Every violation code is reported, with magnitude and names, on hand-made schedules."""

from __future__ import annotations

import pytest

from schedbench.problems import VIOLATION_CODES, SchedbenchError, parse_instance, verify

RCPSP = {
    "schema": "schedbench/instance/v1",
    "problem": "rcpsp",
    "name": "all_codes",
    "resources": [{"name": "crew", "capacity": 2, "downtime": [[20, 25]]}],
    "tasks": [
        {"name": "A", "duration": 3, "demands": {"crew": 2}},
        {"name": "B", "duration": 2, "demands": {"crew": 1}, "release": 5},
        {"name": "C", "duration": 4, "demands": {"crew": 1}, "deadline": 10},
        {"name": "D", "duration": 2, "demands": {"crew": 1}},
        {"name": "E", "duration": 1},
    ],
    "precedences": [["A", "B"]],
    "disjunctive": [["C", "D"]],
    "meta": {},
}

JSSP = {
    "schema": "schedbench/instance/v1",
    "problem": "jssp",
    "name": "js",
    "machines": 2,
    "jobs": [
        {"name": "J1", "operations": [{"machine": 0, "duration": 3}, {"machine": 1, "duration": 2}]},
        {"name": "J2", "operations": [{"machine": 0, "duration": 2}, {"machine": 1, "duration": 4}]},
    ],
}

SMTT = {
    "schema": "schedbench/instance/v1",
    "problem": "smtt",
    "name": "sm",
    "jobs": [
        {"name": "a", "processing_time": 4, "due_date": 3},
        {"name": "b", "processing_time": 2, "due_date": 2},
        {"name": "c", "processing_time": 1, "due_date": 10},
    ],
}


def codes(result) -> set[str]:
    return {v.code for v in result.violations}


def test_rcpsp_schedule_breaking_every_rule_reports_each_code() -> None:
    inst = parse_instance(RCPSP)
    # A [0,3) uses 2; B at 2 < release 5 and before A ends; C [8,12) passes deadline 10 and overlaps D;
    # D [9,11) with C and A's... ; E at -1; crew overloaded by C+D+B? B [2,4) with A -> 3 > 2.
    result = verify(inst, {"starts": {"A": 0, "B": 2, "C": 8, "D": 21, "E": -1}})
    assert not result.feasible
    assert {"precedence", "release", "deadline", "capacity", "downtime", "negative_start"} <= codes(result)
    result = verify(inst, {"starts": {"A": 0, "B": 5, "C": 7, "D": 8, "E": 0}})
    assert codes(result) == {"disjunctive", "deadline"}
    disj = next(v for v in result.violations if v.code == "disjunctive")
    assert disj.magnitude == 2 and set(disj.names) == {"C", "D"}


def test_rcpsp_magnitudes_are_exact() -> None:
    inst = parse_instance(RCPSP)
    result = verify(inst, {"starts": {"A": 0, "B": 1, "C": 20, "D": 40, "E": 0}})
    by_code = {v.code: v for v in result.violations}
    assert by_code["precedence"].magnitude == 2  # B starts at 1, A ends at 3
    assert by_code["release"].magnitude == 4
    assert by_code["deadline"].magnitude == 14  # C ends at 24, deadline 10
    assert by_code["downtime"].magnitude == 4  # C [20,24) inside [20,25)
    assert by_code["capacity"].magnitude == 1  # A(2) + B(1) during [1,3)
    assert result.objective == 42


def test_rcpsp_missing_unknown_non_integer_and_malformed() -> None:
    inst = parse_instance(RCPSP)
    result = verify(inst, {"starts": {"A": 0, "B": "soon", "C": 1.5, "Z": 3}})
    assert codes(result) == {"missing", "unknown", "non_integer"}
    assert result.objective is None
    assert codes(verify(inst, {"start": {}})) == {"malformed"}
    assert codes(verify(inst, ["not", "a", "dict"])) == {"malformed"}


def test_rcpsp_integral_float_is_accepted_as_integer() -> None:
    inst = parse_instance(RCPSP)
    result = verify(inst, {"starts": {"A": 0.0, "B": 5, "C": 5, "D": 9, "E": 0}})
    assert result.feasible and result.objective == 11


def test_huge_numbers_are_violations_or_field_errors_never_overflows() -> None:
    huge = 10**30
    rc = verify(parse_instance(RCPSP), {"starts": {"A": huge, "B": 5, "C": 5, "D": 9, "E": 0}})
    assert codes(rc) == {"out_of_range"} and rc.objective is None
    js = verify(parse_instance(JSSP), {"starts": {"J1": [0, -huge], "J2": [3, 5]}})
    assert codes(js) == {"out_of_range"}
    edge = verify(parse_instance(RCPSP), {"starts": {"A": 10**12, "B": 5, "C": 5, "D": 9, "E": 0}})
    assert "out_of_range" not in codes(edge)
    jobs = [dict(j) for j in SMTT["jobs"]]
    jobs[1]["processing_time"] = float(huge)
    with pytest.raises(SchedbenchError) as err:
        parse_instance({**SMTT, "jobs": jobs})
    assert err.value.field == "jobs[1].processing_time"
    with pytest.raises(SchedbenchError) as err:
        parse_instance({**JSSP, "jobs": [{**JSSP["jobs"][0], "due_date": -huge}, *JSSP["jobs"][1:]]})
    assert err.value.field == "jobs[0].due_date"


def test_jssp_codes() -> None:
    inst = parse_instance(JSSP)
    ok = verify(inst, {"starts": {"J1": [0, 3], "J2": [3, 5]}})
    assert ok.feasible and ok.objective == 9
    bad = verify(inst, {"starts": {"J1": [0, 2], "J2": [1, 4]}})
    assert codes(bad) == {"operation_order", "machine_overlap"}
    overlap = [v for v in bad.violations if v.code == "machine_overlap"]
    # machine 0: J1 [0,3) vs J2 [1,3) overlap by 2; machine 1: [2,4) and [4,8) only touch.
    assert [(v.magnitude, v.names) for v in overlap] == [(2, ("J1", "J2"))]
    order = [v for v in bad.violations if v.code == "operation_order"]
    assert [(v.magnitude, v.names) for v in order] == [(1, ("J1",))]
    assert codes(verify(inst, {"starts": {"J1": [0], "J3": [1, 2]}})) == {"missing", "unknown"}
    assert codes(verify(inst, {"starts": {"J1": [0, 3, 9], "J2": [3, "x"]}})) == {"unknown", "non_integer"}


def test_smtt_codes_and_objective() -> None:
    inst = parse_instance(SMTT)
    ok = verify(inst, {"sequence": ["b", "a", "c"]})
    assert ok.feasible and ok.objective == 0 + 3 + 0
    assert codes(verify(inst, {"sequence": ["b", "b", "x"]})) == {"duplicate", "unknown", "missing"}
    weighted = dict(SMTT, jobs=[dict(j, weight=w) for j, w in zip(SMTT["jobs"], [3, 1, 1])])
    assert verify(parse_instance(weighted), {"sequence": ["a", "b", "c"]}).objective == 3 * 1 + 1 * 4


def test_all_documented_codes_are_produced_somewhere() -> None:
    produced: set[str] = set()
    rc = parse_instance(RCPSP)
    produced |= codes(verify(rc, {"starts": {"A": 0, "B": 2, "C": 8, "D": 21, "E": -1}}))
    produced |= codes(verify(rc, {"starts": {"A": 0, "B": 5, "C": 7, "D": 8, "E": 0}}))
    produced |= codes(verify(rc, {"starts": {"A": 0.5, "Z": 1}}))
    produced |= codes(verify(rc, {"starts": {"A": 10**30}}))
    produced |= codes(verify(rc, {}))
    produced |= codes(verify(parse_instance(JSSP), {"starts": {"J1": [0, 2], "J2": [1, 4]}}))
    produced |= codes(verify(parse_instance(SMTT), {"sequence": ["a", "a", "b", "c"]}))
    assert produced == set(VIOLATION_CODES)


@pytest.mark.parametrize(
    ("patch", "field", "fragment"),
    [
        ({"tasks": [{"name": "A", "duration": -1}]}, "tasks[0].duration", "minimum"),
        ({"tasks": [{"name": "A", "duration": 2.5}]}, "tasks[0].duration", "integer"),
        (
            {"tasks": [{"name": "A", "duration": 1}, {"name": "A", "duration": 1}]},
            "tasks[1].name",
            "duplicate",
        ),
        ({"precedences": [["A", "Q"]]}, "precedences[0][1]", "unknown task"),
        (
            {"tasks": [{"name": "A", "duration": 1, "demands": {"crew": 3}}]},
            "tasks[0].demands.crew",
            "exceeds",
        ),
        (
            {"tasks": [{"name": "A", "duration": 1, "demands": {"van": 1}}]},
            "tasks[0].demands.van",
            "unknown resource",
        ),
        (
            {"resources": [{"name": "crew", "capacity": 1, "downtime": [[5, 5]]}]},
            "resources[0].downtime[0]",
            "empty",
        ),
        ({"colour": "red"}, None, "Additional properties"),
    ],
)
def test_rcpsp_meaning_errors_name_the_field(patch: dict, field: str | None, fragment: str) -> None:
    obj = {**RCPSP, "tasks": [{"name": "A", "duration": 1}], "precedences": [], "disjunctive": [], **patch}
    with pytest.raises(SchedbenchError) as err:
        parse_instance(obj, source="x.jsonl", line=7)
    assert err.value.field == field
    assert fragment in str(err.value)
    assert str(err.value).startswith("x.jsonl:7: ")


def test_cycle_and_machine_range_errors() -> None:
    cyc = {**RCPSP, "precedences": [["A", "B"], ["B", "C"], ["C", "A"]]}
    with pytest.raises(SchedbenchError, match="precedence cycle"):
        parse_instance(cyc)
    bad = {**JSSP, "machines": 1}
    with pytest.raises(SchedbenchError) as err:
        parse_instance(bad)
    assert err.value.field == "jobs[0].operations[1].machine"


def test_round_trip_is_stable() -> None:
    for obj in (RCPSP, JSSP, SMTT):
        inst = parse_instance(obj)
        again = parse_instance(inst.to_dict())
        assert again.to_dict() == inst.to_dict()
