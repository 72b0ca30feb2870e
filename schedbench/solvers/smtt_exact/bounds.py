"""Lower bounds on the total tardiness of a subproblem."""

from __future__ import annotations


def sorted_pairing_bound(jobs: tuple[int, ...], t: int, p: list[int], d: list[int]) -> int:
    """Pair the SPT completion times with the EDD due dates.

    The ``i``-th smallest completion time of any order is at least the ``i``-th SPT completion,
    and for the convex ``max(0, C - d)`` pairing sorted completions with sorted due dates is
    cheapest, so this never exceeds the optimum. ``jobs`` are in EDD order already.
    """
    bound = 0
    c = t
    for pj, j in zip(sorted(p[j] for j in jobs), jobs):
        c += pj
        if c > d[j]:
            bound += c - d[j]
    return bound
