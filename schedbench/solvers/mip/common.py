"""Shared PuLP plumbing: run CBC or HiGHS with our limits and read status, incumbent and proven bound."""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from schedbench.solvers.options import SolveOptions
from schedbench.solvers.result import RawResult

ENGINES = ("cbc", "highs")


@dataclass
class MipOutcome:
    """What the MIP engine said: status in {optimal, feasible, infeasible, unknown}, the incumbent's
    model objective, the proven bound, and the engine's name and version."""

    status: str
    model_objective: float | None
    bound: int | None
    name: str
    version: str
    params: dict[str, Any]


def to_raw(
    out: MipOutcome,
    read: Callable[[], tuple[dict[str, Any], int]],
    what: str,
    *,
    check_objective: bool = True,
) -> RawResult:
    """The backend answer for a MIP outcome. ``read()`` gives the incumbent's solution dict and its own
    objective, which at a proven optimum must equal the model's (``what`` names it in the message)."""
    raw = RawResult(status=out.status, name=out.name, version=out.version, params=out.params, bound=out.bound)
    raw.infeasible_proven = out.status == "infeasible"
    if out.status in ("optimal", "feasible"):
        raw.solution, raw.objective = read()
        if check_objective and out.status == "optimal" and round(out.model_objective or 0) != raw.objective:
            raw.status = "error"
            raw.message = f"MIP optimum {out.model_objective} differs from its {what} {raw.objective}"
    return raw


def new_var(
    prob: Any, name: str, low: float | None = None, up: float | None = None, cat: str = "Continuous"
) -> Any:
    """A variable attached to `prob` (PuLP >= 3.3 API when present, the classic constructor otherwise)."""
    import pulp

    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, low, up, cat=cat)
    return pulp.LpVariable(name, low, up, cat=cat)


def _stale_start(prob: Any, h: Any) -> bool:
    """True when HiGHS's objective and the objective of the values it returned disagree."""
    import pulp

    if h.getInfo().primal_solution_status != 2:
        return False
    return abs(h.getObjectiveValue() - (pulp.value(prob.objective) or 0.0)) > 1e-6


def _warm_highs_class() -> type:
    """PuLP's HiGHS interface, taught to pass the variables' initial values on as a MIP start."""
    import highspy
    import pulp

    class WarmHiGHS(pulp.HiGHS):
        def callSolver(self, lp: Any) -> None:
            variables = lp.variables()  # HiGHS column order, see pulp's buildSolverModel
            if variables and all(v.varValue is not None for v in variables):
                start = highspy.HighsSolution()
                start.col_value = [float(v.varValue) for v in variables]
                start.value_valid = True
                lp.solverModel.setSolution(start)
            super().callSolver(lp)

    return WarmHiGHS


def _ceil(value: float | None) -> int | None:
    if value is None or not math.isfinite(value):
        return None
    return int(math.ceil(value - 1e-6))


def solve_problem(prob: Any, options: SolveOptions, *, engine: str) -> MipOutcome:
    """Solve a PuLP problem to proven optimality (zero relative gap) or the time limit."""
    import pulp

    time_limit, workers, seed = options.time_limit, options.workers, options.seed
    params = {"engine": engine, "time_limit": time_limit, "workers": workers, "seed": seed}
    if engine == "highs":
        import highspy

        def run(limit: float) -> Any:
            solver = _warm_highs_class()(
                msg=False,
                timeLimit=limit,
                threads=workers,
                gapRel=0.0,
                gapAbs=0.0,
                random_seed=int(seed),
            )
            with _quiet_stdout():
                prob.solve(solver)
            return prob.solverModel

        started = time.perf_counter()
        h = run(time_limit)
        if _stale_start(prob, h):
            # HiGHS can report a better objective than the MIP start yet hand back the start's values;
            # the values are then not its incumbent, so solve again without a start.
            for v in prob.variables():
                v.varValue = None
            h = run(max(1.0, time_limit - (time.perf_counter() - started)))
            if _stale_start(prob, h):
                raise RuntimeError("HiGHS returned values that do not match its objective")
        status = h.getModelStatus()
        info = h.getInfo()
        has_sol = info.primal_solution_status == 2
        objective = h.getObjectiveValue() if has_sol else None
        bound = _ceil(info.mip_dual_bound) if info.mip_dual_bound > -1e30 else None
        name, version = "mip-highs", f"pulp {pulp.__version__}, highspy {_dist_version('highspy')}"
        if status == highspy.HighsModelStatus.kOptimal:
            state = "optimal" if has_sol else "infeasible"
            bound = _ceil(objective) if has_sol else None
        elif status in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            state, objective, bound = "infeasible", None, None
        else:
            state = "feasible" if has_sol else "unknown"
        return MipOutcome(state, objective, bound, name, version, params)

    fd, log_path = tempfile.mkstemp(prefix="schedbench-cbc-", suffix=".log")
    os.close(fd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            solver = pulp.PULP_CBC_CMD(
                msg=False,
                timeLimit=time_limit,
                threads=workers,
                gapRel=0.0,
                logPath=log_path,
                options=[f"randomCbcSeed {int(seed)}"],
                warmStart=any(v.varValue is not None for v in prob.variables()),
            )
        prob.solve(solver)
        with open(log_path, encoding="utf-8", errors="replace") as handle:
            log = handle.read()
    finally:
        os.unlink(log_path)
    name, version = "mip-cbc", f"pulp {pulp.__version__}, cbc {_cbc_version(log)}"
    if prob.status == pulp.LpStatusInfeasible or "proven infeasible" in log.lower():
        return MipOutcome("infeasible", None, None, name, version, params)
    has_sol = prob.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = pulp.value(prob.objective) if has_sol else None
    if objective is None and has_sol:
        objective = 0.0
    if prob.sol_status == pulp.LpSolutionOptimal and has_sol:
        return MipOutcome("optimal", objective, _ceil(objective), name, version, params)
    found = re.findall(r"Lower bound:\s*(-?[0-9.eE+-]+)", log)
    bound = _ceil(float(found[-1])) if found else None
    return MipOutcome("feasible" if has_sol else "unknown", objective, bound, name, version, params)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence native writes to stdout (HiGHS prints a banner before PuLP can switch its log off)."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _cbc_version(log: str) -> str:
    found = re.search(r"Version:\s*(\S+)", log)
    return found.group(1) if found else "?"


def _dist_version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"
