"""SMTT rules: the EDDC/MDDC paper's golden example and tables, and verified outputs on random instances."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers.instances import GOLDEN_BEST, GOLDEN_D, GOLDEN_P, smtt_dict
from helpers.paths import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.heuristics import list_heuristics, run_heuristic
from schedbench.heuristics import smtt_rules as rules
from schedbench.problems import parse_instance, verify


def smtt(p, d, w=None, name="t"):
    return parse_instance(smtt_dict(p, d, w, name=name, meta={}))


def test_paper_golden_example_mddc_and_mdd(golden_smtt):
    inst = golden_smtt
    mddc = run_heuristic(inst, "mddc")
    assert mddc["sequence"] == GOLDEN_BEST == [f"J{i}" for i in [3, 5, 2, 0, 1, 4]]
    assert verify(inst, mddc).objective == 141
    mdd = run_heuristic(inst, "mdd")
    assert mdd["sequence"] == [f"J{i}" for i in [1, 0, 2, 3, 5, 4]]
    assert verify(inst, mdd).objective == 144


def test_golden_example_141_is_optimal_by_enumeration():
    from itertools import permutations

    p, d = np.array(GOLDEN_P), np.array(GOLDEN_D)
    best = min(int(np.maximum(np.cumsum(p[list(o)]) - d[list(o)], 0).sum()) for o in permutations(range(6)))
    assert best == 141


def eddc_literal(p, d):
    """The issue's EDDC text, run literally with the O(n^3) sums."""
    s = list(np.lexsort((d, p)))
    for i in range(1, len(s)):
        j = i
        while j > 0 and d[s[j]] < d[s[j - 1]]:
            if d[s[j - 1]] > p[s[:j]].sum():
                s[j], s[j - 1] = s[j - 1], s[j]
            j -= 1
    return s


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 20), st.integers(-5, 80)), min_size=1, max_size=14))
def test_eddc_running_sum_equals_literal_definition(jobs):
    p = np.array([j[0] for j in jobs])
    d = np.array([j[1] for j in jobs])
    assert list(rules.eddc_order(p, d)) == eddc_literal(p, d)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.integers(-10, 200), st.integers(1, 5)), min_size=1, max_size=12
    ),
    st.booleans(),
)
def test_every_rule_returns_a_verified_permutation(jobs, weighted):
    inst = smtt([j[0] for j in jobs], [j[1] for j in jobs], [j[2] for j in jobs] if weighted else None)
    for h in list_heuristics("smtt"):
        solution = run_heuristic(inst, h.name)
        check = verify(inst, solution)
        assert check.feasible, (h.name, check.violations)
        assert sorted(solution["sequence"]) == sorted(inst.job_names)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 15), st.integers(0, 60)), min_size=2, max_size=9))
def test_augmentation_never_hurts_the_partial_sequence(jobs):
    p = np.array([j[0] for j in jobs])
    d = np.array([j[1] for j in jobs])
    seq = list(rules.mdd_order(p, d))

    def tt(order):
        return int(np.maximum(np.cumsum(p[order]) - d[order], 0).sum())

    improved = rules.augment_step(seq, p, d)
    assert sorted(improved) == sorted(seq)
    assert tt(improved) <= tt(seq)
    # brute force over the same move set: the best single move-to-end
    moves = [seq[:i] + seq[i + 1 :] + [seq[i]] for i in range(len(seq) - 1)]
    assert tt(improved) == min([tt(seq)] + [tt(m) for m in moves])


@pytest.mark.skipif(not (DATA / "smtt-paper").is_dir(), reason="../shared/data absent")
@pytest.mark.parametrize(
    ("dataset", "expected"),
    [("n20_uniform", (1.86, 12.83, 1.70)), ("n100", (1.81, 28.12, 1.52))],
)
def test_paper_tables_mdd_eddc_mddc_exact(dataset, expected):
    gaps = {"mdd": [], "eddc": [], "mddc": []}
    for line in (DATA / "smtt-paper" / f"{dataset}.jsonl").read_text().splitlines():
        row = json.loads(line)
        ref = row["reference_total_tardiness"]
        if ref <= 0:
            continue
        p, d = np.array(row["p"]), np.array(row["d"])
        for name, fn in (("mdd", rules.mdd_order), ("eddc", rules.eddc_order), ("mddc", rules.mddc_order)):
            order = fn(p, d)
            h = int(np.maximum(np.cumsum(p[order]) - d[order], 0).sum())
            gaps[name].append(100 * (h - ref) / ref)
    got = tuple(round(float(np.mean(gaps[k])), 2) for k in ("mdd", "eddc", "mddc"))
    assert got == expected
