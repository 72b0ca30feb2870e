"""CP-SAT model for single-machine total (weighted) tardiness.

One machine, no overlap, and every job inside [0, sum p], which leaves no idle time, so the order read
off the starts has exactly the model's objective. For unweighted instances Emmons' precedences fix
many pairs and bound every completion time; the hint is the best of MDD and EDD after adjacent swaps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedbench.problems.smtt import SmttInstance, solution_from_order, total_tardiness
from schedbench.solvers.cpsat.common import run_model
from schedbench.solvers.cpsat.hints import emmons_precedences, respect_precedences, smtt_heuristic
from schedbench.solvers.options import SolveOptions, hint_array
from schedbench.solvers.result import RawResult


def solve(inst: SmttInstance, options: SolveOptions, *, use_emmons: bool = True) -> RawResult:
    """Minimise total (weighted) tardiness, starting from the better of the hint and MDD/EDD."""
    from ortools.sat.python import cp_model

    hint = hint_array(inst, options.hint)
    n = inst.n
    p = inst.processing_times.astype(np.int64)
    d = inst.due_dates.astype(np.int64)
    w = inst.weights.astype(np.int64)
    total = int(p.sum())
    order = smtt_heuristic(inst)
    if hint is not None and total_tardiness(hint, p, d, w) < total_tardiness(order, p, d, w):
        order = np.asarray(hint, dtype=np.int64)
    upper = total_tardiness(order, p, d, w)

    unweighted = inst.equal_weights
    before = emmons_precedences(p, d) if (use_emmons and unweighted and n > 1) else np.zeros((n, n), bool)
    p_before = before.T.astype(np.int64) @ p
    p_after = before.astype(np.int64) @ p

    model = cp_model.CpModel()
    ends = []
    intervals = []
    tardiness = []
    for j in range(n):
        end = model.NewIntVar(int(p_before[j] + p[j]), int(total - p_after[j]), f"c{j}")
        intervals.append(model.NewIntervalVar(end - int(p[j]), int(p[j]), end, f"iv{j}"))
        ends.append(end)
        late_max = max(0, total - int(p_after[j]) - int(d[j]))
        late_min = max(0, int(p_before[j] + p[j]) - int(d[j]))
        t = model.NewIntVar(late_min, late_max, f"t{j}")
        model.AddMaxEquality(t, [end - int(d[j]), 0])
        tardiness.append(t)
    model.AddNoOverlap(intervals)
    for i, j in zip(*np.nonzero(before)):
        model.Add(ends[int(j)] - int(p[j]) >= ends[int(i)])
    objective = sum(int(w[j]) * tardiness[j] for j in range(n))
    model.Add(objective <= upper)
    model.Minimize(objective)
    order = respect_precedences(order, before)
    c = np.cumsum(p[order])
    for k, j in enumerate(order):
        model.AddHint(ends[int(j)], int(c[k]))
        model.AddHint(tardiness[int(j)], max(0, int(c[k] - d[j])))

    def extract(solver: Any) -> tuple[dict[str, Any], int]:
        completion = np.array([solver.Value(e) for e in ends], dtype=np.int64)
        seq = np.argsort(completion, kind="stable")
        return solution_from_order(inst, seq), int(solver.ObjectiveValue())

    raw = run_model(model, options, extract)
    raw.params["emmons"] = bool(use_emmons and unweighted)
    raw.stats["emmons_arcs"] = int(before.sum())
    raw.stats["heuristic_objective"] = upper
    return raw
