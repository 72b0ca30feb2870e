"""The solver registry: every backend by name, with the problems it serves and what it needs.

A backend is ``Callable[[Instance, SolveOptions], RawResult]``. ``auto`` and ``mip`` are choices, not
backends: per problem they list backends in order of preference and resolve to the first one that is
installed and accepts the instance.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from schedbench.problems import PROBLEMS, Instance, SchedbenchError
from schedbench.problems.smtt import solution_from_order
from schedbench.registry import Registry
from schedbench.solvers import cpsat, hybrid, mip
from schedbench.solvers.options import SolveOptions
from schedbench.solvers.result import RawResult
from schedbench.solvers.smtt_dp import solve_smtt_dp
from schedbench.solvers.smtt_exact import solve_smtt_exact

Backend = Callable[[Instance, SolveOptions], RawResult]

DP_MAX_JOBS = 20
ALL_PROBLEMS = tuple(PROBLEMS)


@dataclass(frozen=True)
class SolverEntry:
    """One solver name: a backend, or (``prefer``) a choice among other entries, per problem in order.

    ``requires`` lists the modules that must be importable; ``limit(inst)`` says why an instance is out
    of the backend's reach (None when it is not).
    """

    name: str
    problems: tuple[str, ...]
    description: str
    backend: Backend | None = None
    prefer: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    requires: tuple[str, ...] = ()
    limit: Callable[[Instance], str | None] | None = None

    def available(self) -> bool:
        """True when everything the backend needs is installed (a choice is always available)."""
        return all(importlib.util.find_spec(module) is not None for module in self.requires)

    def refusal(self, inst: Instance) -> str | None:
        """Why this entry cannot solve ``inst``, or None if it can."""
        if inst.problem not in self.problems:
            return f"solver {self.name!r} is for {', '.join(self.problems)} only, not {inst.problem}"
        if not self.available():
            missing = [m for m in self.requires if importlib.util.find_spec(m) is None]
            return f"solver {self.name!r} needs {', '.join(missing)} (pip install {' '.join(missing)})"
        return self.limit(inst) if self.limit is not None else None


SOLVER_REGISTRY: Registry[SolverEntry] = Registry("solver")


def list_solvers(problem: str | None = None) -> list[SolverEntry]:
    """The registered solvers (choices first), optionally only those serving ``problem``."""
    return SOLVER_REGISTRY.entries(problem)


def resolve_solver(inst: Instance, solver: str) -> str:
    """The canonical name of the backend that solves ``inst`` for a request (``auto``, ``mip`` or a
    backend's name, any case); a one-line ``SchedbenchError`` when it cannot."""
    entry = SOLVER_REGISTRY.get(solver)
    if entry.backend is None:
        for candidate in entry.prefer.get(inst.problem, ()):
            if SOLVER_REGISTRY.get(candidate).refusal(inst) is None:
                return candidate
        raise SchedbenchError(f"no installed solver of {entry.name!r} serves this {inst.problem} instance")
    reason = entry.refusal(inst)
    if reason is not None:
        raise SchedbenchError(reason, field="solver")
    return entry.name


def backend_of(name: str) -> Backend:
    """The backend registered as ``name`` (a concrete one, as ``resolve_solver`` returns)."""
    backend = SOLVER_REGISTRY.get(name).backend
    if backend is None:
        raise SchedbenchError(
            f"solver {name!r} is a choice; resolve it for an instance first", field="solver"
        )
    return backend


def _dp_limit(inst: Instance) -> str | None:
    if inst.n > DP_MAX_JOBS:
        return f"solver 'dp' handles n <= {DP_MAX_JOBS} jobs, this instance has {inst.n}"
    return None


def _exact_limit(inst: Instance) -> str | None:
    if not inst.equal_weights:
        return "solver 'exact' handles unweighted SMTT only; use cpsat, mip or dp"
    return None


def run_dp(inst: Instance, options: SolveOptions) -> RawResult:
    """Held-Karp DP: always optimal, ignores the time limit (n <= 20 keeps it to seconds)."""
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


def run_exact(inst: Instance, options: SolveOptions) -> RawResult:
    """The exact decomposition solver for unweighted SMTT, within the time limit."""
    res = solve_smtt_exact(inst.processing_times, inst.due_dates, time_limit=options.time_limit)
    bound = None if res.lower_bound is None else int(res.lower_bound)
    has_order = res.order is not None
    return RawResult(
        status="optimal" if res.optimal else ("feasible" if has_order else "unknown"),
        name="exact",
        version="decomposition",
        params={"time_limit": options.time_limit},
        solution=solution_from_order(inst, res.order) if has_order else None,
        objective=None if res.objective is None else int(res.objective),
        bound=bound,
        stats=dict(res.stats or {}),
    )


_MIP_ORDER = ("mip-highs", "mip-cbc")
for _entry in (
    SolverEntry(
        "auto",
        ALL_PROBLEMS,
        f"DP for SMTT n<={DP_MAX_JOBS}, exact decomposition for larger unweighted SMTT, else CP-SAT",
        prefer={"smtt": ("dp", "exact", "cpsat"), "rcpsp": ("cpsat",), "jssp": ("cpsat",)},
    ),
    SolverEntry(
        "cpsat", ALL_PROBLEMS, "CP-SAT (OR-Tools) constraint model", cpsat.run, requires=("ortools",)
    ),
    SolverEntry(
        "hybrid",
        ("jssp",),
        "tabu search (N5) incumbent, CP-SAT from it for the bound, tabu polish; job shop",
        hybrid.solve,  # type: ignore[arg-type]
        requires=("ortools",),
    ),
    SolverEntry(
        "mip",
        ALL_PROBLEMS,
        "MIP: HiGHS if highspy is installed, else CBC",
        prefer=dict.fromkeys(ALL_PROBLEMS, _MIP_ORDER),
    ),
    SolverEntry(
        "mip-cbc",
        ALL_PROBLEMS,
        "MIP (PuLP) solved by CBC",
        functools.partial(mip.run, engine="cbc"),
        requires=("pulp",),
    ),
    SolverEntry(
        "mip-highs",
        ALL_PROBLEMS,
        "MIP (PuLP) solved by HiGHS",
        functools.partial(mip.run, engine="highs"),
        requires=("pulp", "highspy"),
    ),
    SolverEntry(
        "dp", ("smtt",), f"Held-Karp dynamic program, SMTT with n <= {DP_MAX_JOBS}", run_dp, limit=_dp_limit
    ),
    SolverEntry(
        "exact", ("smtt",), "exact decomposition solver, unweighted SMTT", run_exact, limit=_exact_limit
    ),
):
    SOLVER_REGISTRY.register(_entry)
