"""The Held-Karp SMTT DP against brute force and the published n = 20 optima."""

from __future__ import annotations

import itertools
import json

import pytest
from helpers.paths import DATA as SHARED_DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.solvers.smtt_dp import MAX_DP_JOBS, solve_smtt_dp

DATA = SHARED_DATA / "smtt-paper"


def weighted_tardiness(order, p, d, w) -> int:
    c = total = 0
    for j in order:
        c += p[j]
        total += w[j] * max(0, c - d[j])
    return total


def brute_force(p, d, w) -> int:
    return min(weighted_tardiness(perm, p, d, w) for perm in itertools.permutations(range(len(p))))


@st.composite
def weighted_instances(draw, max_n: int = 7):
    n = draw(st.integers(0, max_n))
    p = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    d = draw(st.lists(st.integers(-10, 50), min_size=n, max_size=n))
    w = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    return p, d, w


@settings(max_examples=150, deadline=None)
@given(weighted_instances())
def test_dp_matches_brute_force(instance):
    p, d, w = instance
    order, value = solve_smtt_dp(p, d, w)
    assert sorted(order) == list(range(len(p)))
    assert weighted_tardiness(order, p, d, w) == value
    assert value == brute_force(p, d, w)


def test_dp_defaults_to_unit_weights():
    p, d = [3, 1, 4, 1, 5], [2, 7, 1, 8, 2]
    assert solve_smtt_dp(p, d)[1] == brute_force(p, d, [1] * 5)


def test_dp_refuses_large_instances():
    n = MAX_DP_JOBS + 1
    with pytest.raises(ValueError, match="n <= 22"):
        solve_smtt_dp([1] * n, [1] * n)


def test_dp_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="length 3"):
        solve_smtt_dp([1, 2, 3], [1, 2])


def test_dp_matches_paper_n20_optima():
    path = DATA / "n20_uniform.jsonl"
    if not path.exists():
        pytest.skip("shared data not available")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for row in rows[::100]:  # one instance from every other class, 8 in all
        order, value = solve_smtt_dp(row["p"], row["d"])
        assert value == row["reference_total_tardiness"], row["name"]
        assert weighted_tardiness(order, row["p"], row["d"], [1] * 20) == value
