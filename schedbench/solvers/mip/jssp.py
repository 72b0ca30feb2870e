"""Disjunctive (Manne 1960) MIP for the job shop: one order binary per pair of operations on a machine."""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np

from schedbench.problems.jssp import JsspInstance, solution_from_starts
from schedbench.solvers.cpsat.hints import jssp_incumbent
from schedbench.solvers.mip.common import new_var, solve_problem, to_raw
from schedbench.solvers.options import SolveOptions, hint_array
from schedbench.solvers.result import RawResult


def solve(inst: JsspInstance, options: SolveOptions, *, engine: str) -> RawResult:
    """Minimise makespan; big-M is the makespan of a Giffler-Thompson schedule (or the hint)."""
    import pulp

    dur = inst.op_duration.astype(np.int64)
    mach = inst.op_machine
    offsets = inst.job_offsets
    n_ops = int(offsets[-1])
    incumbent, horizon = jssp_incumbent(inst, hint_array(inst, options.hint))

    prob = pulp.LpProblem("jssp", pulp.LpMinimize)
    s = [new_var(prob, f"s{o}", 0, horizon - int(dur[o]), cat="Integer") for o in range(n_ops)]
    cmax = new_var(prob, "cmax", 0, horizon, cat="Integer")
    prob += cmax
    for j in range(inst.num_jobs):
        lo, hi = int(offsets[j]), int(offsets[j + 1])
        for o in range(lo, hi - 1):
            prob += s[o + 1] >= s[o] + int(dur[o])
        if hi > lo:
            prob += cmax >= s[hi - 1] + int(dur[hi - 1])
    for m in range(inst.num_machines):
        ops = [o for o in range(n_ops) if mach[o] == m and dur[o] > 0]
        for a, b in combinations(ops, 2):
            y = new_var(prob, f"y{a}_{b}", cat="Binary")
            prob += s[a] + int(dur[a]) <= s[b] + horizon * (1 - y)
            prob += s[b] + int(dur[b]) <= s[a] + horizon * y
            y.setInitialValue(1 if incumbent[a] < incumbent[b] else 0)
    for o in range(n_ops):
        s[o].setInitialValue(int(incumbent[o]))
    cmax.setInitialValue(horizon)

    out = solve_problem(prob, options, engine=engine)

    def read() -> tuple[dict[str, Any], int]:
        starts = np.array([round(v.varValue or 0) for v in s], dtype=np.int64)
        return solution_from_starts(inst, starts), int((starts + dur).max(initial=0))

    return to_raw(out, read, "schedule's makespan")
