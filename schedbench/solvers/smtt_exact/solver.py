"""Entry point: validate, sort into EDD order, search, and map the answer back."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from schedbench.heuristics.smtt_rules import adjacent_interchange, mddc_order
from schedbench.problems.errors import SchedbenchError
from schedbench.problems.smtt import total_tardiness

from .bounds import sorted_pairing_bound
from .rules import Rules
from .search import DecompositionSearch, SearchTimeout


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
    ``time_limit`` seconds. Otherwise ``optimal=False`` with the best order known: the best complete
    order the search found at its root split or by decomposing along its memo (a decomposition
    heuristic that takes every subproblem the search solved exactly), or the starting order (MDDC
    with adjacent swaps, or ``upper_bound_order`` if given and better). The starting order only
    sets the first limit; measured proofs take as long from the optimum as from MDDC. Its ``lower_bound`` is the larger of the sorted pairing bound and
    what the search established: the least bound over the splits it had not refuted, the split
    under way bounded by how far its parts got. ``rules`` switches pruning rules off for testing; the optimum never depends on it.
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
    split_bound = 0
    # the memo holds millions of small objects and no cycles: cyclic collection would only rescan it
    collecting = gc.isenabled()
    gc.disable()
    try:
        optimum = search.cost(search.profile(root), 0, incumbent_cost + 1)
        completed = True
    except SearchTimeout as timeout:
        completed = False
        split_bound = timeout.lower_bound
    finally:
        sys.setrecursionlimit(old_limit)
        if collecting:
            gc.enable()

    if completed:
        order = [int(edd[j]) for j in search.order(root, 0)]
        objective, lower_bound = optimum, optimum
        if total_tardiness(order, p_arr, d_arr) != optimum:  # pragma: no cover - internal check
            raise AssertionError("exact SMTT search rebuilt an order that does not match its cost")
    else:
        order, objective = incumbent, incumbent_cost
        sys.setrecursionlimit(max(old_limit, 20 * n + 1000))
        try:  # what the search found: its root split's best, and a decomposition guided by its memo
            found = [search.greedy_order(root, 0, bounds) for bounds in (True, False)]
            found.append(_root_split_order(search))
        finally:
            sys.setrecursionlimit(old_limit)
        for candidate in found:
            if candidate is not None:
                candidate, cost = _candidate(candidate, edd, p_arr, d_arr)
                if cost < objective:
                    order, objective = candidate, cost
        lower_bound = min(max(root_bound, split_bound), objective)
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


def _candidate(edd_order: list[int], edd: np.ndarray, p: np.ndarray, d: np.ndarray) -> tuple[list[int], int]:
    """An order of EDD indices in original job indices, improved by adjacent swaps, with its cost."""
    order = adjacent_interchange([int(edd[j]) for j in edd_order], p, d)
    return order, total_tardiness(order, p, d)


def _root_split_order(search: DecompositionSearch) -> list[int] | None:
    """The best complete order the root split found (EDD indices), wrapped in the root's end reductions."""
    if search.root_best is None:
        return None
    _, jobs, start, plan = search.root_best
    middle = search.order(jobs, start, plan)
    firsts = [j for wrap_firsts, _, _ in search.root_wraps for j in wrap_firsts]
    lasts = [j for _, wrap_lasts, _ in reversed(search.root_wraps) for j in wrap_lasts]
    return firsts + middle + lasts


def starting_order(p: Sequence[int] | np.ndarray, d: Sequence[int] | np.ndarray) -> list[int]:
    """The starting order: MDDC (arXiv 2510.24013, as its authors compute it) improved by adjacent swaps."""
    p, d = np.asarray(p, dtype=np.int64), np.asarray(d, dtype=np.int64)
    return adjacent_interchange(mddc_order(p, d), p, d)


def _best_start(p: np.ndarray, d: np.ndarray, given: list[int] | None) -> list[int]:
    heuristic = starting_order(p, d)
    if given is None:
        return heuristic
    given = [int(j) for j in given]
    if sorted(given) != list(range(len(p))):
        raise SchedbenchError("upper_bound_order must be a permutation of the job indices")
    if total_tardiness(given, p, d) < total_tardiness(heuristic, p, d):
        return given
    return heuristic
