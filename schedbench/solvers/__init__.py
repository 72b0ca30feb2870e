"""Exact solvers behind one front door: `solve(inst, solver=...)` returns a verified solution dict.

Backends: CP-SAT for all three problems, MIP (PuLP with CBC or HiGHS) for all three, and for SMTT the
Held-Karp DP and the exact decomposition solver. Heavy libraries are imported only when a backend runs.
Every schedule is checked by `schedbench.problems.verify`; an objective the verifier does not confirm is
reported as status "error", never passed on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any

import numpy as np

from schedbench.problems import SchedbenchError, parse_instance, verify
from schedbench.solvers.result import STATUSES, RawResult

SOLVERS = ("auto", "cpsat", "mip", "mip-cbc", "mip-highs", "dp", "exact")
MODES = ("optimize", "feasibility")
DP_MAX_JOBS = 20

__all__ = [
    "DP_MAX_JOBS",
    "MODES",
    "SOLVERS",
    "STATUSES",
    "RawResult",
    "SolverEntry",
    "list_solvers",
    "resolve_solver",
    "solve",
]


def _dp_available() -> bool:
    try:
        from schedbench.solvers.smtt_dp import solve_smtt_dp  # noqa: F401
    except ImportError:
        return False
    return True


def _exact_available() -> bool:
    try:
        from schedbench.solvers.smtt_exact import solve_smtt_exact  # noqa: F401
    except ImportError:
        return False
    return True


def highs_available() -> bool:
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_solver(inst: Any, solver: str) -> str:
    """The concrete backend for a request: `auto` picks the DP for SMTT with n <= 20, the exact
    decomposition solver for larger unweighted SMTT, and CP-SAT otherwise; `mip` picks HiGHS when
    highspy is installed, else CBC."""
    if solver not in SOLVERS:
        raise SchedbenchError(
            f"unknown solver {solver!r}; expected one of {', '.join(SOLVERS)}", field="solver"
        )
    if solver == "auto":
        if inst.problem == "smtt":
            if inst.n <= DP_MAX_JOBS and _dp_available():
                return "dp"
            if not _weighted(inst) and _exact_available():
                return "exact"
        return "cpsat"
    if solver == "mip":
        return "mip-highs" if highs_available() else "mip-cbc"
    if solver in ("dp", "exact"):
        if inst.problem != "smtt":
            raise SchedbenchError(f"solver {solver!r} is for SMTT only, not {inst.problem}", field="solver")
        if solver == "dp" and not _dp_available():
            raise SchedbenchError(
                "solver 'dp' is not available in this installation (schedbench.solvers.smtt_dp)"
            )
        if solver == "dp" and inst.n > DP_MAX_JOBS:
            raise SchedbenchError(f"solver 'dp' handles n <= {DP_MAX_JOBS} jobs, this instance has {inst.n}")
        if solver == "exact" and not _exact_available():
            raise SchedbenchError(
                "solver 'exact' is not available in this installation (schedbench.solvers.smtt_exact)"
            )
        if solver == "exact" and _weighted(inst):
            raise SchedbenchError("solver 'exact' handles unweighted SMTT only; use cpsat, mip or dp")
    if solver == "mip-highs" and not highs_available():
        raise SchedbenchError("solver 'mip-highs' needs highspy (pip install highspy)")
    return solver


def _weighted(inst: Any) -> bool:
    w = inst.weights
    return bool(len(w) and not (w == w[0]).all())


def solve(
    inst: Any,
    solver: str = "auto",
    *,
    time_limit: float = 10.0,
    workers: int = 1,
    seed: int = 0,
    deterministic_time: float | None = None,
    mode: str = "optimize",
    hint: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Solve one instance (an Instance or its JSON dict) and return a verified solution dict.

    Keys: schema, instance, the schedule (`starts` or `sequence`, absent without one), status (optimal,
    feasible, infeasible, unknown, error), objective, bound, gap, time_s, solver {name, version, params},
    seed, and `message` / `infeasible_proven` when relevant. `mode="feasibility"` (RCPSP) stops at the first
    schedule. `hint` is a solution dict; it seeds the search if it verifies.
    """
    if isinstance(inst, dict):
        inst = parse_instance(inst)
    if mode not in MODES:
        raise SchedbenchError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}", field="mode")
    if not time_limit or time_limit <= 0:
        raise SchedbenchError(f"time limit must be positive, got {time_limit}", field="time_limit")
    if workers < 1:
        raise SchedbenchError(f"workers must be at least 1, got {workers}", field="workers")
    name = resolve_solver(inst, solver)
    hint_arr = _hint_array(inst, hint)
    t0 = time.perf_counter()
    try:
        raw = _run(inst, name, time_limit, workers, seed, deterministic_time, mode, hint_arr)
    except SchedbenchError:
        raise
    except Exception as exc:  # a backend crash is reported on its line, the batch goes on
        raw = RawResult(
            status="error",
            name=name,
            version="",
            params={},
            message=f"{type(exc).__name__}: {exc}",
        )
    return finish(inst, raw, time.perf_counter() - t0, seed)


def _hint_array(inst: Any, hint: dict[str, Any] | None) -> np.ndarray | None:
    """Index-based form of a hint solution, or None if there is none or it does not verify."""
    if hint is None:
        return None
    if not verify(inst, hint).feasible:
        return None
    if inst.problem == "smtt":
        index = inst.index()
        return np.array([index[j] for j in hint["sequence"]], dtype=np.int64)
    if inst.problem == "rcpsp":
        return np.array([int(hint["starts"][t]) for t in inst.task_names], dtype=np.int64)
    return np.array([int(s) for job in inst.job_names for s in hint["starts"][job]], dtype=np.int64)


