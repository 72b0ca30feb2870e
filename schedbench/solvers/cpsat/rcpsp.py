"""CP-SAT model for RCPSP with downtime, release/deadline windows and disjunctive pairs."""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from schedbench.problems import verify
from schedbench.problems.rcpsp import RcpspInstance, solution_from_starts
from schedbench.solvers.cpsat.common import cpsat_version, makespan_extract, run_model
from schedbench.solvers.cpsat.hints import rcpsp_heuristic
from schedbench.solvers.options import SolveOptions, hint_array
from schedbench.solvers.result import RawResult

# Extra CP-SAT parameters for RCPSP. Precedence-aware cumulative options and edge finding were tried on the
# slowest PSPLIB j30 instances: same deterministic time as the defaults, more wall time, so none are set.
CPSAT_RCPSP_PARAMS: dict[str, Any] = {}
MIN_SEARCH_S = 0.1  # the search gets at least this long even when the work before it used up the limit
HEURISTIC_SHARE = 0.25  # of the time limit, for more than the first priority rule of the starting schedule


def portfolio(workers: int) -> dict[str, Any]:
    """With two workers CP-SAT runs a single full-problem worker (default_lp) beside its LNS workers. Two
    full workers, default_lp plus an objective lower-bound search, raise the proven bound on the slow j30
    instances from ~55 to ~62 within 10 s (optimum 62-67), at the price of a little LNS time."""
    if workers == 2:
        return {"num_full_subsolvers": 2, "subsolvers": ["default_lp", "objective_lb_search"]}
    return {}


def best_known_schedule(
    inst: RcpspInstance, hint: np.ndarray | None, deadline: float | None = None
) -> np.ndarray | None:
    """The better of the caller's hint and our SGS heuristic (its rules tried until ``deadline``), only
    if it passes the verifier."""
    candidates = [s for s in (hint, rcpsp_heuristic(inst, deadline)) if s is not None]
    feasible = [s for s in candidates if verify(inst, solution_from_starts(inst, s)).feasible]
    if not feasible:
        return None
    return min(feasible, key=lambda s: int((s + inst.durations).max(initial=0)))


# Reachability pairs worked out exactly for the energy bounds (4,000 tasks: ~0.2 s); larger instances get
# a bound that costs one pass over the precedences, so the work before the search stays near linear.
CLOSURE_CELLS = 16_000_000
_BLOCK = 256  # rows of the reachability matrix unpacked at a time


