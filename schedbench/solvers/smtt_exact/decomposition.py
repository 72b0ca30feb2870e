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

When these rules leave only the last position, ``k`` simply goes last: ``PeelChain`` finds, once
per job set, the starts from which that happens for its longest jobs in turn.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from itertools import accumulate
from operator import sub

from .bounds import packed
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


def peel_forced_lasts(
    jobs: tuple[int, ...], t: int, by_lpt: tuple[int, ...], p: list[int], d: list[int], rules: Rules
) -> tuple[tuple[int, ...], tuple[int, ...], int]:
    """Put a longest job last while its only Lawler split is the last position, and repeat.

    ``by_lpt`` lists ``jobs`` from shortest to longest (the order the split search takes the
    longest job from). Returns ``(inner, lasts, fixed_cost)``: the order is
    ``solve(inner, t) + lasts``. The splits are those of ``lawler_splits``, so this only skips the
    chain of one-split subproblems the search would otherwise visit one by one.
    """
    if not (rules.pvw_elimination and rules.chang_elimination):
        return peel_by_scan(jobs, t, by_lpt, p, d, rules)
    chain = PeelChain(jobs, by_lpt, p, d)
    peeled = chain.count(t)
    return chain.inner(peeled), by_lpt[len(by_lpt) - peeled :], chain.cost(t, peeled)


class PeelChain:
    """Start-independent data of ``peel_forced_lasts`` for one set, worked out as far as asked.

    The longest jobs are peeled in turn, each from the set left by the previous ones. With both
    elimination rules on, split ``s`` survives iff ``d[s] <= L_s < d[s+1]`` (see ``SplitTable``)
    and ``L_s`` grows with ``s``; so if split ``k_pos`` fails the right test, every later one
    passes the left test, and only the last split is left iff every job after ``k`` in EDD order
    is due no later than ``max(d_k, t + P_q)`` (``P_q`` the time of the jobs before it): iff ``t``
    is at least the largest EDD slack ``d_q - P_q`` over those jobs with ``d_q > d_k``. That
    threshold does not depend on ``t``, so from start ``t`` the first ``count(t)`` jobs are peeled
    and the ``i``-th costs ``max(0, t - bases[i])``.
    """

    __slots__ = (
        "jobs",
        "by_lpt",
        "p",
        "part",
        "dues",
        "slacks",
        "removed",
        "shifts",
        "remaining",
        "limits",
        "bases",
        "base_sums",
        "base_tops",
        "inners",
    )

    def __init__(
        self, jobs: tuple[int, ...], by_lpt: tuple[int, ...], p: list[int], d: list[int], dues=None
    ) -> None:
        self.jobs = jobs
        self.by_lpt = by_lpt
        self.p = p
        #: the set the current round works on, its due dates and EDD slacks; the jobs peeled in
        #: the round keep their EDD position (``removed``, sorted) and are skipped, and
        #: ``shifts[i]`` (the size of ``removed[: i + 1]``) is what the slacks after them gain
        self.part = jobs
        self.dues = dues if dues is not None else list(map(d.__getitem__, jobs))
        self.slacks = packed(list(map(sub, self.dues, accumulate(map(p.__getitem__, jobs), initial=0))))
        self.removed: list[int] = []
        self.shifts: list[int] = []
        self.remaining = sum(map(p.__getitem__, jobs))
        #: running maximum of the peel thresholds, and each peel's ``d_k - (time left)``
        self.limits: list[float] = []
        self.bases: list[int] = []
        self.base_sums: list[int] = [0]
        self.base_tops: list[float] = [-math.inf]
        #: the search's profiles of the sets left after ``i`` peels
        self.inners: dict = {}

    def count(self, t: int) -> int:
        """How many jobs are peeled from start ``t``."""
        limits = self.limits
        while (not limits or limits[-1] <= t) and self._extend():
            pass
        return bisect_right(limits, t)

    def cost(self, t: int, peeled: int) -> int:
        """Tardiness of the first ``peeled`` peeled jobs from start ``t``."""
        if self.base_tops[peeled] < t:  # all of them are tardy
            return peeled * t - self.base_sums[peeled]
        return sum([t - base for base in self.bases[:peeled] if base < t])

    def inner(self, peeled: int) -> tuple[int, ...]:
        """The jobs left after ``peeled`` peels, in EDD order."""
        if not peeled:
            return self.jobs
        gone = set(self.by_lpt[len(self.by_lpt) - peeled :])
        return tuple([j for j in self.jobs if j not in gone])

    def _extend(self) -> bool:
        """Work out the threshold of the next peel; ``False`` once one job is left."""
        peeled = len(self.bases)
        if len(self.by_lpt) - peeled <= 1:
            return False
        if len(self.removed) >= _REBUILD:
            part = self.inner(peeled)
            self.part = part
            gone = set(self.removed)
            self.dues = [due for i, due in enumerate(self.dues) if i not in gone]
            self.slacks = packed(
                list(map(sub, self.dues, accumulate(map(self.p.__getitem__, part), initial=0)))
            )
            self.removed, self.shifts = [], []
        part, dues, slacks, removed, shifts, p = (
            self.part,
            self.dues,
            self.slacks,
            self.removed,
            self.shifts,
            self.p,
        )
        k = self.by_lpt[len(self.by_lpt) - 1 - peeled]
        k_pos = bisect_left(part, k)
        d_k = dues[k_pos]
        lo = bisect_right(dues, d_k)
        i = bisect_left(removed, lo)
        shift = shifts[i - 1] if i else 0
        top = self.limits[-1] if self.limits else -math.inf
        for hi in removed[i:]:
            if lo < hi:
                top = max(top, max(slacks[lo:hi]) + shift)
            shift += p[part[hi]]
            lo = hi + 1
        if lo < len(slacks):
            top = max(top, max(slacks[lo:]) + shift)
        self.limits.append(top)
        base = d_k - self.remaining
        self.bases.append(base)
        self.base_sums.append(self.base_sums[-1] + base)
        self.base_tops.append(max(self.base_tops[-1], base))
        size = p[k]
        self.remaining -= size
        i = bisect_left(removed, k_pos)
        removed.insert(i, k_pos)
        shifts.insert(i, shifts[i - 1] if i else 0)
        for j in range(i, len(shifts)):
            shifts[j] += size
        return True


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
