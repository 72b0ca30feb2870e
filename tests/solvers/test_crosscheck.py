"""CP-SAT, MIP (HiGHS and CBC) and the DP agree on the optimum of small random instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from helpers.instances import random_jssp, random_rcpsp, random_smtt
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.generators import generate_jssp
from schedbench.problems import parse_instance, verify
from schedbench.solvers import SolveOptions, highs_available, solve
from schedbench.solvers.cpsat.hints import emmons_precedences
from schedbench.solvers.mip.smtt import valid_inequality_coefficients

MIP = "mip-highs" if highs_available() else "mip-cbc"


def check_verified(inst, result):
    assert result["status"] == "optimal", result.get("message")
    check = verify(inst, result)
    assert check.feasible, check.violations
    assert check.objective == result["objective"] == result["bound"]
    assert result["gap"] == 0.0


@pytest.mark.parametrize("seed", range(6))
def test_rcpsp_with_downtime_windows_disjunctive(seed):
    inst = random_rcpsp(seed, n=7, side=True)
    assert any(inst.downtime) and len(inst.disjunctive)
    cp = solve(inst, "cpsat", SolveOptions(time_limit=20, seed=1)).to_dict()
    mip = solve(inst, MIP, SolveOptions(time_limit=30)).to_dict()
    if cp["status"] == "infeasible":
        assert mip["status"] == "infeasible"
        return
    check_verified(inst, cp)
    check_verified(inst, mip)
    assert cp["objective"] == mip["objective"]


@pytest.mark.parametrize("seed", range(3))
def test_rcpsp_plain_and_cbc(seed):
    inst = random_rcpsp(100 + seed, n=6, side=False)
    results = [solve(inst, s, SolveOptions(time_limit=30)).to_dict() for s in ("cpsat", "mip-cbc", MIP)]
    for r in results:
        check_verified(inst, r)
    assert len({r["objective"] for r in results}) == 1


def jssp_cpsat_and_mip(inst):
    """The same job shop solved by CP-SAT and by the MIP."""
    return solve(inst, "cpsat", SolveOptions(time_limit=20)).to_dict(), solve(
        inst, MIP, SolveOptions(time_limit=30)
    ).to_dict()


@pytest.mark.parametrize("seed", range(5))
def test_jssp_cpsat_vs_mip(seed):
    inst = random_jssp(seed, jobs=4, machines=3)
    cp, mip = jssp_cpsat_and_mip(inst)
    check_verified(inst, cp)
    check_verified(inst, mip)
    assert cp["objective"] == mip["objective"]


@pytest.mark.parametrize("seed", range(12))
def test_jssp_cpsat_vs_mip_partial_routes(seed):
    # jobs that skip machines: a lower bound valid only for full routes would cut off the optimum
    inst = random_jssp(seed, jobs=int(2 + seed % 3), machines=3, partial=True)
    cp, mip = jssp_cpsat_and_mip(inst)
    check_verified(inst, cp)
    check_verified(inst, mip)
    assert cp["status"] == mip["status"] == "optimal"
    assert cp["objective"] == mip["objective"]


def test_jssp_generated_6x6_cpsat_vs_mip():
    # the old CP-SAT model claimed 467 optimal here (true optimum 425): its makespan domain began above it
    for obj in generate_jssp(jobs=6, machines=6, count=3, seed=0):
        inst = parse_instance(obj)
        cp, mip = jssp_cpsat_and_mip(inst)
        check_verified(inst, cp)
        assert cp["status"] == mip["status"] == "optimal"
        assert cp["objective"] == mip["objective"]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_smtt_cpsat_vs_mip_vs_dp(seed, weighted):
    inst = random_smtt(seed, n=7, weighted=weighted)
    results = [solve(inst, s, SolveOptions(time_limit=30)).to_dict() for s in ("cpsat", MIP, "dp")]
    for r in results:
        check_verified(inst, r)
    assert len({r["objective"] for r in results}) == 1


def test_smtt_cbc_small():
    inst = random_smtt(11, n=5, weighted=True)
    cbc = solve(inst, "mip-cbc", SolveOptions(time_limit=30)).to_dict()
    check_verified(inst, cbc)
    assert cbc["objective"] == solve(inst, "dp").to_dict()["objective"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n=st.integers(2, 9))
def test_emmons_precedences_keep_the_optimum(seed, n):
    """With Emmons' arcs CP-SAT still reaches the DP optimum, also when p and d tie a lot."""
    inst = random_smtt(seed, n=n, tie_heavy=seed % 2 == 0)
    cp = solve(inst, "cpsat", SolveOptions(time_limit=20)).to_dict()
    assert cp["status"] == "optimal"
    assert cp["objective"] == solve(inst, "dp").to_dict()["objective"]


def test_emmons_arcs_are_acyclic_and_hold_in_some_optimum():
    rng = np.random.default_rng(3)
    for _ in range(30):
        n = 6
        p = rng.integers(1, 4, n)
        d = rng.integers(0, int(p.sum()), n)
        before = emmons_precedences(p, d)
        assert not (before & before.T).any()
        costs = {}
        for perm in itertools.permutations(range(n)):
            c = np.cumsum(p[list(perm)])
            costs[perm] = int(np.maximum(c - d[list(perm)], 0).sum())
        best = min(costs.values())
        pos = lambda perm: {j: k for k, j in enumerate(perm)}  # noqa: E731
        consistent = [
            perm
            for perm, v in costs.items()
            if v == best and all(pos(perm)[i] < pos(perm)[j] for i, j in zip(*np.nonzero(before)))
        ]
        assert consistent, (p, d)


def test_kkf_valid_inequality_holds_for_every_sequence():
    """C_j >= p_j + pi_jk u_jk for every job j at every position k of every permutation (SPT-indexed)."""
    q = np.array([1, 2, 2, 4, 7, 9])
    pi = valid_inequality_coefficients(q)
    for perm in itertools.permutations(range(len(q))):
        completion = np.cumsum(q[list(perm)])
        for k, j in enumerate(perm):
            assert completion[k] >= q[j] + pi[j, k]
    # tight somewhere: for j at position k the k shortest others can come first
    assert pi[0, 1] == q[1] and pi[3, 2] == q[0] + q[1] and pi[1, 1] == q[0]


@pytest.mark.parametrize("seed", range(6))
def test_mip_with_emmons_arcs_keeps_the_optimum_under_ties(seed):
    inst = random_smtt(500 + seed, n=8, tie_heavy=True)
    mip = solve(inst, MIP, SolveOptions(time_limit=30)).to_dict()
    check_verified(inst, mip)
    assert mip["objective"] == solve(inst, "dp").to_dict()["objective"]