def energy_heads_tails(inst: RcpspInstance, budget: int = CLOSURE_CELLS) -> tuple[np.ndarray, np.ndarray]:
    """Precedence-energy bounds: all (transitive) predecessors of a task must fit, resource by resource,
    before it starts, and all its successors after it ends: head_i = max_k ceil(E_pred(i, k) / C_k), and
    likewise the tail. Exact when n^2 fits ``budget``; otherwise E_pred(i) is bounded from below by
    max over direct predecessors j of E_pred(j) + e_j (weaker, still valid)."""
    n = inst.num_tasks
    dur = inst.durations.astype(np.int64)
    zeros = np.zeros(n, dtype=np.int64)
    if n == 0 or int(dur.max()) * int(inst.demands.max(initial=0)) * n >= 2**62:
        return zeros, zeros  # sums could overflow: no energy bounds (they only strengthen the model)
    order = list(inst.topological_order)
    energy = dur[:, None] * inst.demands.astype(np.int64)  # (n, R)
    caps = np.maximum(inst.capacities.astype(np.int64), 1)
    before, _ = transitive_energy(order, inst.predecessors, energy, budget)
    after, _ = transitive_energy(order[::-1], inst.successors, energy, budget)
    head = (-(-before // caps)).max(axis=1, initial=0)
    tail = (-(-after // caps)).max(axis=1, initial=0)
    return head, tail


def transitive_energy(
    order: Sequence[int], parents: Sequence[Sequence[int]], energy: np.ndarray, budget: int = CLOSURE_CELLS
) -> tuple[np.ndarray, int]:
    """For each task, the summed energy (per resource) of all tasks it transitively depends on through
    ``parents`` (``order`` lists parents first), or the linear lower bound when n^2 exceeds ``budget``.
    Also returns the work done: reachability cells plus 64-bit words OR-ed for the exact sums,
    (edges + tasks) x resources for the bound."""
    n, resources = energy.shape
    sums = np.zeros((n, resources), dtype=np.int64)
    if n * n > budget:
        for i in order:
            for j in parents[i]:
                np.maximum(sums[i], sums[j] + energy[j], out=sums[i])
        return sums, (sum(map(len, parents)) + n) * max(resources, 1)
    above = [0] * n  # bit j of above[i]: task i depends on task j (Python ints as bit sets)
    for i in order:
        bits = 0
        for j in parents[i]:
            bits |= above[j] | (1 << j)
        above[i] = bits
    width = (n + 7) // 8
    for lo in range(0, n, _BLOCK):
        rows = range(lo, min(n, lo + _BLOCK))
        packed = b"".join(above[i].to_bytes(width, "little") for i in rows)
        bits = np.frombuffer(packed, dtype=np.uint8).reshape(len(rows), width)
        member = np.unpackbits(bits, axis=1, count=n, bitorder="little").astype(np.int64)
        sums[lo : lo + len(rows)] = member @ energy
    return sums, n * n + sum(map(len, parents)) * (n // 64 + 1)


def allowed_starts(inst: RcpspInstance, task: int, lo: int, hi: int) -> list[list[int]]:
    """Start intervals in [lo, hi] that keep the task clear of downtime on every resource it uses."""
    d = int(inst.durations[task])
    forbidden: list[tuple[int, int]] = []
    if d > 0:
        for r in np.nonzero(inst.demands[task])[0]:
            forbidden += [(a - d + 1, b - 1) for a, b in inst.downtime[r]]
    out: list[list[int]] = []
    cur = lo
    for a, b in sorted(forbidden):
        if b < cur:
            continue
        if a > cur:
            out.append([cur, min(a - 1, hi)])
        cur = max(cur, b + 1)
        if cur > hi:
            break
    if cur <= hi:
        out.append([cur, hi])
    return [iv for iv in out if iv[0] <= iv[1]]


def solve(inst: RcpspInstance, options: SolveOptions) -> RawResult:
    """Minimise makespan (mode "optimize") or just find a schedule (mode "feasibility")."""
    started = time.monotonic()  # the work before the search counts against the time limit
    from ortools.sat.python import cp_model

    mode = options.mode
    n = inst.num_tasks
    dur = inst.durations.astype(np.int64)
    safe = inst.safe_horizon
    heuristic_until = started + HEURISTIC_SHARE * options.time_limit
    incumbent = best_known_schedule(inst, hint_array(inst, options.hint), heuristic_until)
    params = {
        "mode": mode,
        "time_limit": options.time_limit,
        "workers": options.workers,
        "seed": options.seed,
    }
    if mode == "feasibility" and incumbent is not None:
        return RawResult(
            status="feasible",
            name="cpsat",
            version=cpsat_version(),
            params=params,
            solution=solution_from_starts(inst, incumbent),
            objective=int((incumbent + dur).max(initial=0)),
            stats={"answered_by": "serial SGS heuristic"},
        )
    horizon = safe
    if mode == "optimize" and incumbent is not None:
        horizon = int((incumbent + dur).max(initial=0))
    es = inst.earliest_starts
    lf = inst.latest_finishes(horizon)

    model = cp_model.CpModel()
    starts = []
    intervals = []
    for i in range(n):
        domain = allowed_starts(inst, i, int(es[i]), int(lf[i] - dur[i]))
        if not domain:
            return RawResult(
                status="infeasible",
                name="cpsat",
                version=cpsat_version(),
                params=params,
                infeasible_proven=True,
                message=f"task {inst.task_names[i]!r} has no start time within its window and horizon",
            )
        s = model.NewIntVarFromDomain(cp_model.Domain.FromIntervals(domain), f"s{i}")
        starts.append(s)
        intervals.append(model.NewFixedSizeIntervalVar(s, int(dur[i]), f"iv{i}"))

    makespan = model.NewIntVar(int((es + dur).max(initial=0)), horizon, "makespan")
    # [makespan, horizon) takes every resource without downtime whole, so the cumulative propagators
    # (energy, edge finding) push the makespan up directly: on the slow j30 instances the bound rises by 8-10
    after_makespan = None
    if mode == "optimize":
        size = model.NewIntVar(0, horizon - int((es + dur).max(initial=0)), "after_makespan_size")
        after_makespan = model.NewIntervalVar(makespan, size, horizon, "after_makespan")
    for r in range(inst.num_resources):
        users = [i for i in range(n) if inst.demands[i, r] > 0 and dur[i] > 0]
        if not users:
            continue
        cap = int(inst.capacities[r])
        ivs = [intervals[i] for i in users]
        demands = [int(inst.demands[i, r]) for i in users]
        for a, b in inst.downtime[r]:
            if a < horizon:
                ivs.append(model.NewFixedSizeIntervalVar(int(a), int(min(b, horizon) - a), f"down{r}_{a}"))
                demands.append(cap)
        # downtime after the makespan would collide with it, so such resources go without
        if after_makespan is not None and len(ivs) == len(users):
            ivs.append(after_makespan)
            demands.append(cap)
        if sum(demands) > cap:
            model.AddCumulative(ivs, demands, cap)
    for a, b in inst.precedences:
        model.Add(starts[int(b)] >= starts[int(a)] + int(dur[a]))
    for a, b in inst.disjunctive:
        if dur[a] > 0 and dur[b] > 0:
            model.AddNoOverlap([intervals[int(a)], intervals[int(b)]])

    has_succ = np.zeros(n, dtype=bool)
    if len(inst.precedences):
        has_succ[inst.precedences[:, 0]] = True
    sinks = [i for i in range(n) if not has_succ[i]] or list(range(n))
    for i in sinks:  # inequalities, not AddMaxEquality, so the LP relaxation sees them
        model.Add(makespan >= starts[i] + int(dur[i]))
    for i, (head, tail) in enumerate(zip(*energy_heads_tails(inst))):
        if head > es[i]:
            model.Add(starts[i] >= int(head))
        if tail > 0:
            model.Add(makespan >= starts[i] + int(dur[i] + tail))
    if mode == "optimize":
        model.Minimize(makespan)
    if incumbent is not None:
        for i in range(n):
            model.AddHint(starts[i], int(incumbent[i]))
        model.AddHint(makespan, int((incumbent + dur).max(initial=0)))

    extract = makespan_extract(starts, dur, functools.partial(solution_from_starts, inst))
    presolve = time.monotonic() - started
    search = replace(options, time_limit=max(options.time_limit - presolve, MIN_SEARCH_S))
    raw = run_model(
        model,
        search,
        extract,
        has_objective=mode == "optimize",
        extra_params={**CPSAT_RCPSP_PARAMS, **(portfolio(options.workers) if mode == "optimize" else {})},
    )
    if raw.status == "unknown" and incumbent is not None:  # the search ran out of time: keep what we had
        raw = replace(
            raw,
            status="feasible",
            solution=solution_from_starts(inst, incumbent),
            objective=int((incumbent + dur).max(initial=0)),
            stats={**raw.stats, "answered_by": "serial SGS heuristic (the search found no schedule in time)"},
        )
    raw.params["mode"] = mode
    raw.params["time_limit"] = options.time_limit
    raw.stats["presolve_s"] = round(presolve, 4)
    raw.stats["horizon"] = horizon
    raw.stats["heuristic_makespan"] = None if incumbent is None else int((incumbent + dur).max(initial=0))
    return raw
