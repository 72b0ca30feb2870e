"""Metrics cross-checked against hand computations and brute force."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.llm_eval.metrics import (
    best_of_k,
    degradation_threshold,
    feasibility_curve,
    feasible_at_k,
    feasible_at_round,
    summarize,
    violation_shares,
    wauc,
    wilson,
)


def rec(instance, sample, outcome, level=1, **extra):
    return {"instance": instance, "sample": sample, "outcome": outcome, "level": level, **extra}


def test_wilson_matches_published_values():
    # Wilson 95% interval for 0/10 is [0, 0.2775] and for 5/10 is [0.2366, 0.7634] (Brown, Cai, DasGupta 2001)
    assert wilson(0, 10) == pytest.approx((0.0, 0.27753), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.23659, 0.76341), abs=1e-4)
    assert wilson(10, 10)[1] == pytest.approx(1.0)


def test_curve_excludes_request_errors_from_the_denominator():
    records = [rec("a", 0, "feasible"), rec("b", 0, "infeasible"), rec("c", 0, "request_error")]
    (row,) = feasibility_curve(records)
    assert (row["n"], row["feasible"], row["F"], row["request_errors"]) == (2, 1, 0.5, 1)


def test_wauc_and_auc_by_hand():
    curve = [{"level": k, "F": f} for k, f in [(1, 1.0), (2, 0.5), (3, 0.0)]]
    result = wauc(curve, "k")
    assert result["wauc"] == pytest.approx((1 * 1.0 + 2 * 0.5 + 3 * 0.0) / 6)
    assert result["auc"] == pytest.approx(((1.0 + 0.5) / 2 + (0.5 + 0.0) / 2) / 2)
    assert wauc(curve, "uniform")["wauc"] == pytest.approx(0.5)


def test_degradation_threshold_needs_two_levels_below_tau():
    def curve(values):
        return [{"level": k + 1, "F": f} for k, f in enumerate(values)]

    assert degradation_threshold(curve([1, 0.4, 0.8, 0.3, 0.2]))["level"] == 4
    assert degradation_threshold(curve([1, 0.9, 0.8]))["level"] is None
    last_only = degradation_threshold(curve([1, 0.9, 0.1]))
    assert last_only["level"] is None and last_only["provisional"] == 3


def test_violation_shares():
    records = [
        rec("a", 0, "infeasible", violation_counts={"precedence": 3, "capacity": 1}),
        rec("b", 0, "infeasible", violation_counts={"precedence": 1}),
        rec("c", 0, "feasible"),
    ]
    shares = {v["code"]: v for v in violation_shares(records)}
    assert shares["precedence"]["violations"] == 4 and shares["precedence"]["share_of_violations"] == 0.8
    assert shares["capacity"]["share_of_infeasible"] == 0.5


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=1, max_size=5))
def test_property_feasible_at_k_equals_brute_force_over_subsets(outcomes):
    records = [
        rec(f"i{i}", s, "feasible" if ok else "infeasible")
        for i, row in enumerate(outcomes)
        for s, ok in enumerate(row)
    ]
    rows = {r["k"]: r["feasible_at_k"] for r in feasible_at_k(records)}
    for k in (1, 2, 3):
        expected = sum(
            sum(any(row[j] for j in subset) for subset in itertools.combinations(range(3), k))
            / math.comb(3, k)
            for row in outcomes
        ) / len(outcomes)
        assert rows[k] == pytest.approx(expected)


def test_best_of_k_takes_the_best_feasible_of_the_first_k():
    records = [
        rec("a", 0, "infeasible"),
        rec("a", 1, "feasible", objective=12, gap_pct=20.0),
        rec("a", 2, "feasible", objective=10, gap_pct=0.0),
    ]
    rows = {r["k"]: r for r in best_of_k(records)}
    assert rows[1]["any_feasible"] == 0 and rows[1]["best_gap_mean"] is None
    assert rows[2]["best_gap_mean"] == 20.0 and rows[3]["best_gap_mean"] == 0.0


def test_feasible_at_round_separates_model_from_repair_loop():
    records = [
        rec("a", 0, "feasible", repair={"rounds": [], "feasible_round": 0}),
        rec("b", 0, "infeasible", repair={"rounds": [{}], "feasible_round": 1}),
        rec("c", 0, "parse_error", repair={"rounds": [{}], "feasible_round": None}),
    ]
    assert [r["feasible_at_r"] for r in feasible_at_round(records)] == pytest.approx([1 / 3, 2 / 3])


def test_summary_counts_claim_mismatches():
    records = [
        rec("a", 0, "feasible", claim_status="match"),
        rec("b", 0, "feasible", claim_status="mismatch"),
        rec("c", 0, "infeasible", claim_status="absent"),
    ]
    s = summarize(records)
    assert s["claims"] == {"match": 1, "mismatch": 1, "absent": 1} and s["claim_mismatch_rate"] == 0.5
