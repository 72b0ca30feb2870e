"""CP-SAT (OR-Tools) models, one module per problem; ortools is imported only when a model runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schedbench.problems import Instance
from schedbench.solvers.cpsat import jssp, rcpsp, smtt
from schedbench.solvers.options import SolveOptions
from schedbench.solvers.result import RawResult

MODELS: dict[str, Callable[[Any, SolveOptions], RawResult]] = {
    "rcpsp": rcpsp.solve,
    "smtt": smtt.solve,
    "jssp": jssp.solve,
}


def run(inst: Instance, options: SolveOptions) -> RawResult:
    """Solve ``inst`` with the CP-SAT model of its problem."""
    return MODELS[inst.problem](inst, options)
