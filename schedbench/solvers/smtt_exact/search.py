"""Memoised decomposition search with bounds, for subproblems (EDD job tuple, start time).

``cost(jobs, t, limit)`` returns the exact optimum when it is below ``limit``; otherwise it
returns a lower bound that is at least ``limit`` (a "fail high", as in alpha-beta search). The
memo keeps either kind of answer, in the spirit of Branch & Memorize: an exact value is reused
as is, a lower bound is reused whenever it already reaches the new limit.
"""

from __future__ import annotations

import time
from bisect import bisect_right

from .bounds import SetProfile
from .decomposition import lawler_splits
from .dominance import closed_form, reduce_ends
from .rules import Rules

INFINITY = 1 << 62


class SearchTimeout(Exception):
    """Raised inside the search when the deadline passes."""


class DecompositionSearch:
    """Solves subproblems and remembers each one's value and how it was split.

    A memo entry is ``(value, exact, plan)``; for exact entries plan is one of
    ``("seq", order)``, ``("wrap", firsts, inner, inner_start, lasts)`` or
    ``("split", k_pos, s, c_k)``, and ``order`` rebuilds the sequence from these plans.
    """

    CHECK_EVERY = 1024

    def __init__(self, p: list[int], d: list[int], rules: Rules, deadline: float) -> None:
        self.p = p
        self.d = d
        self.rules = rules
        self.deadline = deadline
        n = len(p)
        self.spt_rank = _ranks(sorted(range(n), key=lambda j: (p[j], d[j], j)))
        self.lpt_rank = _ranks(sorted(range(n), key=lambda j: (p[j], j)))
        self.memo: dict[tuple[tuple[int, ...], int], tuple[int, bool, tuple]] = {}
        self.nodes = 0
        self.memo_hits = 0
        self.splits_tried = 0
        self.splits_pruned = 0
        self.shift_prunes = 0
        self.profiles: dict[tuple[int, ...], SetProfile] = {}
        self.by_set: dict[tuple[int, ...], tuple[list[int], list[tuple[int, int]]]] = {}

    def cost(self, jobs: tuple[int, ...], t: int, limit: int = INFINITY) -> int:
        """Optimum of ``jobs`` from ``t`` if below ``limit``, else a lower bound ``>= limit``."""
        key = (jobs, t)
        hit = self.memo.get(key)
        if hit is not None and self.rules.memo and (hit[1] or hit[0] >= limit):
            self.memo_hits += 1
            return hit[0]
        if self.rules.shift_bound:
            bound = self._shifted_bound(jobs, t)
            if bound >= limit:
                self.shift_prunes += 1
                return bound
        self.nodes += 1
        if self.nodes % self.CHECK_EVERY == 0 and time.perf_counter() > self.deadline:
            raise SearchTimeout
        value, plan = self._solve(jobs, t, limit)
        exact = value < limit or plan[:1] == ("seq",)
        if hit is None or not hit[1]:
            self.memo[key] = (value, exact, plan)
            if self.rules.shift_bound:
                self._remember_shift(jobs, t, value)
        return value

    def _shifted_bound(self, jobs: tuple[int, ...], t: int) -> int:
        """Lower bound from the same job set solved (or bounded) at an earlier start ``t0``.

        Shifting an optimal order for start ``t`` back to ``t0`` lowers every completion by
        ``t - t0``; jobs tardy at ``t0`` in any position (``d_j <= t0 + p_j``) each gain exactly
        that much, so ``OPT(t) >= OPT(t0) + (t - t0) * #always_tardy(t0)``.
        """
        known = self.by_set.get(jobs)
        if known is None:
            return 0
        starts, values = known
        i = bisect_right(starts, t) - 1
        if i < 0:
            return 0
        t0 = starts[i]
        value0, always_tardy0 = values[i]
        return value0 + (t - t0) * always_tardy0

    def profile(self, jobs: tuple[int, ...]) -> SetProfile:
        """The cached start-independent bounds data of a job set."""
        info = self.profiles.get(jobs)
        if info is None:
            info = self.profiles[jobs] = SetProfile(jobs, self.p, self.d, self.spt_rank, self.lpt_rank)
        return info

    def _remember_shift(self, jobs: tuple[int, ...], t: int, value: int) -> None:
        always_tardy = self.profile(jobs).always_tardy(t)
        known = self.by_set.get(jobs)
        if known is None:
            self.by_set[jobs] = ([t], [(value, always_tardy)])
            return
        starts, values = known
        i = bisect_right(starts, t)
        if i > 0 and starts[i - 1] == t:
            values[i - 1] = (max(value, values[i - 1][0]), always_tardy)
        else:
            starts.insert(i, t)
            values.insert(i, (value, always_tardy))

    def _solve(self, jobs: tuple[int, ...], t: int, limit: int) -> tuple[int, tuple]:
        p, d, rules = self.p, self.d, self.rules
        if len(jobs) <= 1:
            return (max(0, t + p[jobs[0]] - d[jobs[0]]) if jobs else 0), ("seq", jobs)
        profile = self.profile(jobs)
        if rules.trivial_cases:
            solved = closed_form(jobs, t, profile, p, d)
            if solved is not None:
                return solved[0], ("seq", solved[1])
        if rules.emmons_first or rules.emmons_last:
            firsts, inner, lasts, start, fixed = reduce_ends(jobs, t, profile, p, d, rules)
            if len(inner) < len(jobs):
                value = fixed + self.cost(inner, start, limit - fixed)
                return value, ("wrap", firsts, inner, start, lasts)
        return self._split(jobs, t, limit)

    def _split(self, jobs: tuple[int, ...], t: int, limit: int) -> tuple[int, tuple]:
        p, d = self.p, self.d
        use_bound = self.rules.lower_bound
        shift = self.rules.shift_bound
        k = self.profile(jobs).by_lpt[-1]
        k_pos = jobs.index(k)
        d_k = d[k]
        candidates = []
        for s, c_k in lawler_splits(jobs, t, k_pos, p, d, self.rules):
            left = jobs[:k_pos] + jobs[k_pos + 1 : s + 1]
            right = jobs[s + 1 :]
            tardy_k = c_k - d_k if c_k > d_k else 0
            if use_bound:
                left_bound = self.profile(left).pairing_bound(t)
                right_bound = self.profile(right).pairing_bound(c_k)
                if shift:
                    left_bound = max(left_bound, self._shifted_bound(left, t))
                    right_bound = max(right_bound, self._shifted_bound(right, c_k))
            else:
                left_bound = right_bound = 0
            candidates.append((left_bound + tardy_k + right_bound, s, c_k, left, right, tardy_k, right_bound))
        candidates.sort()

        best = limit
        best_plan: tuple = ()
        failed_bound = INFINITY
        for bound, s, c_k, left, right, tardy_k, right_bound in candidates:
            self.splits_tried += 1
            if bound >= best:
                self.splits_pruned += 1
                failed_bound = min(failed_bound, bound)
                continue
            partial = self.cost(left, t, best - tardy_k - right_bound) + tardy_k
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
            plan = self.memo[(sub, start)][2] if len(sub) > 1 else ("seq", sub)
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


def _ranks(order: list[int]) -> list[int]:
    rank = [0] * len(order)
    for position, j in enumerate(order):
        rank[j] = position
    return rank
