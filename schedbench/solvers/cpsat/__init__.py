"""CP-SAT (OR-Tools) models, one module per problem."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def backend(problem: str) -> Callable[..., Any]:
    """The `solve` function of the CP-SAT model for a problem."""
    return import_module(f"schedbench.solvers.cpsat.{problem}").solve
