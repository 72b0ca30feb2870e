"""The exact SMTT decomposition search against the DP, rule by rule, and on the paper's data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers.paths import DATA as SHARED_DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.problems.errors import SchedbenchError
from schedbench.solvers.smtt_dp import solve_smtt_dp
from schedbench.solvers.smtt_exact import Rules, solve_smtt_exact

DATA = SHARED_DATA / "smtt-paper"


def tardiness(order, p, d) -> int:
    c = total = 0
    for j in order:
        c += p[j]
        total += max(0, c - d[j])
    return total


@st.composite
def instances(draw, max_n: int = 14):
    """Small values so that ties in p and d are common; due dates may be zero or negative."""
    n = draw(st.integers(0, max_n))
    p_max = draw(st.sampled_from([3, 10, 40]))
    p = draw(st.lists(st.integers(0, p_max), min_size=n, max_size=n))
    spread = max(1, sum(p))
    d = draw(st.lists(st.integers(-p_max, spread), min_size=n, max_size=n))
    return p, d


def check_result(result, p, d) -> None:
    assert sorted(result.order) == list(range(len(p)))
    assert tardiness(result.order, p, d) == result.objective
    assert result.lower_bound <= result.objective


@settings(max_examples=120, deadline=None)
@given(instances())
def test_exact_equals_dp(instance):
    p, d = instance
    result = solve_smtt_exact(p, d)
    check_result(result, p, d)
    assert result.optimal
    assert result.lower_bound == result.objective
    assert result.objective == solve_smtt_dp(p, d)[1]


@settings(max_examples=10, deadline=None)
@given(instances(max_n=20).filter(lambda inst: len(inst[0]) >= 17))
def test_exact_equals_dp_up_to_20_jobs(instance):
    p, d = instance
    result = solve_smtt_exact(p, d)
    check_result(result, p, d)
    assert result.optimal and result.objective == solve_smtt_dp(p, d)[1]


@pytest.mark.parametrize("rule", Rules.names())
@settings(max_examples=40, deadline=None)
@given(instance=instances(max_n=11))
def test_disabling_a_rule_keeps_the_optimum(rule, instance):
    p, d = instance
    reference = solve_smtt_dp(p, d)[1]
    result = solve_smtt_exact(p, d, rules=Rules().without(rule))
    check_result(result, p, d)
    assert result.optimal and result.objective == reference


@settings(max_examples=20, deadline=None)
@given(instance=instances(max_n=9))
def test_with_every_rule_disabled_plain_lawler_is_still_exact(instance):
    p, d = instance
    rules = Rules(**{name: False for name in Rules.names()})
    result = solve_smtt_exact(p, d, rules=rules)
    check_result(result, p, d)
    assert result.objective == solve_smtt_dp(p, d)[1]


def test_unknown_rule_is_rejected():
    with pytest.raises(ValueError, match="unknown rule"):
        Rules().without("magic")


def test_weighted_instances_are_refused():
    with pytest.raises(SchedbenchError, match="--solver cpsat or --solver mip"):
        solve_smtt_exact([1, 2], [1, 1], w=[1, 3])
    assert solve_smtt_exact([1, 2], [1, 1], w=[1, 1]).optimal


def test_bad_input_is_refused():
    with pytest.raises(SchedbenchError):
        solve_smtt_exact([1, -2], [1, 1])
    with pytest.raises(SchedbenchError):
        solve_smtt_exact([1, 2], [1])
    with pytest.raises(SchedbenchError, match="permutation"):
        solve_smtt_exact([1, 2], [1, 1], upper_bound_order=[0, 0])


def test_sums_beyond_64_bits_stay_exact():
    p, d = [3 * 10**18, 5 * 10**18, 2], [1, 4, 9]  # total tardiness above 2**63
    result = solve_smtt_exact(p, d)
    check_result(result, p, d)
    assert result.optimal and result.objective == min(
        tardiness(order, p, d) for order in ([0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0])
    )


def test_given_upper_bound_order_is_used_when_better():
    p, d = [5, 4, 3], [3, 4, 20]
    result = solve_smtt_exact(p, d, upper_bound_order=[2, 1, 0])
    assert result.optimal and result.objective == solve_smtt_dp(p, d)[1]


def test_time_limit_returns_a_feasible_order_with_a_bound():
    rng = np.random.default_rng(7)
    n = 200
    p = rng.integers(1, 101, n)
    total = int(p.sum())
    d = rng.integers(int(0.3 * total), int(0.5 * total) + 1, n)  # rdd = 0.2, tf = 0.6: hard
    result = solve_smtt_exact(p, d, time_limit=0.0)
    assert not result.optimal
    check_result(result, list(p), list(d))
    assert result.stats["nodes"] > 0


@settings(max_examples=150, deadline=None)
@given(instance=instances(max_n=14), stop_at=st.integers(1, 20))
def test_a_search_cut_short_anywhere_keeps_a_valid_bound_and_order(instance, stop_at):
    """Time runs out at node ``stop_at``: the bound must not pass the optimum, the order must be real."""
    from schedbench.solvers.smtt_exact.search import DecompositionSearch

    p, d = instance
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DecompositionSearch, "CHECK_EVERY", stop_at)
        result = solve_smtt_exact(p, d, time_limit=0.0)
    check_result(result, p, d)
    best = solve_smtt_dp(p, d)[1]
    assert result.lower_bound <= best <= result.objective
    if result.optimal:
        assert result.objective == best


def test_time_limit_on_a_hard_paper_instance_gives_the_search_best_and_its_bound():
    from schedbench.problems.smtt import total_tardiness
    from schedbench.solvers.smtt_exact.bounds import sorted_pairing_bound
    from schedbench.solvers.smtt_exact.solver import starting_order as upper_bound_order

    row = read_paper("n500")[28]  # rdd = 0.2, tf = 0.6: the slowest instance of the set
    p, d = row["p"], row["d"]
    result = solve_smtt_exact(p, d, time_limit=0.3)
    assert not result.optimal
    check_result(result, p, d)
    assert result.lower_bound <= row["reference_total_tardiness"] <= result.objective
    # better than the starting heuristic alone, and a bound above the sorted pairing bound
    assert result.objective < total_tardiness(upper_bound_order(p, d), p, d)
    by_due = sorted(range(len(p)), key=lambda j: (d[j], p[j], j))
    pairing = sorted_pairing_bound(tuple(range(len(p))), 0, [p[j] for j in by_due], [d[j] for j in by_due])
    assert result.lower_bound > pairing


def read_paper(name: str) -> list[dict]:
    path = DATA / f"{name}.jsonl"
    if not path.exists():
        pytest.skip("shared data not available")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_paper_n20_optima():
    for row in read_paper("n20_uniform")[::7]:
        result = solve_smtt_exact(row["p"], row["d"])
        check_result(result, row["p"], row["d"])
        assert result.optimal and result.objective == row["reference_total_tardiness"], row["name"]


def test_paper_n100_sample():
    rows = read_paper("n100")
    for row in rows[60::20]:  # classes with rdd >= 0.6 solve in a fraction of a second
        result = solve_smtt_exact(row["p"], row["d"])
        check_result(result, row["p"], row["d"])
        assert result.optimal and result.objective == row["reference_total_tardiness"], row["name"]


def test_orders_pass_the_verifier():
    problems = pytest.importorskip("schedbench.problems")
    smtt = pytest.importorskip("schedbench.problems.smtt")
    for row in read_paper("n100")[::40]:
        inst = problems.parse_instance(
            {
                "schema": problems.INSTANCE_SCHEMA_ID,
                "problem": "smtt",
                "name": row["name"],
                "jobs": [
                    {"name": f"j{i}", "processing_time": pi, "due_date": di}
                    for i, (pi, di) in enumerate(zip(row["p"], row["d"]))
                ],
            }
        )
        result = solve_smtt_exact(inst.processing_times, inst.due_dates, inst.weights)
        verification = problems.verify(inst, smtt.solution_from_order(inst, result.order))
        assert verification.feasible and verification.objective == result.objective


def test_private_mddc_matches_the_paper_example():
    from schedbench.heuristics.smtt_rules import mddc_order
    from schedbench.solvers.smtt_exact.solver import starting_order as upper_bound_order

    p, d = [10, 11, 10, 10, 11, 10], [15, 11, 13, 11, 12, 11]  # arXiv 2510.24013, section 4.4
    assert mddc_order(np.array(p), np.array(d)).tolist() == [3, 5, 2, 0, 1, 4]
    assert tardiness(upper_bound_order(p, d), p, d) == 141 == solve_smtt_exact(p, d).objective
