"""Exact solvers behind one front door: `solve(inst, solver, options)` returns a verified `SolveResult`.

Backends: CP-SAT for all three problems, MIP (PuLP with CBC or HiGHS) for all three, and for SMTT the
Held-Karp DP and the exact decomposition solver. Heavy libraries are imported only when a backend runs.
Every schedule is checked by `schedbench.problems.verify`; an objective the verifier does not confirm is
reported as status "error", never passed on.
"""

from __future__ import annotations

import dataclasses
import time

from schedbench.datasets.references import mip_gap
from schedbench.problems import Instance, SchedbenchError, instance_digest, verify
from schedbench.records import SolveResult, SolverInfo, SolveStatus
from schedbench.records.solve import SCHEDULE_KEYS
from schedbench.solvers.options import MODES, SolveOptions, hint_array
from schedbench.solvers.registry import (
    DP_MAX_JOBS,
    SOLVER_REGISTRY,
    SolverEntry,
    backend_of,
    list_solvers,
    resolve_solver,
)
from schedbench.solvers.result import STATUSES, RawResult

SOLVERS = tuple(SOLVER_REGISTRY.names())

__all__ = [
    "DP_MAX_JOBS",
    "MODES",
    "SOLVERS",
    "SOLVER_REGISTRY",
    "STATUSES",
    "RawResult",
    "SolveOptions",
    "SolveResult",
    "SolverEntry",
    "finish",
    "hint_array",
    "highs_available",
    "list_solvers",
    "resolve_solver",
    "solve",
]


def highs_available() -> bool:
    """True when highspy is installed, so ``mip`` means HiGHS."""
    return SOLVER_REGISTRY.get("mip-highs").available()


def solve(inst: Instance, solver: str = "auto", options: SolveOptions | None = None) -> SolveResult:
    """Solve one instance and return its verified result.

    ``solver`` is ``auto``, ``mip`` or a backend name (see :func:`list_solvers`); a hint in ``options``
    seeds the search only if it verifies. A backend crash becomes status error with the exception as
    message; an objective the verifier does not confirm is status error too, never passed on.
    """
    options = options or SolveOptions()
    name = resolve_solver(inst, solver)
    if options.hint is not None and not verify(inst, dict(options.hint)).feasible:
        options = dataclasses.replace(options, hint=None)
    t0 = time.perf_counter()
    try:
        raw = backend_of(name)(inst, options)
    except SchedbenchError:
        raise
    except Exception as exc:  # a backend crash is reported on its line, the batch goes on
        raw = RawResult(
            status="error", name=name, version="", params={}, message=f"{type(exc).__name__}: {exc}"
        )
    return finish(inst, raw, time.perf_counter() - t0, options.seed)


def finish(inst: Instance, raw: RawResult, elapsed: float, seed: int) -> SolveResult:
    """Verify the backend's schedule and build the result; any disagreement becomes status error."""
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
    if status == "error" and not message:
        message = "solver reported an error"
    schedule = {k: v for k, v in (raw.solution or {}).items() if k in SCHEDULE_KEYS}
    return SolveResult(
        instance=inst.name,
        status=SolveStatus(status),
        solver=SolverInfo(raw.name, raw.version, raw.params),
        objective=objective,
        bound=bound,
        gap=mip_gap(objective, bound),
        time_s=round(elapsed, 4),
        seed=seed,
        schedule=schedule or None,
        message=message,
        infeasible_proven=raw.infeasible_proven,
        stats=raw.stats,
        instance_sha256=instance_digest(inst),
    )
