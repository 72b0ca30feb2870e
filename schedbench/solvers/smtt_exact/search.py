"""Memoised decomposition search with bounds, for subproblems (EDD job tuple, start time).

``cost(jobs, t, limit)`` returns the exact optimum when it is below ``limit``; otherwise it
returns a lower bound that is at least ``limit`` (a "fail high", as in alpha-beta search). The
memo keeps either kind of answer, in the spirit of Branch & Memorize: an exact value is reused
as is, a lower bound is reused whenever it already reaches the new limit. Job sets are interned
as ``SetProfile`` objects so that each tuple is hashed once and the memo keys are small.
"""

from __future__ import annotations

import time
from bisect import bisect_left

from .bounds import SetProfile
from .decomposition import PeelChain, SplitTable, lawler_splits, peel_forced_lasts
from .dominance import closed_form, end_thresholds, reduce_ends
from .rules import Rules

INFINITY = 1 << 62
#: memo keys are ``start * KEY_STRIDE + set id`` (an int hashes faster and is smaller than a pair)
KEY_STRIDE = 1 << 32


class SearchTimeout(Exception):
    """Raised inside the search when the deadline passes.

    ``lower_bound`` bounds the optimum of the subproblem the frame that sees the exception was
    solving: each frame on the way up turns its child's bound into its own, so the root gets the
    least bound over every split it had not yet refuted.
    """

    lower_bound: int = 0


