"""The heuristic registry: ``(problem, name) -> rule``; every rule returns a solution dict.

Rules never compute their own objective. ``run_heuristic`` returns the rule's solution dict;
scores come from :func:`schedbench.problems.verify`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from schedbench.problems import SchedbenchError

Rule = Callable[[Any], dict[str, Any]]

_BUILTIN_MODULES = (
    "schedbench.heuristics.smtt_rules",
    "schedbench.heuristics.jssp_rules",
    "schedbench.heuristics.jssp_tabu",
    "schedbench.heuristics.rcpsp_rules",
)


@dataclass(frozen=True)
class Heuristic:
    """One registered rule: the problem it solves, its name, a one-line description and the function."""

    problem: str
    name: str
    description: str
    func: Rule

    def __call__(self, inst: Any) -> dict[str, Any]:
        solution = self.func(inst)
        solution.setdefault("solver", f"heuristic:{self.name}")
        return solution


_REGISTRY: dict[tuple[str, str], Heuristic] = {}
_loaded = False


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
    key = (heuristic.problem, heuristic.name)
    if key in _REGISTRY and not replace and _REGISTRY[key].func is not heuristic.func:
        raise SchedbenchError(f"heuristic {heuristic.name!r} is already registered for {heuristic.problem}")
    _REGISTRY[key] = heuristic


def _load_builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        for module in _BUILTIN_MODULES:
            importlib.import_module(module)


def list_heuristics(problem: str | None = None) -> list[Heuristic]:
    """All registered rules (built-in ones included), sorted by problem then name."""
    _load_builtins()
    rules = [h for (p, _), h in _REGISTRY.items() if problem is None or p == problem]
    return sorted(rules, key=lambda h: (h.problem, h.name))


def get_heuristic(problem: str, name: str) -> Heuristic:
    """The rule ``name`` for ``problem``; a ``SchedbenchError`` listing the known names otherwise."""
    _load_builtins()
    try:
        return _REGISTRY[(problem, name)]
    except KeyError:
        known = ", ".join(h.name for h in list_heuristics(problem)) or "none"
        raise SchedbenchError(f"unknown {problem} heuristic {name!r}; known: {known}") from None


def run_heuristic(inst: Any, name: str) -> dict[str, Any]:
    """Run rule ``name`` on ``inst`` and return its solution dict (score it with ``verify``)."""
    return get_heuristic(inst.problem, name)(inst)
