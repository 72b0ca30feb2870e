"""Entry point: validate, sort into EDD order, search, and map the answer back."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

from schedbench.problems.errors import SchedbenchError

from .bounds import sorted_pairing_bound
from .rules import Rules
from .search import DecompositionSearch, SearchTimeout
from .upper_bound import total_tardiness, upper_bound_order


@dataclass(frozen=True)
class ExactResult:
    """Best order found (0-based job indices), its objective and how sure we are of it."""

    order: list[int]
    objective: int
    lower_bound: int
    optimal: bool
    time_s: float
    stats: dict = field(default_factory=dict)


def _int_vector(values, n: int, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.shape != (n,):
        raise SchedbenchError(f"{name} must have one value per job ({n}), got shape {arr.shape}")
    if arr.size and not np.all(np.asarray(arr, dtype=np.float64) == np.round(arr.astype(np.float64))):
        raise SchedbenchError(f"{name} must be integers")
    return arr.astype(np.int64)


def solve_smtt_exact(
    p,
    d,
    w=None,
    *,
    time_limit: float = 60.0,
    upper_bound_order: list[int] | None = None,
    rules: Rules | None = None,
) -> ExactResult:
    """Minimise total tardiness on one machine exactly; unweighted instances only.

    Returns the proven optimum with ``optimal=True`` when the search completes within
    ``time_limit`` seconds; otherwise the best known order (``upper_bound_order`` if given and
    better than MDDC) with a lower bound and ``optimal=False``. ``rules`` switches pruning rules
    off for testing; the optimum never depends on it.
    """
    started = time.perf_counter()
    n = len(p)
    p_arr = _int_vector(p, n, "p")
    d_arr = _int_vector(d, n, "d")
    if w is not None and not np.all(_int_vector(w, n, "w") == 1):
        raise SchedbenchError(
            "the exact SMTT solver handles unweighted total tardiness only; "
            "use --solver cpsat or --solver mip for weighted instances"
        )
    if n and p_arr.min() < 0:
        raise SchedbenchError("processing times must be non-negative for the exact SMTT solver")
    rules = rules or Rules()

    incumbent = _best_start(p_arr, d_arr, upper_bound_order)
    incumbent_cost = total_tardiness(incumbent, p_arr, d_arr)

    edd = np.lexsort((np.arange(n), p_arr, d_arr))
    p_edd = [int(x) for x in p_arr[edd]]
    d_edd = [int(x) for x in d_arr[edd]]
    root = tuple(range(n))
    root_bound = sorted_pairing_bound(root, 0, p_edd, d_edd)

    search = DecompositionSearch(p_edd, d_edd, rules, deadline=started + time_limit)
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 20 * n + 1000))
    try:
        optimum = search.cost(search.profile(root), 0, incumbent_cost + 1)
        completed = True
    except SearchTimeout:
        completed = False
    finally:
        sys.setrecursionlimit(old_limit)

    if completed:
        order = [int(edd[j]) for j in search.order(root, 0)]
        objective, lower_bound = optimum, optimum
        if total_tardiness(order, p_arr, d_arr) != optimum:  # pragma: no cover - internal check
            raise AssertionError("exact SMTT search rebuilt an order that does not match its cost")
    else:
        order, objective, lower_bound = incumbent, incumbent_cost, min(root_bound, incumbent_cost)
    stats = {
        "nodes": search.nodes,
        "memo_hits": search.memo_hits,
        "memo_size": len(search.memo),
        "splits_tried": search.splits_tried,
        "splits_pruned": search.splits_pruned,
        "shift_prunes": search.shift_prunes,
        "upper_bound": incumbent_cost,
    }
    return ExactResult(
        order=order,
        objective=int(objective),
        lower_bound=int(lower_bound),
        optimal=completed,
        time_s=time.perf_counter() - started,
        stats=stats,
    )


def _best_start(p: np.ndarray, d: np.ndarray, given: list[int] | None) -> list[int]:
    heuristic = upper_bound_order(p, d)
    if given is None:
        return heuristic
    given = [int(j) for j in given]
    if sorted(given) != list(range(len(p))):
        raise SchedbenchError("upper_bound_order must be a permutation of the job indices")
    if total_tardiness(given, p, d) < total_tardiness(heuristic, p, d):
        return given
    return heuristic
