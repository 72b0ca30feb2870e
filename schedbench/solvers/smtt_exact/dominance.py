"""Emmons-type end reductions and closed-form subproblems.

Jobs are EDD indices (``p`` and ``d`` are lists in EDD order), a subproblem is a sorted tuple of
them plus the time ``t`` at which it starts. Every reduction here is an adjacent-interchange
argument that never increases total tardiness, so some optimal order satisfies it:

- Emmons' first theorem: with ``p_i <= p_j`` and ``d_i <= max(d_j, tau + p_j)``, where ``tau >= t``
  is the start of the adjacent pair ``(j, i)``, swapping it to ``(i, j)`` never hurts. So a shortest
  job ``s`` may go first when every job due before it has ``t + p_j >= d_s``, and a longest job
  ``l`` may go last when every job has ``d_j <= max(d_l, t + p_l)``.
- A job due no earlier than the end of the subproblem may go last.
"""

from __future__ import annotations

import math

from .bounds import SetProfile
from .rules import Rules


def reduce_ends(
    jobs: tuple[int, ...], t: int, profile: SetProfile, p: list[int], d: list[int], rules: Rules
) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], int, int]:
    """Fix jobs at both ends while a rule allows it.

    Returns ``(firsts, inner, lasts, inner_start, fixed_cost)``: the order is
    ``firsts + solve(inner, inner_start) + lasts`` and ``fixed_cost`` is the tardiness of the fixed
    jobs. ``profile`` describes ``jobs`` (its total and SPT/LPT orders).
    """
    firsts: list[int] = []
    lasts: list[int] = []
    removed: set[int] = set()
    by_spt, by_lpt = profile.by_spt, profile.by_lpt
    next_short, next_long = 0, len(by_lpt) - 1
    total = profile.total
    cost = 0
    changed = True
    while changed and len(jobs) > 1:
        changed = False
        if rules.emmons_first:
            while by_spt[next_short] in removed:
                next_short += 1
            s = by_spt[next_short]
            d_s = d[s]
            for j in jobs:
                if d[j] >= d_s or t + p[j] < d_s:
                    break
            if d[j] >= d_s:
                t += p[s]
                total -= p[s]
                cost += max(0, t - d_s)
                firsts.append(s)
                removed.add(s)
                pos = jobs.index(s)
                jobs = jobs[:pos] + jobs[pos + 1 :]
                changed = True
                continue
        if rules.emmons_last:
            last = jobs[-1]
            if d[last] >= t + total:
                chosen = last
            else:
                while by_lpt[next_long] in removed:
                    next_long -= 1
                chosen = by_lpt[next_long]
                if d[last] > max(d[chosen], t + p[chosen]):
                    continue
            cost += max(0, t + total - d[chosen])
            total -= p[chosen]
            lasts.append(chosen)
            removed.add(chosen)
            pos = jobs.index(chosen)
            jobs = jobs[:pos] + jobs[pos + 1 :]
            changed = True
    return tuple(firsts), jobs, tuple(reversed(lasts)), t, cost


def end_thresholds(profile: SetProfile, p: list[int], d: list[int]) -> tuple[float, float, float]:
    """Starts at which ``reduce_ends`` fixes a job, for a set of at least two jobs.

    Returns ``(first_from, last_until, longest_from)``: Emmons' first theorem fixes the shortest job
    when ``t >= first_from``; the last EDD job goes last when ``t <= last_until`` and the longest
    job when ``t >= longest_from``. Between them no rule applies and the loop can be skipped.
    """
    jobs = profile.jobs
    shortest = profile.by_spt[0]
    d_s = d[shortest]
    earlier = [p[j] for j in jobs if d[j] < d_s]
    first_from = d_s - min(earlier) if earlier else -math.inf
    last = jobs[-1]
    last_until = d[last] - profile.total
    longest = profile.by_lpt[-1]
    longest_from = -math.inf if d[last] <= d[longest] else d[last] - p[longest]
    return first_from, last_until, longest_from


def closed_form(
    jobs: tuple[int, ...], t: int, profile: SetProfile, p: list[int], d: list[int]
) -> tuple[int, tuple[int, ...]] | None:
    """Solve the subproblem directly when EDD has no tardiness or every job is always tardy."""
    if t + profile.edd_lateness <= 0:
        return 0, jobs
    if profile.always_tardy(t) == len(jobs):
        c = t
        cost = 0
        for j in profile.by_spt:
            c += p[j]
            cost += c - d[j]
        return cost, profile.by_spt
    return None
