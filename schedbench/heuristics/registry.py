"""The heuristic registry: ``(problem, name) -> rule``; every rule returns a solution dict.

Rules never compute their own objective. ``run_heuristic`` returns the rule's solution dict;
scores come from :func:`schedbench.problems.verify`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schedbench import __version__
from schedbench.problems import Instance
from schedbench.records import SolverInfo
from schedbench.registry import Registry, canonical

Rule = Callable[[Any], dict[str, Any]]

_BUILTIN_MODULES = (
    "schedbench.heuristics.smtt_rules",
    "schedbench.heuristics.jssp_rules",
    "schedbench.heuristics.jssp_tabu",
    "schedbench.heuristics.rcpsp_rules",
)


def heuristic_solver_info(name: str, **params: Any) -> dict[str, Any]:
    """The ``solver`` object of a heuristic solution: the rule's name, the schedbench version, parameters."""
    return SolverInfo(name, __version__, params).to_dict()


@dataclass(frozen=True)
class Heuristic:
    """One registered rule: the problem it solves, its name (canonical lower case), a one-line
    description and the function."""

    problem: str
    name: str
    description: str
    func: Rule

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", canonical(self.name))

    @property
    def problems(self) -> tuple[str, ...]:
        return (self.problem,)

    def __call__(self, inst: Instance) -> dict[str, Any]:
        solution = self.func(inst)
        solution.setdefault("solver", heuristic_solver_info(self.name))
        return solution


def _load_builtins() -> None:
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


HEURISTIC_REGISTRY: Registry[Heuristic] = Registry("heuristic", loader=_load_builtins)


def register(problem: str, name: str, description: str = "") -> Callable[[Rule], Rule]:
    """Decorator: register ``func(inst) -> solution dict`` as rule ``name`` for ``problem``."""

    def decorate(func: Rule) -> Rule:
        add_heuristic(
            Heuristic(problem, name, description or (func.__doc__ or "").strip().split("\n")[0], func)
        )
        return func

    return decorate


def add_heuristic(heuristic: Heuristic, *, replace: bool = False) -> None:
    """Add a rule object (plug-ins use this); refuses a duplicate name unless ``replace``."""
    HEURISTIC_REGISTRY.register(heuristic, replace=replace)


def list_heuristics(problem: str | None = None) -> list[Heuristic]:
    """All registered rules (built-in ones included), sorted by problem then name."""
    return sorted(HEURISTIC_REGISTRY.entries(problem), key=lambda h: (h.problem, h.name))


def get_heuristic(problem: str, name: str) -> Heuristic:
    """The rule ``name`` (any case) for ``problem``; a ``SchedbenchError`` listing the known names otherwise."""
    return HEURISTIC_REGISTRY.get(name, problem)


def run_heuristic(inst: Instance, name: str) -> dict[str, Any]:
    """Run rule ``name`` on ``inst`` and return its solution dict (score it with ``verify``)."""
    return get_heuristic(inst.problem, name)(inst)
