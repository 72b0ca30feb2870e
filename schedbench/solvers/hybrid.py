"""The hybrid for the job shop: tabu search (N5) for a strong incumbent fast, CP-SAT from it (hint and
horizon) for the proven bound and further improvement, then tabu search again from the best schedule.

The bound is always CP-SAT's (or the job and machine lower bound when tabu reaches it), so ``status``,
``bound`` and ``gap`` mean what they mean for ``cpsat``. The time limit is shared by ``TABU_SHARE`` and
``POLISH_SHARE`` (``benchmarks/bench_hybrid.py`` measures the choice). With ``deterministic_time`` the tabu
phases run a fixed number of iterations instead of seconds, so the result does not depend on the machine.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from schedbench.heuristics.jssp_tabu import TabuResult, tabu_search
from schedbench.problems.jssp import JsspInstance, lower_bound, solution_from_starts
from schedbench.solvers.cpsat import jssp as cpsat_jssp
from schedbench.solvers.cpsat.common import cpsat_version
from schedbench.solvers.cpsat.hints import jssp_incumbent
from schedbench.solvers.options import SolveOptions, hint_array
from schedbench.solvers.result import RawResult

TABU_SHARE = 0.25
POLISH_SHARE = 0.15
ITERATIONS_PER_DETERMINISTIC_SECOND = 2_000


def solve(inst: JsspInstance, options: SolveOptions, *, tabu_share: float = TABU_SHARE) -> RawResult:
    """Tabu, then CP-SAT from tabu's schedule, then tabu from the best one; CP-SAT's bound."""
    started = time.perf_counter()
    lower = lower_bound(inst)
    start, _ = jssp_incumbent(inst, hint_array(inst, options.hint))
    first = _tabu(inst, start, options, tabu_share, seed=options.seed)
    phases: dict[str, float | int] = {
        "tabu_s": round(time.perf_counter() - started, 3),
        "tabu": first.makespan,
    }
    best_starts, best = first.starts, first.makespan
    if best <= lower:
        return _result(inst, options, best_starts, best, lower, "optimal", phases, tabu_share)
    left = options.time_limit - (time.perf_counter() - started)
    cp_limit = max(0.05, min(left, options.time_limit * (1 - tabu_share - POLISH_SHARE)))
    cp_det = None
    if options.deterministic_time is not None:
        cp_det = options.deterministic_time * (1 - tabu_share - POLISH_SHARE)
    cp_options = replace(
        options,
        time_limit=cp_limit,
        deterministic_time=cp_det,
        hint=solution_from_starts(inst, best_starts),
    )
    raw = cpsat_jssp.solve(inst, cp_options)
    phases["cpsat_s"] = round(time.perf_counter() - started - phases["tabu_s"], 3)
    if raw.status == "error":
        return raw
    if raw.solution is not None and raw.objective is not None and raw.objective < best:
        cp_starts = hint_array(inst, raw.solution)
        assert cp_starts is not None
        best_starts, best = cp_starts, raw.objective
    phases["cpsat"] = raw.objective if raw.objective is not None else best
    bound = max(lower, raw.bound or 0)
    if best > bound:
        polish = _tabu(
            inst, best_starts, options, POLISH_SHARE, seed=options.seed + 1, started=started, target=bound
        )
        phases["polish"] = polish.makespan
        if polish.makespan < best:
            best_starts, best = polish.starts, polish.makespan
    status = "optimal" if best <= bound else "feasible"
    return _result(inst, options, best_starts, best, bound, status, phases, tabu_share, raw)


def _tabu(
    inst: JsspInstance,
    starts: np.ndarray,
    options: SolveOptions,
    share: float,
    *,
    seed: int,
    started: float | None = None,
    target: int | None = None,
) -> TabuResult:
    """A tabu phase: ``share`` of the budget, or (for the polish, ``started`` given) what is left of it."""
    if options.deterministic_time is not None:
        iterations = max(1, int(share * options.deterministic_time * ITERATIONS_PER_DETERMINISTIC_SECOND))
        return tabu_search(inst, starts, iterations=iterations, seed=seed, target=target)
    seconds = share * options.time_limit
    if started is not None:
        seconds = options.time_limit - (time.perf_counter() - started)
    return tabu_search(inst, starts, time_limit=max(0.0, seconds), seed=seed, target=target)


def _result(
    inst: JsspInstance,
    options: SolveOptions,
    starts: np.ndarray,
    makespan: int,
    bound: int,
    status: str,
    phases: dict[str, float | int],
    tabu_share: float,
    raw: RawResult | None = None,
) -> RawResult:
    params = {
        "time_limit": options.time_limit,
        "workers": options.workers,
        "seed": options.seed,
        "deterministic_time": options.deterministic_time,
        "tabu_share": tabu_share,
        "polish_share": POLISH_SHARE,
    }
    stats: dict[str, object] = {"phases": phases}
    if raw is not None:
        stats["cpsat"] = raw.stats
    return RawResult(
        status=status,
        name="hybrid",
        version=f"tabu-n5+cpsat {cpsat_version()}",
        params=params,
        solution=solution_from_starts(inst, starts),
        objective=makespan,
        bound=bound,
        stats=stats,
    )
