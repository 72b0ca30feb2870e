"""A starting sequence: MDDC (arXiv 2510.24013, as its authors compute it) then adjacent swaps.

A private copy so the exact solver does not depend on the heuristics package.
"""

from __future__ import annotations

import numpy as np


def total_tardiness(order, p, d) -> int:
    """Total tardiness of ``order`` run back to back from time 0 (Python ints: no overflow)."""
    c = total = 0
    for j in order:
        c += int(p[j])
        if c > d[j]:
            total += c - int(d[j])
    return total


def mddc_order(p, d) -> list[int]:
    """MDDC: repeatedly take the first job (in EDD, then p, then index order) of least mu."""
    p_arr = np.asarray(p, dtype=np.float64)
    d_arr = np.asarray(d, dtype=np.float64)
    remaining = list(np.lexsort((np.arange(len(p_arr)), p_arr, d_arr)))
    order: list[int] = []
    t = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        while remaining:
            idx = np.asarray(remaining)
            pu, du = p_arr[idx], d_arr[idx]
            mu = np.maximum(1.1 * pu + t, du)
            rho = np.minimum(pu / (t + pu.max()), 1.0)
            mu = mu * (1.0 + rho**2 / (1.0 + rho**2)) + pu / (t + pu.mean())
            mu = np.nan_to_num(mu, nan=np.inf)
            pick = int(np.argmin(mu))
            order.append(int(remaining.pop(pick)))
            t += p_arr[idx[pick]]
    return order


def adjacent_swap_descent(order: list[int], p, d) -> list[int]:
    """Swap neighbours while any swap lowers total tardiness."""
    p_l = [int(x) for x in p]
    d_l = [int(x) for x in d]
    order = list(order)
    improved = True
    while improved:
        improved = False
        start = 0
        for i in range(len(order) - 1):
            a, b = order[i], order[i + 1]
            end = start + p_l[a] + p_l[b]
            before = max(0, start + p_l[a] - d_l[a]) + max(0, end - d_l[b])
            after = max(0, start + p_l[b] - d_l[b]) + max(0, end - d_l[a])
            if after < before:
                order[i], order[i + 1] = b, a
                improved = True
            start += p_l[order[i]]
    return order


def upper_bound_order(p, d) -> list[int]:
    """MDDC improved by adjacent swaps."""
    return adjacent_swap_descent(mddc_order(p, d), p, d)
