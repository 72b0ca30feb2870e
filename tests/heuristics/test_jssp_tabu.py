"""Tabu search for the job shop: schedules verify, never get worse, are reproducible, and reach known optima."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.instances import random_jssp_routes
from helpers.paths import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.datasets.importers import orlib_jssp
from schedbench.heuristics import run_heuristic
from schedbench.heuristics.jssp_rules import RULES
from schedbench.heuristics.jssp_sgs import giffler_thompson
from schedbench.heuristics.jssp_tabu import sequences_from_starts, tabu_search
from schedbench.problems import parse_instance, verify
from schedbench.problems.jssp import lower_bound, makespan, solution_from_starts

JSSP = DATA / "jssp"
needs_data = pytest.mark.skipif(not JSSP.is_dir(), reason="../shared/data is absent")


def start_schedule(inst):
    return giffler_thompson(inst, RULES["spt"][1], "active")


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 5), st.integers(0, 10_000), st.booleans())
def test_result_verifies_and_never_gets_worse(n, m, seed, zero):
    inst = random_jssp_routes(n, m, seed, zero)
    start = start_schedule(inst)
    result = tabu_search(inst, start, iterations=300, seed=seed)
    check = verify(inst, solution_from_starts(inst, result.starts))
    assert check.feasible, check.violations
    assert check.objective == result.makespan
    assert lower_bound(inst) <= result.makespan <= makespan(inst, start)


@settings(max_examples=15, deadline=None)
@given(st.integers(2, 6), st.integers(2, 5), st.integers(0, 10_000))
def test_same_seed_same_schedule(n, m, seed):
    inst = random_jssp_routes(n, m, seed)
    start = start_schedule(inst)
    first = tabu_search(inst, start, iterations=200, seed=seed)
    second = tabu_search(inst, start, iterations=200, seed=seed)
    assert np.array_equal(first.starts, second.starts)
    assert first.iterations == second.iterations


def test_machine_sequences_keep_start_order():
    inst = random_jssp_routes(5, 4, 3)
    start = start_schedule(inst)
    for seq in sequences_from_starts(inst, start):
        assert [int(start[o]) for o in seq] == sorted(int(start[o]) for o in seq)


def test_stops_at_the_lower_bound():
    # one machine: every order is optimal, so the search proves it at once and does no iteration
    inst = random_jssp_routes(5, 1, 7)
    result = tabu_search(inst, start_schedule(inst), iterations=1000)
    assert result.makespan == lower_bound(inst)
    assert result.iterations == 0


def test_needs_a_budget():
    inst = random_jssp_routes(3, 3, 1)
    with pytest.raises(ValueError, match="budget"):
        tabu_search(inst, start_schedule(inst))
    assert tabu_search(inst, start_schedule(inst), time_limit=0.05).makespan >= lower_bound(inst)


@needs_data
def test_rule_reaches_ft06_optimum_and_improves_ft10():
    ft06 = parse_instance(orlib_jssp.read(JSSP / "ft06.txt").instances[0])
    assert verify(ft06, run_heuristic(ft06, "tabu-n5")).objective == 55
    ft10 = parse_instance(orlib_jssp.read(JSSP / "ft10.txt").instances[0])
    start = makespan(ft10, giffler_thompson(ft10, RULES["mwkr"][1], "active"))
    check = verify(ft10, run_heuristic(ft10, "tabu-n5"))
    assert check.feasible
    assert 930 <= check.objective < start
