"""MIP models written with PuLP, solved by CBC (shipped with PuLP) or HiGHS (highspy)."""

from __future__ import annotations

from collections.abc import Callable

from schedbench.problems import Instance
from schedbench.solvers.mip import jssp, rcpsp, smtt
from schedbench.solvers.options import SolveOptions
from schedbench.solvers.result import RawResult

MODELS: dict[str, Callable[..., RawResult]] = {"rcpsp": rcpsp.solve, "smtt": smtt.solve, "jssp": jssp.solve}


def run(inst: Instance, options: SolveOptions, *, engine: str) -> RawResult:
    """Solve ``inst`` with the MIP model of its problem on ``engine`` (``cbc`` or ``highs``)."""
    return MODELS[inst.problem](inst, options, engine=engine)
