"""Starting schedules for the exact models (built from the heuristics' primitives) and SMTT dominance.

Every schedule they return is re-verified before a model trusts it as an upper bound.
"""

from __future__ import annotations

import time

import numpy as np

from schedbench.heuristics.jssp_rules import RULES as JSSP_RULES
from schedbench.heuristics.jssp_sgs import giffler_thompson
from schedbench.heuristics.rcpsp_sgs import serial_sgs
from schedbench.heuristics.smtt_rules import adjacent_interchange, edd_order, mdd_order
from schedbench.problems.jssp import JsspInstance
from schedbench.problems.rcpsp import RcpspInstance
from schedbench.problems.smtt import SmttInstance, total_tardiness


def rcpsp_heuristic(inst: RcpspInstance, deadline: float | None = None) -> np.ndarray:
    """Best of a few priority rules (latest finish, latest start, most successors) in the serial SGS,
    preferring schedules that meet every deadline; past ``deadline`` (``time.monotonic()``) no further
    rule is tried."""
    lf = inst.latest_finishes(inst.safe_horizon)
    rules = [lf, lf - inst.durations, -np.array([len(s) for s in inst.successors], dtype=np.int64)]
    best, best_key = None, None
    for rule in rules:
        if best is not None and deadline is not None and time.monotonic() >= deadline:
            break
        starts = serial_sgs(inst, rule)
        ends = starts + inst.durations
        late = sum(max(0, int(ends[i]) - int(dl)) for i, dl in enumerate(inst.deadlines) if dl is not None)
        key = (late, int(ends.max(initial=0)))
        if best_key is None or key < best_key:
            best, best_key = starts, key
    assert best is not None
    return best


def jssp_incumbent(inst: JsspInstance, hint: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Flat start times of the better of a Giffler-Thompson schedule (active, most work remaining) and the
    hint, and its makespan (the horizon)."""
    dur = inst.op_duration
    incumbent = giffler_thompson(inst, JSSP_RULES["mwkr"][1], "active")
    if hint is not None and (hint + dur).max(initial=0) < (incumbent + dur).max(initial=0):
        incumbent = np.asarray(hint, dtype=np.int64)
    return incumbent, int((incumbent + dur).max(initial=0))


def smtt_heuristic(inst: SmttInstance) -> np.ndarray:
    """Best of MDD (weighted) and EDD, each polished by adjacent interchanges."""
    p, d, w = inst.processing_times, inst.due_dates, inst.weights
    candidates = (mdd_order(p, d, w), edd_order(p, d))
    polished = [np.array(adjacent_interchange(o, p, d, w), dtype=np.int64) for o in candidates]
    return min(polished, key=lambda o: total_tardiness(o, p, d, w))


def emmons_precedences(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Emmons' first theorem for unweighted SMTT, applied to a fixpoint with transitive closure.

    If p_i <= p_j and d_i <= max(d_j, p(B_j) + p_j), where B_j are the jobs already known to precede j,
    some optimal sequence has i before j. Ties in p are only used in (d, index) order so that the derived
    arcs never contradict each other. Returns a boolean matrix `before[i, j]`.
    """
    n = len(p)
    p = p.astype(np.int64)
    d = d.astype(np.int64)
    idx = np.arange(n)
    shorter = (p[:, None] < p[None, :]) | (
        (p[:, None] == p[None, :])
        & ((d[:, None] < d[None, :]) | ((d[:, None] == d[None, :]) & (idx[:, None] < idx[None, :])))
    )
    before = np.zeros((n, n), dtype=bool)
    while True:
        p_before = before.T.astype(np.int64) @ p  # p(B_j)
        cond = shorter & (d[:, None] <= np.maximum(d[None, :], p_before[None, :] + p[None, :]))
        cond &= ~before & ~before.T
        added = False
        for i, j in zip(*np.nonzero(cond)):
            if before[i, j] or before[j, i]:
                continue
            rows = before[:, i].copy()
            rows[i] = True
            cols = before[j, :].copy()
            cols[j] = True
            before[np.ix_(rows, cols)] = True
            added = True
        if not added:
            return before


def respect_precedences(order: np.ndarray, before: np.ndarray) -> np.ndarray:
    """The order, repaired so that every arc `before[i, j]` holds: repeatedly take the first job in the
    given order whose known predecessors are all placed."""
    remaining = [int(j) for j in order]
    placed = np.zeros(len(order), dtype=bool)
    out: list[int] = []
    while remaining:
        for k, j in enumerate(remaining):
            if placed[before[:, j]].all():
                out.append(remaining.pop(k))
                placed[j] = True
                break
        else:  # a cycle cannot come from emmons_precedences; keep the rest as given
            out += remaining
            break
    return np.array(out, dtype=np.int64)
