"""Held-Karp dynamic program over subsets for single-machine total (weighted) tardiness.

``dp[S]`` is the least tardiness of the jobs in ``S`` when they occupy the first ``sum(p[S])`` time
units; the last job of ``S`` completes at ``sum(p[S])`` whichever order the others take, so
``dp[S] = min over j in S of dp[S - j] + w_j * max(0, sum(p[S]) - d_j)``. Masks are processed one
popcount layer at a time, each layer vectorised with numpy. Memory is a few arrays of ``2**n``
int64, so ``n`` is capped at ``MAX_DP_JOBS``.
"""

from __future__ import annotations

import numpy as np

MAX_DP_JOBS = 22


def _as_int_array(values, n: int, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.int64)
    if arr.shape != (n,):
        raise ValueError(f"{name} must be a 1-D sequence of length {n}, got shape {arr.shape}")
    return arr


def _popcount_layers(n: int) -> list[np.ndarray]:
    """Masks ``1 .. 2**n - 1`` grouped by number of set bits (layer ``k`` holds ``k``-subsets)."""
    counts = np.zeros(1 << n, dtype=np.int8)
    for j in range(n):
        counts[1 << j : 2 << j] = counts[: 1 << j] + 1
    order = np.argsort(counts, kind="stable").astype(np.int64)
    bounds = np.searchsorted(counts[order], np.arange(n + 2))
    return [order[bounds[k] : bounds[k + 1]] for k in range(n + 1)]


def solve_smtt_dp(p, d, w=None) -> tuple[list[int], int]:
    """Return an optimal order (0-based job indices) and its total weighted tardiness.

    ``w`` defaults to all ones (plain total tardiness). Raises ``ValueError`` when ``n`` exceeds
    ``MAX_DP_JOBS``, since the tables need ``O(2**n)`` memory.
    """
    n = len(p)
    if n > MAX_DP_JOBS:
        raise ValueError(
            f"the subset DP needs 2**n memory and is limited to n <= {MAX_DP_JOBS} jobs (got {n}); "
            "use the exact decomposition solver or CP-SAT instead"
        )
    p_arr = _as_int_array(p, n, "p")
    d_arr = _as_int_array(d, n, "d")
    w_arr = np.ones(n, dtype=np.int64) if w is None else _as_int_array(w, n, "w")
    if n == 0:
        return [], 0

    size = 1 << n
    completion = np.zeros(size, dtype=np.int64)
    for j in range(n):
        completion[1 << j : 2 << j] = completion[: 1 << j] + p_arr[j]

    best = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
    best[0] = 0
    for layer in _popcount_layers(n)[1:]:
        layer_best = np.full(layer.shape, np.iinfo(np.int64).max, dtype=np.int64)
        layer_completion = completion[layer]
        for j in range(n):
            has_j = (layer >> j) & 1 == 1
            if not has_j.any():
                continue
            prev = layer[has_j] ^ (1 << j)
            cost = best[prev] + w_arr[j] * np.maximum(0, layer_completion[has_j] - d_arr[j])
            layer_best[has_j] = np.minimum(layer_best[has_j], cost)
        best[layer] = layer_best

    return _backtrack(best, completion, p_arr, d_arr, w_arr), int(best[size - 1])


def _backtrack(best: np.ndarray, completion: np.ndarray, p, d, w) -> list[int]:
    """Rebuild an optimal order from the table, choosing the last job first."""
    n = len(p)
    mask = (1 << n) - 1
    reversed_order: list[int] = []
    while mask:
        c = int(completion[mask])
        for j in range(n):
            if mask >> j & 1:
                prev = mask ^ (1 << j)
                if int(best[prev]) + int(w[j]) * max(0, c - int(d[j])) == int(best[mask]):
                    reversed_order.append(j)
                    mask = prev
                    break
        else:  # pragma: no cover - the table is consistent by construction
            raise AssertionError("inconsistent DP table")
    return reversed_order[::-1]
