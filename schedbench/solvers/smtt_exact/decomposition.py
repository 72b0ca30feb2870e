"""Lawler's decomposition on the longest job, with position elimination.

Lawler (1977): with jobs in EDD order and ``k`` a longest job, some optimal order puts before
``k`` exactly the jobs due no later than ``d'_k = max(d_k, C_k)`` and after it all others. Each
split ``s`` (the last EDD position placed before ``k``, ``s >= pos(k)``) therefore yields two
independent subproblems on contiguous EDD ranges. A split is only consistent with that theorem
when its prefix is exactly the set due by ``max(d_k, C_k)``; the two checks below are the
Potts & Van Wassenhove (right end) and Chang et al. / Szwarc et al. (left end) eliminations.
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
