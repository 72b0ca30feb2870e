"""Shared CP-SAT plumbing: parameters, running a model, and turning its status into a RawResult."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from schedbench.solvers.options import SolveOptions
from schedbench.solvers.result import RawResult


def cpsat_version() -> str:
    import ortools

    return f"ortools {ortools.__version__}"


def makespan_extract(
    starts: list[Any], durations: np.ndarray, to_solution: Callable[[np.ndarray], dict[str, Any]]
) -> Callable[[Any], tuple[dict[str, Any], int]]:
    """An ``extract`` for ``run_model``: the start variables' values as a solution dict, and their makespan."""

    def extract(solver: Any) -> tuple[dict[str, Any], int]:
        values = np.array([solver.Value(s) for s in starts], dtype=np.int64)
        return to_solution(values), int((values + durations).max(initial=0))

    return extract


def run_model(
    model: Any,
    options: SolveOptions,
    extract: Callable[[Any], tuple[dict[str, Any], int]],
    *,
    has_objective: bool = True,
    extra_params: dict[str, Any] | None = None,
) -> RawResult:
    """Solve `model` and map the outcome; `extract(solver)` returns (solution dict, claimed objective)."""
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = float(options.time_limit)
    params.num_workers = int(options.workers)
    params.random_seed = int(options.seed)
    # Ctrl-C must stop the run, not only cut this search short into a result that looks like a normal one
    params.catch_sigint_signal = False
    if options.deterministic_time is not None:
        params.max_deterministic_time = float(options.deterministic_time)
    for key, value in (extra_params or {}).items():
        if isinstance(value, list):
            getattr(params, key).extend(value)
        else:
            setattr(params, key, value)
    status = solver.Solve(model)
    record = {
        "time_limit": options.time_limit,
        "workers": options.workers,
        "seed": options.seed,
        "deterministic_time": options.deterministic_time,
        **(extra_params or {}),
    }
    stats = {
        "wall_time": round(solver.wall_time, 4),
        "deterministic_time": round(solver.deterministic_time, 4),
    }
    base = {"name": "cpsat", "version": cpsat_version(), "params": record, "stats": stats}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        solution, objective = extract(solver)
        if not has_objective:
            return RawResult(status="feasible", solution=solution, objective=objective, bound=None, **base)
        bound = int(math.ceil(solver.BestObjectiveBound() - 1e-6))
        model_value = int(round(solver.ObjectiveValue()))
        if status == cp_model.OPTIMAL and model_value != objective:
            # a schedule better than the proven optimum means the model over-constrains its objective
            message = f"CP-SAT proved {model_value} optimal but its schedule has objective {objective}"
            return RawResult(status="error", solution=solution, objective=objective, message=message, **base)
        if status == cp_model.OPTIMAL:
            return RawResult(
                status="optimal", solution=solution, objective=objective, bound=objective, **base
            )
        return RawResult(status="feasible", solution=solution, objective=objective, bound=bound, **base)
    if status == cp_model.INFEASIBLE:
        return RawResult(status="infeasible", infeasible_proven=True, **base)
    if status == cp_model.MODEL_INVALID:
        return RawResult(status="error", message=f"CP-SAT model invalid: {model.Validate()}", **base)
    bound = None
    if has_objective:
        value = solver.BestObjectiveBound()
        if math.isfinite(value):
            bound = int(math.ceil(value - 1e-6))
    return RawResult(status="unknown", bound=bound, **base)
