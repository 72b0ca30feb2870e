"""Time-indexed (Pritsker, Watters & Wolfe 1969) MIP for RCPSP with downtime, windows and disjunctive pairs.

x_it = 1 when task i starts at t. Start times that overlap downtime on a used resource, or fall outside
the release/deadline window, get no variable at all. Precedences use the disaggregated (Christofides)
form, which has a tighter LP relaxation than Pritsker's aggregated one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedbench.problems.rcpsp import RcpspInstance, solution_from_starts
from schedbench.solvers.cpsat.rcpsp import allowed_starts, best_known_schedule
from schedbench.solvers.mip.common import new_var, solve_problem, to_raw
from schedbench.solvers.options import SolveOptions, hint_array
from schedbench.solvers.result import RawResult


def solve(inst: RcpspInstance, options: SolveOptions, *, engine: str) -> RawResult:
    """Minimise makespan (mode "optimize") or find any schedule (mode "feasibility")."""
    import pulp

    mode = options.mode
    n = inst.num_tasks
    dur = inst.durations.astype(np.int64)
    safe = inst.safe_horizon
    incumbent = best_known_schedule(inst, hint_array(inst, options.hint))
    horizon = safe
    if mode == "optimize" and incumbent is not None:
        horizon = int((incumbent + dur).max(initial=0))
    es = inst.earliest_starts
    lf = inst.latest_finishes(horizon)
    times: list[list[int]] = []
    for i in range(n):
        allowed = allowed_starts(inst, i, int(es[i]), int(lf[i] - dur[i]))
        times.append([t for lo, hi in allowed for t in range(lo, hi + 1)])

    def fail(message: str) -> RawResult:
        return RawResult(
            status="infeasible",
            name=f"mip-{engine}",
            version="",
            params={"engine": engine, "mode": mode},
            infeasible_proven=True,
            message=message,
        )

    for i in range(n):
        if not times[i]:
            return fail(f"task {inst.task_names[i]!r} has no start time within its window and horizon")

    prob = pulp.LpProblem("rcpsp", pulp.LpMinimize)
    x = [{t: new_var(prob, f"x{i}_{t}", cat="Binary") for t in times[i]} for i in range(n)]
    for i in range(n):
        prob += pulp.lpSum(x[i].values()) == 1

    def started_by(i: int, t: int) -> Any:
        return pulp.lpSum(v for s, v in x[i].items() if s <= t)

    def running_at(i: int, t: int) -> list[Any]:
        return [v for s, v in x[i].items() if t - int(dur[i]) < s <= t]

    for a, b in inst.precedences:
        a, b = int(a), int(b)
        for t in times[b]:
            prob += started_by(b, t) <= started_by(a, t - int(dur[a]))
    for r in range(inst.num_resources):
        users = [i for i in range(n) if inst.demands[i, r] > 0 and dur[i] > 0]
        if sum(int(inst.demands[i, r]) for i in users) <= inst.capacities[r]:
            continue
        for t in range(horizon):
            terms = [int(inst.demands[i, r]) * v for i in users for v in running_at(i, t)]
            if len(terms) > 1:
                prob += pulp.lpSum(terms) <= int(inst.capacities[r])
    for a, b in inst.disjunctive:
        a, b = int(a), int(b)
        if dur[a] == 0 or dur[b] == 0:
            continue
        for t in range(horizon):
            terms = running_at(a, t) + running_at(b, t)
            if len(terms) > 1:
                prob += pulp.lpSum(terms) <= 1

    cmax = new_var(prob, "cmax", 0, horizon, cat="Integer")
    if mode == "optimize":
        prob += cmax
        for i in range(n):
            prob += cmax >= pulp.lpSum((t + int(dur[i])) * v for t, v in x[i].items())
    else:
        prob += pulp.lpSum([])
    if incumbent is not None:
        for i in range(n):
            for t, v in x[i].items():
                v.setInitialValue(1 if t == incumbent[i] else 0)
        cmax.setInitialValue(int((incumbent + dur).max(initial=0)))

    out = solve_problem(prob, options, engine=engine)

    def read() -> tuple[dict[str, Any], int]:
        starts = np.array([max(x[i], key=lambda t: x[i][t].varValue or 0) for i in range(n)], dtype=np.int64)
        return solution_from_starts(inst, starts), int((starts + dur).max(initial=0))

    raw = to_raw(out, read, "schedule's makespan", check_objective=mode == "optimize")
    raw.params["mode"] = mode
    if mode == "feasibility" and raw.solution is not None:
        raw.status, raw.bound = "feasible", None
    return raw
