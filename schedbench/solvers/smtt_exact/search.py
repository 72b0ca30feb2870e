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
from .decomposition import SplitTable, lawler_splits
from .dominance import closed_form, end_thresholds, reduce_ends
from .rules import Rules

INFINITY = 1 << 62
#: memo keys are ``start * KEY_STRIDE + set id`` (an int hashes faster and is smaller than a pair)
KEY_STRIDE = 1 << 32


class SearchTimeout(Exception):
    """Raised inside the search when the deadline passes."""


class DecompositionSearch:
    """Solves subproblems and remembers each one's value and how it was split.

    A memo entry, keyed by ``start * KEY_STRIDE + set id``, is ``(value, exact, plan)``; for exact entries
    plan is one of ``("seq", order)``, ``("wrap", firsts, inner, inner_start, lasts)`` or
    ``("split", k_pos, s, c_k)``, and ``order`` rebuilds the sequence from these plans.
    """

    CHECK_EVERY = 1024

    def __init__(self, p: list[int], d: list[int], rules: Rules, deadline: float) -> None:
        self.p = p
        self.d = d
        self.rules = rules
        self.deadline = deadline
        n = len(p)
        # jobs are in EDD order, so (p, d, j) and (p, j) rank alike: one order serves SPT and LPT
        self.rank = _ranks(sorted(range(n), key=lambda j: (p[j], d[j], j)))
        self.memo: dict[int, tuple[int, bool, tuple]] = {}
        self.fast_splits = rules.pvw_elimination and rules.chang_elimination
        self.use_memo = rules.memo
        self.use_shift = rules.shift_bound
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

    def cost(self, info: SetProfile, t: int, limit: int = INFINITY) -> int:
        """Optimum of the set from ``t`` if below ``limit``, else a lower bound ``>= limit``."""
        key = t * KEY_STRIDE + info.ident
        hit = self.memo.get(key)
        if hit is not None and self.use_memo and (hit[1] or hit[0] >= limit):
            self.memo_hits += 1
            return hit[0]
        if self.use_shift:
            bound = info.shifted_bound(t) if info.known_starts else 0
            if bound >= limit:
                self.shift_prunes += 1
                return bound
        self.nodes += 1
        if self.nodes % self.CHECK_EVERY == 0 and time.perf_counter() > self.deadline:
            raise SearchTimeout
        value, plan = self._solve(info, t, limit)
        exact = value < limit or plan[:1] == ("seq",)
        if hit is None or not hit[1]:
            self.memo[key] = (value, exact, plan)
            if self.use_shift:
                info.remember(t, value)
        return value

    def _solve(self, info: SetProfile, t: int, limit: int) -> tuple[int, tuple]:
        p, d, rules = self.p, self.d, self.rules
        jobs = info.jobs
        if len(jobs) <= 1:
            return (max(0, t + p[jobs[0]] - d[jobs[0]]) if jobs else 0), ("seq", jobs)
        if rules.trivial_cases:
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
                    inner_info = self.profiles.get(inner)
                    if inner_info is None:
                        fixed_jobs = set(firsts) | set(lasts)
                        inner_spt = tuple([j for j in info.by_spt if j not in fixed_jobs])
                        inner_info = self.profile(inner, inner_spt)
                    value = fixed + self.cost(inner_info, start, limit - fixed)
                    return value, ("wrap", firsts, inner, start, lasts)
        return self._split(info, t, limit)

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
                    left_bound = max(left_bound, left.shifted_bound(t))
                if right.known_starts:
                    right_bound = max(right_bound, right.shifted_bound(c_k))
            candidates.append((left_bound + tardy_k + right_bound, s, c_k, tardy_k, right_bound, left, right))
        candidates.sort(key=_first)

        best = limit
        best_plan: tuple = ()
        failed_bound = INFINITY
        # left(s) grows with s at the same start, and adding jobs never lowers the optimum
        left_values: list[tuple[int, int]] = []
        for bound, s, c_k, tardy_k, right_bound, left, right in candidates:
            self.splits_tried += 1
            if shift:
                for s0, v0 in left_values:
                    if s0 < s and v0 + tardy_k + right_bound > bound:
                        bound = v0 + tardy_k + right_bound
            if bound >= best:
                self.splits_pruned += 1
                failed_bound = min(failed_bound, bound)
                continue
            left_value = self.cost(left, t, best - tardy_k - right_bound)
            left_values.append((s, left_value))
            partial = left_value + tardy_k
            if partial + right_bound >= best:
                self.splits_pruned += 1
                failed_bound = min(failed_bound, partial + right_bound)
                continue
            total = partial + self.cost(right, c_k, best - partial)
            if total < best:
                best, best_plan = total, ("split", k_pos, s, c_k)
            else:
                failed_bound = min(failed_bound, total)
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

    def order(self, jobs: tuple[int, ...], t: int) -> list[int]:
        """The optimal sequence of a solved subproblem, rebuilt from the memo."""
        out: list[int] = []
        stack: list = [(jobs, t)]
        while stack:
            item = stack.pop()
            if isinstance(item, int):
                out.append(item)
                continue
            sub, start = item
            plan = (
                self.memo[start * KEY_STRIDE + self.profile(sub).ident][2] if len(sub) > 1 else ("seq", sub)
            )
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
