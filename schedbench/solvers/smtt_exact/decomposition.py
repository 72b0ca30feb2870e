"""Lawler's decomposition on the longest job, with position elimination.

Lawler (1977): with jobs in EDD order and ``k`` a longest job, some optimal order puts before
``k`` exactly the jobs due no later than ``d'_k = max(d_k, C'_k)`` (``C'_k`` the latest
completion of ``k`` over optimal orders) and all others after it. A split ``s`` (the last EDD
position placed before ``k``, ``s >= pos(k)``) therefore yields two independent subproblems on
contiguous EDD ranges, and ``k`` completes at ``C_k(s) = t + p(jobs[:s+1])``.

- Potts & Van Wassenhove: as ``C_k(s) <= d'_k``, the job after the split must be due after
  ``max(d_k, C_k(s))``; otherwise drop ``s`` (this also keeps ties in ``d`` together).
- Chang et al. / Szwarc: if the last job before ``k`` is due after ``max(d_k, C_k(s))`` it can
  move right behind ``k`` and stay on time, so split ``s - 1`` is at least as good; that split
  then passes the first test, so dropping ``s`` is safe.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from itertools import accumulate
from operator import sub

from .rules import Rules


def lawler_splits(
    jobs: tuple[int, ...], t: int, k_pos: int, p: list[int], d: list[int], rules: Rules
) -> list[tuple[int, int]]:
    """Candidate splits ``(s, C_k)``: jobs ``jobs[:s+1]`` except ``k`` precede ``k``, the rest follow."""
    k = jobs[k_pos]
    d_k = d[k]
    m = len(jobs)
    c = t
    for i in range(k_pos + 1):
        c += p[jobs[i]]
    splits: list[tuple[int, int]] = []
    for s in range(k_pos, m):
        if s > k_pos:
            c += p[jobs[s]]
        due_limit = d_k if d_k > c else c
        if rules.pvw_elimination and s + 1 < m and d[jobs[s + 1]] <= due_limit:
            continue
        if rules.chang_elimination and s > k_pos and d[jobs[s]] > due_limit:
            continue
        splits.append((s, c))
    return splits


def edd_slacks(jobs: tuple[int, ...], p: list[int], d: list[int]) -> list[int]:
    """``d_q - P_q`` per EDD position ``q`` of the set, ``P_q`` the time of the jobs before it."""
    return list(map(sub, map(d.__getitem__, jobs), accumulate(map(p.__getitem__, jobs), initial=0)))


def peel_threshold(jobs: tuple[int, ...], by_lpt: tuple[int, ...], dues, slacks) -> float:
    """The least start from which ``peel_forced_lasts`` puts the longest job of the set last."""
    k_pos = bisect_left(jobs, by_lpt[-1])
    lo = bisect_right(dues, dues[k_pos])
    return max(slacks[lo:]) if lo < len(slacks) else -math.inf


def peel_forced_lasts(
    jobs: tuple[int, ...],
    t: int,
    by_lpt: tuple[int, ...],
    p: list[int],
    d: list[int],
    rules: Rules,
    dues=None,
    slacks=None,
) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """Put a longest job last while its only Lawler split is the last position, and repeat.

    ``by_lpt`` lists ``jobs`` from shortest to longest (the order the split search takes the
    longest job from). Returns ``(inner, lasts, fixed_cost)``: the order is
    ``solve(inner, t) + lasts``. The splits are those of ``lawler_splits``, so this only skips the
    chain of one-split subproblems the search would otherwise visit one by one.

    With both elimination rules on, split ``s`` survives iff ``d[s] <= L_s < d[s+1]`` (see
    ``SplitTable``) and ``L_s`` grows with ``s``; so if split ``k_pos`` fails the right test,
    every later one passes the left test, and only the last split is left iff every job after
    ``k`` in EDD order is due no later than ``max(d_k, t + P_q)`` (``P_q`` the time of the jobs
    before it): its EDD slack ``d_q - P_q`` is at most ``t`` unless ``d_q = d_k``.
    """
    if not (rules.pvw_elimination and rules.chang_elimination):
        return peel_by_scan(jobs, t, by_lpt, p, d, rules)
    lasts: list[int] = []
    cost = 0
    end = t + sum(map(p.__getitem__, jobs))
    longest = len(by_lpt) - 1
    stuck = False
    while not stuck and len(jobs) > 1:
        if dues is None or slacks is None:
            dues = list(map(d.__getitem__, jobs))
            slacks = edd_slacks(jobs, p, d)
        # EDD positions of the jobs peeled in this round (their slacks are skipped, not updated)
        # and, per position, the total size of the peeled jobs up to it, which later slacks gain
        removed: list[int] = []
        shifts: list[int] = []
        while len(removed) < _REBUILD and len(jobs) - len(removed) > 1:
            k = by_lpt[longest]
            k_pos = bisect_left(jobs, k)
            d_k = dues[k_pos]
            lo = bisect_right(dues, d_k)
            i = bisect_left(removed, lo)
            shift = shifts[i - 1] if i else 0
            for hi in removed[i:]:
                if lo < hi and max(slacks[lo:hi]) + shift > t:
                    stuck = True
                    break
                shift += p[jobs[hi]]
                lo = hi + 1
            if stuck or (lo < len(slacks) and max(slacks[lo:]) + shift > t):
                stuck = True
                break
            if end > d_k:
                cost += end - d_k
            size = p[k]
            end -= size
            lasts.append(k)
            i = bisect_left(removed, k_pos)
            removed.insert(i, k_pos)
            shifts.insert(i, shifts[i - 1] if i else 0)
            for j in range(i, len(shifts)):
                shifts[j] += size
            longest -= 1
        if removed:
            gone = set(lasts)
            jobs = tuple([j for j in jobs if j not in gone])
        dues = slacks = None
    lasts.reverse()
    return jobs, tuple(lasts), cost


_REBUILD = 24


def peel_by_scan(
    jobs: tuple[int, ...], t: int, by_lpt: tuple[int, ...], p: list[int], d: list[int], rules: Rules
) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """``peel_forced_lasts`` for any rules, from ``lawler_splits`` itself (for tests)."""
    order = list(jobs)
    total = sum(p[j] for j in order)
    lasts: list[int] = []
    cost = 0
    for k in reversed(by_lpt):
        if len(order) < 2:
            break
        k_pos = order.index(k)
        if [s for s, _ in lawler_splits(tuple(order), t, k_pos, p, d, rules)] != [len(order) - 1]:
            break
        cost += max(0, t + total - d[k])
        total -= p[k]
        lasts.append(k)
        del order[k_pos]
    lasts.reverse()
    return tuple(order), tuple(lasts), cost


class SplitTable:
    """Start-independent data for the Lawler splits of one job set, so a start costs O(log m).

    With both elimination rules on, split ``s`` survives exactly when, for ``L_s = max(d_k, C_k(s))``,
    ``d[s] <= L_s < d[s+1]`` (the left test is waived for ``s = k_pos``, the right one for the last
    position). While ``C_k(s) <= d_k`` that picks the one position ``s1`` whose due date is the last
    ``<= d_k``; afterwards ``L_s = t + P[s+1]`` and the test reads ``g_s <= t < h_s`` with
    ``g_s = d[s] - P[s+1]`` and ``h_s = d[s+1] - P[s+1]``. Intervals are sorted by ``h``; the ones
    containing ``t`` have ``t < h <= t + width`` (``width`` the longest interval), a short window.
    """

    __slots__ = ("k_pos", "k", "prefix", "dues", "s1", "ends", "starts", "positions", "width", "children")

    def __init__(self, jobs: tuple[int, ...], k_pos: int, p: list[int], d: list[int]) -> None:
        self.k_pos = k_pos
        self.k = jobs[k_pos]
        prefix = [0]
        for j in jobs:
            prefix.append(prefix[-1] + p[j])
        self.prefix = prefix
        dues = [d[j] for j in jobs]
        self.dues = dues
        self.s1 = bisect_right(dues, d[self.k]) - 1
        intervals = sorted(
            (dues[s + 1] - prefix[s + 1], dues[s] - prefix[s + 1], s)
            for s in range(k_pos + 1, len(jobs) - 1)
            if dues[s + 1] > dues[s]
        )
        self.ends = [h for h, _, _ in intervals]
        self.starts = [g for _, g, _ in intervals]
        self.positions = [s for _, _, s in intervals]
        self.width = max((h - g for h, g, _ in intervals), default=0)
        #: split position -> (left profile, right profile), filled by the search
        self.children: dict = {}

    def splits(self, t: int) -> list[tuple[int, int]]:
        """The same list as ``lawler_splits`` with both elimination rules on."""
        prefix, dues, k_pos = self.prefix, self.dues, self.k_pos
        d_k = dues[k_pos]
        last = len(dues) - 1
        kept = []
        c = t + prefix[self.s1 + 1]
        if c <= d_k:
            kept.append(self.s1)
        c = t + prefix[k_pos + 1]
        if c > d_k and (k_pos == last or dues[k_pos + 1] > c):
            kept.append(k_pos)
        ends, starts, positions = self.ends, self.starts, self.positions
        stop = t + self.width
        limit = d_k - t
        i = bisect_right(ends, t)
        while i < len(ends) and ends[i] <= stop:
            s = positions[i]
            if starts[i] <= t and prefix[s + 1] > limit:
                kept.append(s)
            i += 1
        if last > k_pos:
            c = t + prefix[last + 1]
            if c > d_k and dues[last] <= c:
                kept.append(last)
        kept.sort()
        return [(s, t + prefix[s + 1]) for s in kept]
