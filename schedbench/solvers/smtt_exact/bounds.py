"""Lower bounds on the total tardiness of a subproblem, precomputed once per job set.

A job set is met at many start times, so everything that does not depend on the start is
computed once (``SetProfile``) and each start time then costs a binary search.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right
from itertools import accumulate
from operator import sub


class SetProfile:
    """Start-independent facts about one job set (a tuple of EDD indices).

    Sorted pairing bound: the ``i``-th smallest completion of any order is at least the ``i``-th
    SPT completion ``t + P_i``, and for the convex ``max(0, C - d)`` pairing sorted completions
    with sorted due dates is cheapest. With slacks ``e_i = d_(i) - P_i`` the bound at start ``t``
    is ``sum(max(0, t - e_i))``.
    """

    __slots__ = (
        "jobs",
        "ident",
        "total",
        "slacks",
        "slack_prefix",
        "tardy_thresholds",
        "threshold_prefix",
        "dues",
        "due_prefix",
        "edd_lateness",
        "by_spt",
        "by_lpt",
        "known_starts",
        "known_values",
        "known_bases",
        "split_table",
        "end_thresholds",
        "peel_chain",
    )

    def __init__(
        self,
        jobs: tuple[int, ...],
        p: list[int],
        d: list[int],
        rank: list[int] | None = None,
        ident: int = 0,
        by_spt: tuple[int, ...] | None = None,
    ) -> None:
        self.jobs = jobs
        self.ident = ident
        #: starts at which this set was solved or bounded, sorted, with the value found there
        self.known_starts: list[int] = []
        self.known_values: list[int] = []
        #: per known start ``t0``, the constant of the bound it gives at later starts (see below)
        self.known_bases: list[int] = []
        #: Lawler split data (``decomposition.SplitTable``), built when the set is first split
        self.split_table = None
        #: ``dominance.end_thresholds`` of the set, computed when first needed
        self.end_thresholds = None
        #: ``decomposition.PeelChain`` of the set, built when first needed
        self.peel_chain = None
        #: the jobs from shortest to longest by ``rank`` (ties broken by EDD position); in EDD
        #: order ``(p, d, j)`` and ``(p, j)`` sort alike, so this is also the LPT order reversed
        if by_spt is None:
            by_spt = tuple(sorted(jobs, key=rank.__getitem__)) if rank else ()
        self.by_spt = self.by_lpt = by_spt
        p_of, d_of = p.__getitem__, d.__getitem__
        dues = list(map(d_of, jobs))
        sizes = list(map(p_of, by_spt)) if by_spt else sorted(map(p_of, jobs))
        spt_completion = list(accumulate(sizes))
        self.total = spt_completion[-1] if spt_completion else 0
        slacks = sorted(map(sub, dues, spt_completion))
        thresholds = sorted(map(sub, dues, map(p_of, jobs)))
        #: EDD is on time from start ``t`` iff ``t + edd_lateness <= 0``
        self.edd_lateness = max(map(sub, accumulate(map(p_of, jobs)), dues), default=0)
        # tens of thousands of sets are kept: packed int64 arrays take a fifth of the memory of lists
        self.slacks = packed(slacks)
        self.slack_prefix = packed([0, *accumulate(slacks)])
        self.tardy_thresholds = packed(thresholds)
        self.threshold_prefix = packed([0, *accumulate(thresholds)])
        self.dues = packed(dues)
        self.due_prefix = packed([0, *accumulate(dues)])

    def pairing_bound(self, t: int) -> int:
        """Sorted pairing lower bound when the set starts at ``t``."""
        k = bisect_left(self.slacks, t)
        return k * t - self.slack_prefix[k]

    def shifted_bound(self, t: int) -> int:
        """Lower bound from this set solved (or bounded) at the nearest other starts.

        Shifting an optimal order for start ``t`` back to ``t0 = t - delta`` lowers every completion
        by ``delta``. A job with ``e_j = d_j - p_j`` is late by at least ``t - e_j`` from start ``t``,
        so it loses ``min(delta, max(0, t - e_j))`` or more: ``delta`` if ``e_j <= t0``, ``t - e_j``
        if ``t0 < e_j < t``. Hence ``OPT(t) >= OPT(t0) + delta * #{e_j <= t0} + sum(t - e_j)`` over
        the middle jobs. From a later start ``t1 = t + delta``, each job's tardiness grows by at
        most ``min(delta, max(0, t1 + P - d_j))`` (``P`` the total processing time), so
        ``OPT(t) >= OPT(t1) - sum`` of that.
        """
        starts = self.known_starts
        i = bisect_right(starts, t)
        bound = 0
        if i > 0:
            late = bisect_left(self.tardy_thresholds, t)
            bound = self.known_bases[i - 1] + t * late - self.threshold_prefix[late]
        if i < len(starts):
            delta = starts[i] - t
            end = starts[i] + self.total
            dues = self.dues
            full = bisect_right(dues, end - delta)  # these jobs may lose ``delta`` each
            partial = bisect_left(dues, end)  # these up to ``end - d_j``
            growth = (
                full * delta + (partial - full) * end - (self.due_prefix[partial] - self.due_prefix[full])
            )
            later = self.known_values[i] - growth
            if later > bound:
                bound = later
        return bound

    def remember(self, t: int, value: int) -> None:
        """Record a lower bound (or the optimum) ``value`` of this set at start ``t``."""
        # the earlier-start bound below is ``base + t * i - threshold_prefix[i]``, ``i = #{e_j < t}``
        tardy = self.always_tardy(t)
        base = value - t * tardy + self.threshold_prefix[tardy]
        i = bisect_right(self.known_starts, t)
        if i > 0 and self.known_starts[i - 1] == t:
            if value > self.known_values[i - 1]:
                self.known_values[i - 1] = value
                self.known_bases[i - 1] = base
        else:
            self.known_starts.insert(i, t)
            self.known_values.insert(i, value)
            self.known_bases.insert(i, base)

    def always_tardy(self, t: int) -> int:
        """How many jobs are tardy in every position when the set starts at ``t``."""
        return bisect_right(self.tardy_thresholds, t)


def packed(values: list[int]) -> array | list[int]:
    """The values as an int64 array, or the list itself if one does not fit."""
    try:
        return array("q", values)
    except OverflowError:
        return values


def sorted_pairing_bound(jobs: tuple[int, ...], t: int, p: list[int], d: list[int]) -> int:
    """The sorted pairing bound of ``jobs`` (EDD order) from ``t``, without caching."""
    return SetProfile(jobs, p, d).pairing_bound(t)
