"""Emmons-type end reductions and closed-form subproblems.

Jobs are EDD indices (``p`` and ``d`` are lists in EDD order), a subproblem is a sorted tuple of
them plus the time ``t`` at which it starts. Every reduction here is an adjacent-interchange
argument that never increases total tardiness, so some optimal order satisfies it.
"""

from __future__ import annotations

from .rules import Rules


def shortest_first_job(
    jobs: tuple[int, ...], t: int, p: list[int], d: list[int], spt_rank: list[int]
) -> int | None:
    """Position of a shortest job that may go first, or None.

    Emmons' first theorem: with ``p_s <= p_j`` and ``d_s <= max(d_j, t + p_j)`` swapping ``s`` in
    front of an adjacent ``j`` never hurts. Jobs due no earlier than ``s`` satisfy it already.
    """
    s_pos = jobs.index(min(jobs, key=spt_rank.__getitem__))
    d_s = d[jobs[s_pos]]
    for i in range(s_pos):
        j = jobs[i]
        if d[j] < d_s and t + p[j] < d_s:
            return None
    return s_pos


def longest_last_job(
    jobs: tuple[int, ...], t: int, total: int, p: list[int], d: list[int], lpt_rank: list[int]
) -> int | None:
    """Position of a job that may go last, or None.

    A job due at or after ``t + total`` is on time in the last position. A longest job ``l`` may
    follow every ``j`` with ``d_j <= max(d_l, t + p_l)`` (Emmons' first theorem, mirrored).
    """
    last = jobs[-1]
    if d[last] >= t + total:
        return len(jobs) - 1
    l_pos = jobs.index(max(jobs, key=lpt_rank.__getitem__))
    limit = max(d[jobs[l_pos]], t + p[jobs[l_pos]])
    if d[last] <= limit:
        return l_pos
    return None


def reduce_ends(
    jobs: tuple[int, ...],
    t: int,
    total: int,
    p: list[int],
    d: list[int],
    rules: Rules,
    spt_rank: list[int],
    lpt_rank: list[int],
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], int, int]:
    """Fix jobs at both ends while a rule allows it.

    Returns ``(firsts, inner, lasts, inner_start, fixed_cost)``: the order is
    ``firsts + solve(inner, inner_start) + lasts`` and ``fixed_cost`` is the tardiness of the fixed
    jobs.
    """
    firsts: list[int] = []
    lasts: list[int] = []
    cost = 0
    changed = True
    while changed and len(jobs) > 1:
        changed = False
        if rules.emmons_first:
            pos = shortest_first_job(jobs, t, p, d, spt_rank)
            if pos is not None:
                j = jobs[pos]
                t += p[j]
                total -= p[j]
                cost += max(0, t - d[j])
                firsts.append(j)
                jobs = jobs[:pos] + jobs[pos + 1 :]
                changed = True
                continue
        if rules.emmons_last:
            pos = longest_last_job(jobs, t, total, p, d, lpt_rank)
            if pos is not None:
                j = jobs[pos]
                cost += max(0, t + total - d[j])
                total -= p[j]
                lasts.append(j)
                jobs = jobs[:pos] + jobs[pos + 1 :]
                changed = True
    return tuple(firsts), jobs, tuple(reversed(lasts)), t, cost


def closed_form(
    jobs: tuple[int, ...], t: int, p: list[int], d: list[int], spt_rank: list[int]
) -> tuple[int, tuple[int, ...]] | None:
    """Solve the subproblem directly when EDD has no tardiness or every job is always tardy."""
    c = t
    for j in jobs:
        c += p[j]
        if c > d[j]:
            break
    else:
        return 0, jobs
    if all(t + p[j] >= d[j] for j in jobs):
        order = tuple(sorted(jobs, key=spt_rank.__getitem__))
        c = t
        cost = 0
        for j in order:
            c += p[j]
            cost += c - d[j]
        return cost, order
    return None
