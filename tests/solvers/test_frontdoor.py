"""The solver front door: published optima, infeasibility, malformed input, verification of claims,
reference checks and the `auto` choice (the `solve` command's side is in tests/cli/test_solve.py)."""

from __future__ import annotations

import json

import pytest
from helpers.instances import ft06, infeasible_rcpsp_dict, random_smtt
from helpers.paths import DATA

from schedbench.datasets.references import check_result, read_reference_file
from schedbench.problems import SchedbenchError, parse_instance, verify
from schedbench.solvers import RawResult, SolveOptions, finish, resolve_solver, solve


@pytest.mark.parametrize("solver", ["cpsat", "mip"])
def test_ft06_is_55(solver):
    inst = ft06()
    result = solve(inst, solver, SolveOptions(time_limit=60, workers=1)).to_dict()
    assert result["status"] == "optimal"
    assert result["objective"] == 55 == inst.meta["reference"]["value"]
    assert verify(inst, result).objective == 55
    assert check_result(result, inst.meta["reference"])["flags"] == []


@pytest.mark.parametrize("solver", ["cpsat", "mip", "mip-cbc"])
@pytest.mark.parametrize("mode", ["optimize", "feasibility"])
def test_infeasible_instance_is_reported_not_raised(solver, mode):
    result = solve(
        parse_instance(infeasible_rcpsp_dict()), solver, SolveOptions(time_limit=20, mode=mode)
    ).to_dict()
    assert result["status"] == "infeasible"
    assert result["infeasible_proven"] is True
    assert result["objective"] is None and "starts" not in result


def test_downtime_makes_an_instance_infeasible_only_with_a_deadline():
    obj = infeasible_rcpsp_dict()
    obj["tasks"] = obj["tasks"][:1]
    obj["resources"][0]["downtime"] = [[1, 4]]
    obj["tasks"][0]["deadline"] = 6
    assert (
        solve(parse_instance(obj), "cpsat", SolveOptions(time_limit=10)).to_dict()["status"] == "infeasible"
    )
    del obj["tasks"][0]["deadline"]
    result = solve(parse_instance(obj), "cpsat", SolveOptions(time_limit=10)).to_dict()
    assert result["status"] == "optimal" and result["objective"] == 7
    assert solve(parse_instance(obj), "mip", SolveOptions(time_limit=10)).to_dict()["objective"] == 7


def test_feasibility_mode_returns_a_verified_schedule():
    obj = infeasible_rcpsp_dict()
    obj["tasks"][1]["deadline"] = 6
    result = solve(parse_instance(obj), "cpsat", SolveOptions(mode="feasibility", time_limit=10)).to_dict()
    assert result["status"] == "feasible" and result["bound"] is None
    assert verify(parse_instance(obj), result).feasible


def test_claimed_objective_that_the_verifier_disagrees_with_is_an_error():
    inst = random_smtt(5, n=6)
    good = solve(inst, "dp").to_dict()
    raw = RawResult(
        status="optimal",
        name="fake",
        version="0",
        params={},
        solution={"schema": "schedbench/solution/v1", "instance": inst.name, "sequence": good["sequence"]},
        objective=good["objective"] - 1,
        bound=good["objective"] - 1,
    )
    result = finish(inst, raw, 0.0, 0).to_dict()
    assert result["status"] == "error"
    assert "verifier computes" in result["message"]
    raw.solution = {
        "schema": "schedbench/solution/v1",
        "instance": inst.name,
        "sequence": good["sequence"][1:],
    }
    assert finish(inst, raw, 0.0, 0).to_dict()["status"] == "error"


def test_auto_picks_dp_for_small_smtt_and_cpsat_otherwise():
    assert resolve_solver(random_smtt(1, n=8), "auto") == "dp"
    assert resolve_solver(random_smtt(1, n=25, weighted=True), "auto") == "cpsat"
    assert resolve_solver(random_smtt(1, n=25), "auto") in ("exact", "cpsat")
    with pytest.raises(SchedbenchError):
        resolve_solver(ft06(), "dp")
    with pytest.raises(SchedbenchError):
        resolve_solver(ft06(), "gurobi")


def test_auto_on_larger_unweighted_smtt_proves_the_optimum():
    inst = random_smtt(7, n=24)
    result = solve(inst, "auto", SolveOptions(time_limit=30)).to_dict()
    cp = solve(inst, "cpsat", SolveOptions(time_limit=30)).to_dict()
    assert result["status"] == cp["status"] == "optimal"
    assert result["objective"] == cp["objective"]


def test_hint_is_used_only_when_it_verifies():
    inst = random_smtt(2, n=9)
    bad_hint = {"schema": "schedbench/solution/v1", "instance": inst.name, "sequence": ["nope"]}
    result = solve(inst, "cpsat", SolveOptions(hint=bad_hint, time_limit=10)).to_dict()
    assert result["status"] == "optimal"
    assert result["objective"] == solve(inst, "dp").to_dict()["objective"]


def test_reference_contradictions_are_flagged():
    ok = {"status": "optimal", "objective": 50, "bound": 50}
    assert check_result(ok, {"value": 50, "kind": "optimal"})["flags"] == []
    beats = check_result(ok, {"value": 55, "kind": "optimal", "lower_bound": 55, "upper_bound": 55})
    assert len(beats["flags"]) == 1 and "beats the reference optimum" in beats["flags"][0]
    bound = {"status": "feasible", "objective": 70, "bound": 60}
    assert "exceeds" in check_result(bound, {"value": 58, "kind": "best_known"})["flags"][0]
    assert check_result(bound, {"value": 65, "kind": "best_known"})["flags"] == []
    infeasible = {"status": "infeasible", "infeasible_proven": True, "objective": None, "bound": None}
    assert check_result(infeasible, {"value": 65, "kind": "best_known"})["flags"]
    improved = check_result(
        {"status": "feasible", "objective": 60, "bound": 40}, {"value": 65, "kind": "best_known"}
    )
    assert improved["flags"] == [] and "improves" in improved["notes"][0]


def test_references_from_solve_output_and_csv(tmp_path):
    out = tmp_path / "prev.jsonl"
    out.write_text(
        json.dumps({"instance": "a", "status": "optimal", "objective": 7, "bound": 7})
        + "\n"
        + json.dumps({"instance": "b", "status": "feasible", "objective": 9, "bound": 4})
        + "\n"
    )
    refs = {name: ref.to_meta() for name, ref in read_reference_file(out).items()}
    assert refs["a"]["kind"] == "optimal" and refs["a"]["value"] == 7
    assert refs["b"]["kind"] == "best_known" and refs["b"]["lower_bound"] == 4
    if (DATA / "psplib" / "reference.csv").exists():
        assert read_reference_file(DATA / "psplib" / "reference.csv")["j301_1"].value == 43
