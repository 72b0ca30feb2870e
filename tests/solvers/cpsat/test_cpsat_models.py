"""Model details of the CP-SAT backends that the cross-checks might not reach."""

from __future__ import annotations

import pytest

from schedbench.problems import parse_instance, verify
from schedbench.solvers import SolveOptions, solve


def rcpsp_with_late_downtime(deadline: int | None = None) -> dict:
    """One task of 2 on a machine that is down in [5, 8): the optimum (2) ends long before the downtime."""
    task = {"name": "a", "duration": 2, "demands": {"m": 1}}
    if deadline is not None:
        task["deadline"] = deadline
    return {
        "schema": "schedbench/instance/v1",
        "problem": "rcpsp",
        "name": "late_downtime",
        "resources": [{"name": "m", "capacity": 1, "downtime": [[5, 8]]}],
        "tasks": [task, {"name": "b", "duration": 3, "demands": {"m": 1}}],
        "precedences": [["a", "b"]],
    }


@pytest.mark.parametrize("deadline", [None, 2])
def test_rcpsp_downtime_after_the_makespan_does_not_push_it(deadline, monkeypatch):
    """Without a heuristic schedule the horizon is the safe one and contains the downtime; the interval
    that fills [makespan, horizon) must not be put on that resource."""
    import schedbench.solvers.cpsat.rcpsp as cpsat_rcpsp

    monkeypatch.setattr(cpsat_rcpsp, "rcpsp_heuristic", lambda inst, deadline=None: None)
    result = solve(
        parse_instance(rcpsp_with_late_downtime(deadline)), "cpsat", SolveOptions(time_limit=10)
    ).to_dict()
    assert result["status"] == "optimal", result.get("message")
    assert result["objective"] == result["bound"] == 5
    assert verify(parse_instance(rcpsp_with_late_downtime(deadline)), result).objective == 5


def test_rcpsp_feasibility_mode_in_cpsat_claims_the_verified_makespan(monkeypatch):
    """Without a heuristic schedule, feasibility mode runs CP-SAT with no objective: the claimed makespan
    must be the schedule's, not whatever value the unconstrained makespan variable took."""
    import schedbench.solvers.cpsat.rcpsp as cpsat_rcpsp

    monkeypatch.setattr(cpsat_rcpsp, "rcpsp_heuristic", lambda inst, deadline=None: None)
    obj = rcpsp_with_late_downtime()
    result = solve(parse_instance(obj), "cpsat", SolveOptions(mode="feasibility", time_limit=10)).to_dict()
    assert result["status"] == "feasible", result.get("message")
    assert "answered_by" not in result.get("stats", {})
    assert verify(parse_instance(obj), result).objective == result["objective"]
