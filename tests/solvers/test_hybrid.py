"""The job-shop hybrid (tabu, CP-SAT from its schedule, tabu polish): on small instances it reaches the
optimum CP-SAT proves, every schedule verifies, its bound is a real lower bound, a deterministic run
repeats, and it refuses the problems it does not serve."""

from __future__ import annotations

import pytest
from helpers.instances import random_jssp, random_jssp_routes, random_smtt

from schedbench.problems import SchedbenchError, verify
from schedbench.problems.jssp import lower_bound
from schedbench.solvers import SolveOptions, solve
from schedbench.solvers.hybrid import solve as hybrid_solve


@pytest.mark.parametrize("seed", range(5))
def test_the_hybrid_reaches_the_proven_optimum_on_small_job_shops(seed):
    inst = random_jssp_routes(6, 4, seed) if seed % 2 else random_jssp(seed, jobs=5, machines=4, partial=True)
    exact = solve(inst, "cpsat", SolveOptions(time_limit=20, seed=1)).to_dict()
    assert exact["status"] == "optimal"
    mine = solve(inst, "hybrid", SolveOptions(time_limit=4, seed=seed)).to_dict()
    assert mine["status"] == "optimal" and mine["gap"] == 0.0
    check = verify(inst, mine)
    assert check.feasible and check.objective == mine["objective"] == exact["objective"] == mine["bound"]


def test_on_a_harder_shop_the_bound_holds_and_the_schedule_is_no_worse_than_tabu_alone():
    inst = random_jssp_routes(12, 8, seed=7)
    out = hybrid_solve(inst, SolveOptions(time_limit=3, workers=1, seed=0))
    phases = out.stats["phases"]
    assert out.objective is not None and out.bound is not None
    assert lower_bound(inst) <= out.bound <= out.objective <= phases["tabu"]
    exact = solve(inst, "cpsat", SolveOptions(time_limit=30, seed=1)).to_dict()
    assert out.bound <= exact["objective"] and exact["bound"] <= out.objective
    assert verify(inst, out.solution).objective == out.objective


def test_a_deterministic_run_repeats():
    inst = random_jssp_routes(10, 6, seed=3)
    options = SolveOptions(time_limit=60, workers=1, seed=2, deterministic_time=0.5)
    first, second = (solve(inst, "hybrid", options).to_dict() for _ in range(2))
    assert first["starts"] == second["starts"] and first["bound"] == second["bound"]


def test_the_hybrid_serves_the_job_shop_only():
    with pytest.raises(SchedbenchError, match="for jssp only"):
        solve(random_smtt(1, n=6), "hybrid", SolveOptions(time_limit=1))