def _run(
    inst: Any,
    name: str,
    time_limit: float,
    workers: int,
    seed: int,
    deterministic_time: float | None,
    mode: str,
    hint: np.ndarray | None,
) -> RawResult:
    kwargs = {
        "time_limit": time_limit,
        "workers": workers,
        "seed": seed,
        "deterministic_time": deterministic_time,
        "mode": mode,
        "hint": hint,
    }
    if name == "cpsat":
        from schedbench.solvers.cpsat import backend

        return backend(inst.problem)(inst, **kwargs)
    if name in ("mip-cbc", "mip-highs"):
        from schedbench.solvers.mip import backend as mip_backend

        return mip_backend(inst.problem)(inst, engine=name.split("-")[1], **kwargs)
    if name == "dp":
        return _run_dp(inst)
    return _run_exact(inst, time_limit)


def _run_dp(inst: Any) -> RawResult:
    from schedbench.problems.smtt import solution_from_order
    from schedbench.solvers.smtt_dp import solve_smtt_dp

    order, value = solve_smtt_dp(inst.processing_times, inst.due_dates, inst.weights)
    return RawResult(
        status="optimal",
        name="dp",
        version="held-karp",
        params={},
        solution=solution_from_order(inst, order),
        objective=int(value),
        bound=int(value),
    )


def _run_exact(inst: Any, time_limit: float) -> RawResult:
    from schedbench.problems.smtt import solution_from_order
    from schedbench.solvers.smtt_exact import solve_smtt_exact

    res = solve_smtt_exact(inst.processing_times, inst.due_dates, time_limit=time_limit)
    bound = None if res.lower_bound is None else int(res.lower_bound)
    has_order = res.order is not None
    return RawResult(
        status="optimal" if res.optimal else ("feasible" if has_order else "unknown"),
        name="exact",
        version="decomposition",
        params={"time_limit": time_limit},
        solution=solution_from_order(inst, res.order) if has_order else None,
        objective=None if res.objective is None else int(res.objective),
        bound=bound,
        stats=dict(res.stats or {}),
    )


def finish(inst: Any, raw: RawResult, elapsed: float, seed: int) -> dict[str, Any]:
    """Verify the backend's schedule and build the solution dict; disagreement becomes status error."""
    out: dict[str, Any] = dict(raw.solution) if raw.solution else {}
    out.setdefault("schema", "schedbench/solution/v1")
    out["instance"] = inst.name
    status, message = raw.status, raw.message
    objective, bound = raw.objective, raw.bound
    if raw.solution is not None:
        check = verify(inst, raw.solution)
        if not check.feasible:
            codes = ", ".join(sorted(check.counts()))
            status, message = "error", f"solver returned a schedule the verifier rejects ({codes})"
        elif check.objective != raw.objective:
            status = "error"
            message = f"solver claims objective {raw.objective} but the verifier computes {check.objective}"
        objective = check.objective
    elif status in ("optimal", "feasible"):
        status, message = "error", "solver reported a solution but returned no schedule"
    if status == "optimal":
        bound = objective
    if bound is not None and objective is not None and bound > objective and status != "error":
        status, message = "error", f"solver bound {bound} exceeds its verified objective {objective}"
    out["status"] = status
    out["objective"] = objective
    out["bound"] = bound
    out["gap"] = _gap(objective, bound)
    out["time_s"] = round(elapsed, 4)
    out["solver"] = {"name": raw.name, "version": raw.version, "params": raw.params}
    out["seed"] = seed
    if status == "infeasible":
        out["infeasible_proven"] = raw.infeasible_proven
    if message:
        out["message"] = message
    if raw.stats:
        out["stats"] = raw.stats
    return out


def _gap(objective: int | None, bound: int | None) -> float | None:
    if objective is None or bound is None:
        return None
    if objective == bound:
        return 0.0
    return round((objective - bound) / max(abs(objective), 1), 6)


# Temporary stand-in (branch cli) for the solver registry helper REG is building; on merge, REG's
# `list_solvers()` replaces this block. Same contract: name, problems, description, available().
@dataclass(frozen=True)
class SolverEntry:
    """One solver name the front door accepts: the problems it serves and whether it can run here."""

    name: str
    problems: tuple[str, ...]
    description: str
    _available: Callable[[], bool] = lambda: True

    def available(self) -> bool:
        return self._available()


def _has(*modules: str) -> Callable[[], bool]:
    return lambda: all(find_spec(m) is not None for m in modules)


_ALL = ("rcpsp", "smtt", "jssp")
_ENTRIES = (
    SolverEntry(
        "auto", _ALL, "DP for SMTT n<=20, exact decomposition for larger unweighted SMTT, else CP-SAT"
    ),
    SolverEntry("cpsat", _ALL, "OR-Tools CP-SAT", _has("ortools")),
    SolverEntry("mip", _ALL, "MIP with HiGHS if installed, else CBC", _has("pulp")),
    SolverEntry("mip-cbc", _ALL, "MIP (PuLP) with CBC", _has("pulp")),
    SolverEntry("mip-highs", _ALL, "MIP (PuLP) with HiGHS", _has("pulp", "highspy")),
    SolverEntry("dp", ("smtt",), f"Held-Karp dynamic programme, n <= {DP_MAX_JOBS}, weighted too"),
    SolverEntry("exact", ("smtt",), "exact decomposition solver, unweighted SMTT"),
)


def list_solvers() -> list[SolverEntry]:
    """The solver names `solve(..., solver=name)` accepts, in `SOLVERS` order."""
    return list(_ENTRIES)
