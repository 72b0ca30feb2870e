"""Heuristics: classic and LLM-discovered rules for SMTT, job shop and RCPSP, plug-ins and leaderboards.

Every rule returns a solution dict; its score always comes from :func:`schedbench.problems.verify`.
"""

from schedbench.heuristics.registry import (
    HEURISTIC_REGISTRY,
    Heuristic,
    add_heuristic,
    get_heuristic,
    heuristic_solver_info,
    list_heuristics,
    register,
    run_heuristic,
)

__all__ = [
    "HEURISTIC_REGISTRY",
    "Heuristic",
    "add_heuristic",
    "get_heuristic",
    "heuristic_solver_info",
    "list_heuristics",
    "register",
    "run_heuristic",
]