class DecompositionSearch:
    """Solves subproblems and remembers each one's value and how it was split.

    A memo entry, keyed by ``start * KEY_STRIDE + set id``, is either a lower bound (a plain int,
    the most common kind, kept small) or an exact answer ``(value, plan)`` with plan one of
    ``("seq", order)``, ``("wrap", firsts, inner, inner_start, lasts)`` or ``("split", k_pos, s, c_k)``;
    ``order`` rebuilds the sequence from these plans.
    """

    CHECK_EVERY = 1024
    #: a fail-high node asked again with a higher limit is searched with the limit raised by this
    #: share of the gap to its stored bound: a little more work now, fewer re-searches later
    INFLATE = 0.2

    def __init__(self, p: list[int], d: list[int], rules: Rules, deadline: float) -> None:
        self.p = p
        self.d = d
        self.rules = rules
        self.deadline = deadline
        n = len(p)
        # jobs are in EDD order, so (p, d, j) and (p, j) rank alike: one order serves SPT and LPT
        self.rank = _ranks(sorted(range(n), key=lambda j: (p[j], d[j], j)))
        self.memo: dict[int, int | tuple[int, tuple]] = {}
        self.fast_splits = rules.pvw_elimination and rules.chang_elimination
        self.use_memo = rules.memo
        self.use_shift = rules.shift_bound
        #: how many splits are under way; the first split reached with none is the root split
        self.split_depth = 0
        #: end reductions met on the way from the root to the root split: (firsts, lasts, fixed)
        self.root_wraps: list[tuple[tuple[int, ...], tuple[int, ...], int]] = []
        #: best complete answer the root split found: (value, jobs, start, plan)
        self.root_best: tuple[int, tuple[int, ...], int, tuple] | None = None
        self.profiles: dict[tuple[int, ...], SetProfile] = {}
        self.nodes = 0
        self.memo_hits = 0
        self.splits_tried = 0
        self.splits_pruned = 0
        self.shift_prunes = 0

    def profile(self, jobs: tuple[int, ...], by_spt: tuple[int, ...] | None = None) -> SetProfile:
        """The interned profile (start-independent data) of a job set.

        ``by_spt`` may pass the set's jobs already in SPT order (filtered from a superset's).
        """
        info = self.profiles.get(jobs)
        if info is None:
            info = SetProfile(jobs, self.p, self.d, self.rank, len(self.profiles), by_spt)
            self.profiles[jobs] = info
        return info

    def cost(self, info: SetProfile, t: int, limit: int = INFINITY, bounded: bool = False) -> int:
        """Optimum of the set from ``t`` if below ``limit``, else a lower bound ``>= limit``.

        ``bounded``: the caller already found the shift bound below ``limit`` (skip that check).
        """
        key = t * KEY_STRIDE + info.ident
        hit = self.memo.get(key)
        if hit is not None and self.use_memo:
            if hit.__class__ is not int:
                self.memo_hits += 1
                return hit[0]
            if hit >= limit:
                self.memo_hits += 1
                return hit
        if self.use_shift and not bounded:
            bound = info.shifted_bound(t) if info.known_starts else 0
            if bound >= limit:
                self.shift_prunes += 1
                return bound
        self.nodes += 1
        if self.nodes % self.CHECK_EVERY == 0 and time.perf_counter() > self.deadline:
            timeout = SearchTimeout()
            known = 0 if hit is None else hit if hit.__class__ is int else hit[0]
            timeout.lower_bound = max(info.pairing_bound(t), info.shifted_bound(t), known)
            raise timeout
        if hit.__class__ is int and self.use_memo and limit < INFINITY:
            limit += int((limit - hit) * self.INFLATE)
        value, plan = self._solve(info, t, limit)
        if hit is None or hit.__class__ is int:
            self.memo[key] = (value, plan) if value < limit or plan[:1] == ("seq",) else value
            if self.use_shift:
                info.remember(t, value)
        return value

    def _solve(self, info: SetProfile, t: int, limit: int) -> tuple[int, tuple]:
        p, d, rules = self.p, self.d, self.rules
        jobs = info.jobs
        if len(jobs) <= 1:
            return (max(0, t + p[jobs[0]] - d[jobs[0]]) if jobs else 0), ("seq", jobs)
        if rules.trivial_cases and (t + info.edd_lateness <= 0 or t >= info.tardy_thresholds[-1]):
            solved = closed_form(jobs, t, info, p, d)
            if solved is not None:
                return solved[0], ("seq", solved[1])
        if rules.emmons_first or rules.emmons_last:
            thresholds = info.end_thresholds
            if thresholds is None:
                thresholds = info.end_thresholds = end_thresholds(info, p, d)
            first_from, last_until, longest_from = thresholds
            if (rules.emmons_first and t >= first_from) or (
                rules.emmons_last and (t <= last_until or t >= longest_from)
            ):
                firsts, inner, lasts, start, fixed = reduce_ends(jobs, t, info, p, d, rules)
                if len(inner) < len(jobs):
                    return self._wrap(info, limit, firsts, inner, start, lasts, fixed)
        if rules.lawler_last:
            if not self.fast_splits:
                inner, lasts, fixed = peel_forced_lasts(jobs, t, info.by_lpt, p, d, rules)
                if lasts:
                    return self._wrap(info, limit, (), inner, t, lasts, fixed)
            else:
                chain = info.peel_chain
                if chain is None:
                    chain = info.peel_chain = PeelChain(jobs, info.by_lpt, p, d, info.dues)
                peeled = 0 if chain.limits and chain.limits[0] > t else chain.count(t)
                if peeled:
                    inner_info = chain.inners.get(peeled)
                    if inner_info is None:
                        inner = chain.inner(peeled)
                        inner_info = self.profiles.get(inner)
                        if inner_info is None:
                            inner_info = self.profile(inner, info.by_spt[: len(jobs) - peeled])
                        chain.inners[peeled] = inner_info
                    lasts = info.by_lpt[len(jobs) - peeled :]
                    return self._wrap(
                        info, limit, (), inner_info.jobs, t, lasts, chain.cost(t, peeled), inner_info
                    )
        return self._split(info, t, limit)

    def _wrap(
        self,
        info: SetProfile,
        limit: int,
        firsts: tuple[int, ...],
        inner: tuple[int, ...],
        start: int,
        lasts: tuple[int, ...],
        fixed: int,
        inner_info: SetProfile | None = None,
    ) -> tuple[int, tuple]:
        """Solve ``inner`` (profile ``inner_info`` if known) from ``start`` between jobs fixed at
        both ends that cost ``fixed``."""
        if inner_info is None:
            inner_info = self.profiles.get(inner)
        if inner_info is None:
            fixed_jobs = set(firsts) | set(lasts)
            inner_spt = tuple([j for j in info.by_spt if j not in fixed_jobs])
            inner_info = self.profile(inner, inner_spt)
        if self.split_depth == 0:
            self.root_wraps.append((firsts, lasts, fixed))
        try:
            value = fixed + self.cost(inner_info, start, limit - fixed)
        except SearchTimeout as timeout:
            timeout.lower_bound += fixed
            raise
        return value, ("wrap", firsts, inner, start, lasts)

    def _split(self, info: SetProfile, t: int, limit: int) -> tuple[int, tuple]:
        p, d = self.p, self.d
        use_bound = self.rules.lower_bound
        shift = self.rules.shift_bound
        jobs = info.jobs
        table = info.split_table
        if table is None:
            table = info.split_table = SplitTable(jobs, jobs.index(info.by_lpt[-1]), p, d)
        k_pos = table.k_pos
        d_k = d[table.k]
        children = table.children
        if self.fast_splits:
            splits = table.splits(t)
        else:
            splits = lawler_splits(jobs, t, k_pos, p, d, self.rules)
        candidates = []
        for s, c_k in splits:
            pair = children.get(s)
            if pair is None:
                pair = children[s] = self._children(info, k_pos, s)
            left, right = pair
            tardy_k = c_k - d_k if c_k > d_k else 0
            left_bound = right_bound = 0
            if use_bound:  # the sorted pairing bounds, inlined (``SetProfile.pairing_bound``)
                i = bisect_left(left.slacks, t)
                left_bound = i * t - left.slack_prefix[i]
                i = bisect_left(right.slacks, c_k)
                right_bound = i * c_k - right.slack_prefix[i]
            if shift:
                if left.known_starts:
                    bound = left.shifted_bound(t)
                    if bound > left_bound:
                        left_bound = bound
                if right.known_starts:
                    bound = right.shifted_bound(c_k)
                    if bound > right_bound:
                        right_bound = bound
            candidates.append((left_bound + tardy_k + right_bound, s, c_k, tardy_k, right_bound, left, right))
        if len(candidates) > 1:
            candidates.sort(key=_first)
        root = self.split_depth == 0
        self.split_depth += 1
        try:
            return self._try_splits(info, t, limit, candidates, k_pos, root)
        finally:
            self.split_depth -= 1

    def _try_splits(
        self, info: SetProfile, t: int, limit: int, candidates: list, k_pos: int, root: bool
    ) -> tuple[int, tuple]:
        """Evaluate the candidate splits in order of their bounds, as a fail-high search."""
        shift = self.use_shift
        trivial = self.rules.trivial_cases
        best = limit
        best_plan: tuple = ()
        failed_bound = INFINITY
        # left(s) grows with s at the same start, and adding jobs never lowers the optimum
        left_values: list[tuple[int, int]] = []
        bound = partial = tardy_k = right_bound = position = 0
        in_right = False
        try:
            for position in range(len(candidates)):
                bound, s, c_k, tardy_k, right_bound, left, right = candidates[position]
                in_right = False
                self.splits_tried += 1
                if shift:
                    for s0, v0 in left_values:
                        if s0 < s and v0 + tardy_k + right_bound > bound:
                            bound = v0 + tardy_k + right_bound
                if bound >= best:
                    self.splits_pruned += 1
                    if bound < failed_bound:
                        failed_bound = bound
                    continue
                if not left.jobs or (trivial and t + left.edd_lateness <= 0):  # no call, no memo entry
                    left_value = 0
                else:
                    left_value = self.cost(left, t, best - tardy_k - right_bound, True)
                left_values.append((s, left_value))
                partial = left_value + tardy_k
                if partial + right_bound >= best:
                    self.splits_pruned += 1
                    if partial + right_bound < failed_bound:
                        failed_bound = partial + right_bound
                    continue
                bound = partial + right_bound
                in_right = True
                total = partial + self.cost(right, c_k, best - partial) if right.jobs else partial
                if total < best:
                    best, best_plan = total, ("split", k_pos, s, c_k)
                    if root:
                        self.root_best = (total, info.jobs, t, best_plan)
                elif total < failed_bound:
                    failed_bound = total
        except SearchTimeout as timeout:
            # the node's bound: the least over the split being solved (with its part's bound as far
            # as it got), the later ones (sorted by bound), the refuted ones and a solution found
            child = timeout.lower_bound
            current = max(bound, partial + child if in_right else child + tardy_k + right_bound)
            if position + 1 < len(candidates):
                current = min(current, candidates[position + 1][0])
            timeout.lower_bound = min(best if best < limit else INFINITY, failed_bound, current)
            raise
        if best < limit:
            return best, best_plan
        return max(failed_bound, limit), ()

    def _children(self, info: SetProfile, k_pos: int, s: int) -> tuple[SetProfile, SetProfile]:
        """Profiles of the left part (``jobs[:s+1]`` without ``k``) and the right part of split ``s``."""
        jobs = info.jobs
        k, cut = jobs[k_pos], jobs[s]
        left_jobs = jobs[:k_pos] + jobs[k_pos + 1 : s + 1]
        left = self.profiles.get(left_jobs)
        if left is None:
            left = self.profile(left_jobs, tuple([j for j in info.by_spt if j <= cut and j != k]))
        right = self.profiles.get(jobs[s + 1 :])
        if right is None:
            right = self.profile(jobs[s + 1 :], tuple([j for j in info.by_spt if j > cut]))
        return left, right

    def greedy_order(self, jobs: tuple[int, ...], t: int, use_bounds: bool = True) -> list[int]:
        """A good (not proven) sequence: decompose like the search, taking the best-bounded split.

        Subproblems the search already solved exactly are taken from the memo, so the longer the
        search has run, the better this gets; with an empty memo it is a decomposition heuristic.
        ``use_bounds``: also rank splits by the memo's lower bounds (not only its exact values).
        """
        p, d = self.p, self.d
        info = self.profile(jobs)
        if len(jobs) <= 1:
            return list(jobs)
        hit = self.memo.get(t * KEY_STRIDE + info.ident)
        if hit is not None and hit.__class__ is not int:
            return self.order(jobs, t)
        solved = closed_form(jobs, t, info, p, d)
        if solved is not None:
            return list(solved[1])
        firsts, inner, lasts, start, _ = reduce_ends(jobs, t, info, p, d, Rules())
        if len(inner) < len(jobs):
            return [*firsts, *self.greedy_order(inner, start, use_bounds), *lasts]
        table = info.split_table
        if table is None:
            table = info.split_table = SplitTable(jobs, jobs.index(info.by_lpt[-1]), p, d)
        k_pos, d_k = table.k_pos, d[table.k]
        best = None
        for s, c_k in table.splits(t):
            pair = table.children.get(s)
            if pair is None:
                pair = table.children[s] = self._children(info, k_pos, s)
            left, right = pair
            estimate = max(0, c_k - d_k)
            for part, start in ((left, t), (right, c_k)):
                known = self.memo.get(start * KEY_STRIDE + part.ident)
                if known is None or (known.__class__ is int and not use_bounds):
                    estimate += part.pairing_bound(start)
                else:
                    estimate += known if known.__class__ is int else known[0]
            if best is None or estimate < best[0]:
                best = (estimate, s, c_k, left, right)
        _, s, c_k, left, right = best
        return [
            *self.greedy_order(left.jobs, t, use_bounds),
            table.k,
            *self.greedy_order(right.jobs, c_k, use_bounds),
        ]

    def order(self, jobs: tuple[int, ...], t: int, plan: tuple | None = None) -> list[int]:
        """The optimal sequence of a solved subproblem, rebuilt from the memo.

        ``plan`` may give the subproblem's own plan when it is not (yet) in the memo.
        """
        out: list[int] = []
        stack: list = [(jobs, t)]
        first_plan = plan
        while stack:
            item = stack.pop()
            if isinstance(item, int):
                out.append(item)
                continue
            sub, start = item
            if first_plan is not None:
                plan, first_plan = first_plan, None
            elif len(sub) > 1:
                info = self.profile(sub)
                entry = self.memo.get(start * KEY_STRIDE + info.ident)
                if entry is None:  # solved in place by the caller: EDD is on time
                    if start + info.edd_lateness > 0:  # pragma: no cover - internal check
                        raise AssertionError("a subproblem of the optimal order was never solved")
                    plan = ("seq", sub)
                else:
                    plan = entry[1]
            else:
                plan = ("seq", sub)
            if plan[0] == "seq":
                out.extend(plan[1])
            elif plan[0] == "wrap":
                _, firsts, inner, inner_start, lasts = plan
                stack.extend(reversed(lasts))
                stack.append((inner, inner_start))
                stack.extend(reversed(firsts))
            else:
                _, k_pos, s, c_k = plan
                stack.append((sub[s + 1 :], c_k))
                stack.append(sub[k_pos])
                stack.append((sub[:k_pos] + sub[k_pos + 1 : s + 1], start))
        return out


def _first(candidate: tuple) -> int:
    return candidate[0]


def _ranks(order: list[int]) -> list[int]:
    rank = [0] * len(order)
    for position, j in enumerate(order):
        rank[j] = position
    return rank
