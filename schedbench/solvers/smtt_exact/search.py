"""Memoised decomposition search: exact optimum of a subproblem (EDD job tuple, start time)."""

from __future__ import annotations

import time

from .bounds import sorted_pairing_bound
from .decomposition import lawler_splits, longest_position
from .dominance import closed_form, reduce_ends
from .rules import Rules

_INF = float("inf")


class SearchTimeout(Exception):
    """Raised inside the search when the deadline passes."""


class DecompositionSearch:
    """Solves subproblems exactly and remembers each one's cost and how it was split.

    A memo entry is ``(cost, plan)`` with plan one of ``("seq", order)``,
    ``("wrap", firsts, inner, inner_start, lasts)`` or ``("split", k_pos, s, c_k)``; ``order``
    rebuilds the sequence from these plans.
    """

    CHECK_EVERY = 512

    def __init__(self, p: list[int], d: list[int], rules: Rules, deadline: float) -> None:
        self.p = p
        self.d = d
        self.rules = rules
        self.deadline = deadline
        self.memo: dict[tuple[tuple[int, ...], int], tuple[int, tuple]] = {}
        self.nodes = 0
        self.memo_hits = 0
        self.splits_tried = 0
        self.splits_pruned = 0

    def cost(self, jobs: tuple[int, ...], t: int) -> int:
        """Optimal total tardiness of ``jobs`` (EDD-sorted tuple) started at ``t``."""
        key = (jobs, t)
        if self.rules.memo:
            hit = self.memo.get(key)
            if hit is not None:
                self.memo_hits += 1
                return hit[0]
        self.nodes += 1
        if self.nodes % self.CHECK_EVERY == 0 and time.perf_counter() > self.deadline:
            raise SearchTimeout
        entry = self._solve(jobs, t)
        self.memo[key] = entry
        return entry[0]

    def _solve(self, jobs: tuple[int, ...], t: int) -> tuple[int, tuple]:
        p, d, rules = self.p, self.d, self.rules
        if len(jobs) <= 1:
            return (max(0, t + p[jobs[0]] - d[jobs[0]]) if jobs else 0), ("seq", jobs)
        if rules.trivial_cases:
            solved = closed_form(jobs, t, p, d)
            if solved is not None:
                return solved[0], ("seq", solved[1])
        if rules.emmons_first or rules.emmons_last:
            firsts, inner, lasts, start, fixed = reduce_ends(jobs, t, p, d, rules)
            if len(inner) < len(jobs):
                return fixed + self.cost(inner, start), ("wrap", firsts, inner, start, lasts)
        return self._split(jobs, t)

    def _split(self, jobs: tuple[int, ...], t: int) -> tuple[int, tuple]:
        p, d = self.p, self.d
        use_bound = self.rules.lower_bound
        k_pos = longest_position(jobs, p)
        d_k = d[jobs[k_pos]]
        best: float = _INF
        best_plan: tuple = ()
        for s, c_k in lawler_splits(jobs, t, k_pos, p, d, self.rules):
            self.splits_tried += 1
            left = jobs[:k_pos] + jobs[k_pos + 1 : s + 1]
            right = jobs[s + 1 :]
            tardy_k = c_k - d_k if c_k > d_k else 0
            right_bound = sorted_pairing_bound(right, c_k, p, d) if use_bound else 0
            if use_bound and sorted_pairing_bound(left, t, p, d) + tardy_k + right_bound >= best:
                self.splits_pruned += 1
                continue
            partial = self.cost(left, t) + tardy_k
            if partial + right_bound >= best:
                self.splits_pruned += 1
                continue
            total = partial + self.cost(right, c_k)
            if total < best:
                best, best_plan = total, ("split", k_pos, s, c_k)
        return int(best), best_plan

    def order(self, jobs: tuple[int, ...], t: int) -> list[int]:
        """The optimal sequence of a solved subproblem, rebuilt from the memo."""
        out: list[int] = []
        stack = [(jobs, t)]
        while stack:
            item = stack.pop()
            if isinstance(item, int):
                out.append(item)
                continue
            sub, start = item
            plan = self.memo[(sub, start)][1] if len(sub) > 1 else ("seq", sub)
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
