"""Each decomposition and dominance rule, checked on its own against the subset DP."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.solvers.smtt_dp import solve_smtt_dp
from schedbench.solvers.smtt_exact import Rules, decomposition
from schedbench.solvers.smtt_exact.bounds import SetProfile
from schedbench.solvers.smtt_exact.decomposition import (
    PeelChain,
    SplitTable,
    lawler_splits,
    peel_by_scan,
    peel_forced_lasts,
)
from schedbench.solvers.smtt_exact.dominance import closed_form, end_thresholds, reduce_ends
from schedbench.solvers.smtt_exact.search import DecompositionSearch


@st.composite
def edd_instances(draw, max_n: int = 9):
    """An instance already in EDD order (ties by p), with a start time, as the search sees it."""
    n = draw(st.integers(2, max_n))
    p = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    d = draw(st.lists(st.integers(-5, sum(p) + 5), min_size=n, max_size=n))
    pairs = sorted(zip(d, p))
    t = draw(st.integers(0, 10))
    return [pi for _, pi in pairs], [di for di, _ in pairs], t


def optimum(jobs, t, p, d) -> int:
    """DP optimum of a subproblem that starts at ``t`` (due dates shifted by ``t``)."""
    if not jobs:
        return 0
    return solve_smtt_dp([p[j] for j in jobs], [d[j] - t for j in jobs])[1]


def profile(jobs, p, d) -> SetProfile:
    search = DecompositionSearch(p, d, Rules(), deadline=float("inf"))
    return search.profile(tuple(jobs))


@settings(max_examples=150, deadline=None)
@given(edd_instances())
def test_kept_lawler_splits_contain_an_optimum(instance):
    p, d, t = instance
    jobs = tuple(range(len(p)))
    info = profile(jobs, p, d)
    k = info.by_lpt[-1]
    k_pos = jobs.index(k)
    values = []
    for s, c_k in lawler_splits(jobs, t, k_pos, p, d, Rules()):
        left = jobs[:k_pos] + jobs[k_pos + 1 : s + 1]
        values.append(optimum(left, t, p, d) + max(0, c_k - d[k]) + optimum(jobs[s + 1 :], c_k, p, d))
    assert values and min(values) == optimum(jobs, t, p, d)


@settings(max_examples=150, deadline=None)
@given(edd_instances())
def test_end_reductions_keep_an_optimum(instance):
    p, d, t = instance
    jobs = tuple(range(len(p)))
    firsts, inner, lasts, start, fixed = reduce_ends(jobs, t, profile(jobs, p, d), p, d, Rules())
    assert sorted(firsts + inner + lasts) == list(jobs)
    assert start == t + sum(p[j] for j in firsts)
    assert fixed + optimum(inner, start, p, d) == optimum(jobs, t, p, d)


@settings(max_examples=150, deadline=None)
@given(edd_instances())
def test_closed_forms_are_optimal(instance):
    p, d, t = instance
    jobs = tuple(range(len(p)))
    solved = closed_form(jobs, t, profile(jobs, p, d), p, d)
    if solved is not None:
        value, order = solved
        assert sorted(order) == list(jobs)
        assert value == optimum(jobs, t, p, d)


@settings(max_examples=300, deadline=None)
@given(edd_instances(), st.integers(0, 40), st.integers(0, 40))
def test_bounds_never_exceed_the_optimum(instance, earlier, later):
    p, d, t = instance
    jobs = tuple(range(len(p)))
    info = profile(jobs, p, d)
    best = optimum(jobs, t, p, d)
    assert info.pairing_bound(t) <= best
    # a value recorded at another start yields a valid bound here
    for other in (max(0, t - earlier), t + later):
        info.remember(other, optimum(jobs, other, p, d))
    assert info.shifted_bound(t) <= best


@settings(max_examples=300, deadline=None)
@given(edd_instances(max_n=12), st.data())
def test_split_table_lists_the_same_splits_as_the_direct_scan(instance, data):
    p, d, _ = instance
    jobs = tuple(sorted(data.draw(st.sets(st.integers(0, len(p) - 1), min_size=1))))
    k_pos = jobs.index(max(jobs, key=lambda j: (p[j], j)))
    table = SplitTable(jobs, k_pos, p, d)
    for t in range(-3, sum(p) + 4):
        assert table.splits(t) == lawler_splits(jobs, t, k_pos, p, d, Rules())


@settings(max_examples=200, deadline=None)
@given(edd_instances())
def test_end_thresholds_tell_exactly_when_an_end_reduction_applies(instance):
    p, d, _ = instance
    jobs = tuple(range(len(p)))
    info = profile(jobs, p, d)
    first_from, last_until, longest_from = end_thresholds(info, p, d)
    for t in range(-3, sum(p) + 4):
        firsts, inner, lasts, _, _ = reduce_ends(jobs, t, info, p, d, Rules())
        assert (len(inner) < len(jobs)) == (t >= first_from or t <= last_until or t >= longest_from)
        only_first = reduce_ends(jobs, t, info, p, d, Rules().without("emmons_last"))
        assert (len(only_first[1]) < len(jobs)) == (t >= first_from)
        only_last = reduce_ends(jobs, t, info, p, d, Rules().without("emmons_first"))
        assert (len(only_last[1]) < len(jobs)) == (t <= last_until or t >= longest_from)


@settings(max_examples=300, deadline=None)
@given(edd_instances(max_n=10), st.data())
def test_peeling_forced_lasts_keeps_an_optimum_and_matches_the_split_scan(instance, data):
    p, d, t = instance
    jobs = tuple(sorted(data.draw(st.sets(st.integers(0, len(p) - 1), min_size=1))))
    info = profile(jobs, p, d)
    inner, lasts, fixed = peel_forced_lasts(jobs, t, info.by_lpt, p, d, Rules())
    assert sorted(inner + lasts) == list(jobs)
    assert fixed + optimum(inner, t, p, d) == optimum(jobs, t, p, d)
    assert (inner, lasts, fixed) == peel_by_scan(jobs, t, info.by_lpt, p, d, Rules())
    # one chain answers every start (asked in any order, with short or long rounds) like the scan
    saved = decomposition._REBUILD
    try:
        for rebuild, starts in ((saved, range(-3, sum(p) + 4)), (2, range(sum(p) + 3, -4, -1))):
            decomposition._REBUILD = rebuild
            chain = PeelChain(jobs, info.by_lpt, p, d)
            for start in starts:
                inner, lasts, fixed = peel_by_scan(jobs, start, info.by_lpt, p, d, Rules())
                peeled = chain.count(start)
                assert (chain.inner(peeled), info.by_lpt[len(jobs) - peeled :]) == (inner, lasts)
                assert chain.cost(start, peeled) == fixed
    finally:
        decomposition._REBUILD = saved
    for rule in ("pvw_elimination", "chang_elimination"):
        weaker = Rules().without(rule)
        inner, lasts, fixed = peel_forced_lasts(jobs, t, info.by_lpt, p, d, weaker)
        assert fixed + optimum(inner, t, p, d) == optimum(jobs, t, p, d)


def test_peeling_a_long_chain_crosses_rounds():
    """More jobs peeled than one round holds: every job is late in EDD from start 0."""
    n = 60
    p = list(range(1, n + 1))
    d = [0] * n
    jobs = tuple(range(n))
    info = profile(jobs, p, d)
    inner, lasts, fixed = peel_forced_lasts(jobs, 0, info.by_lpt, p, d, Rules())
    assert (inner, lasts, fixed) == peel_by_scan(jobs, 0, info.by_lpt, p, d, Rules())
    spt_cost = sum(sum(p[: j + 1]) for j in range(n))  # every job tardy: SPT is optimal
    assert len(inner) == 1 and fixed + p[inner[0]] == spt_cost
