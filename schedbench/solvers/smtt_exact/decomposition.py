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
