"""MIP models written with PuLP, solved by CBC (shipped with PuLP) or HiGHS (highspy)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def backend(problem: str) -> Callable[..., Any]:
    """The `solve` function of the MIP model for a problem."""
    return import_module(f"schedbench.solvers.mip.{problem}").solve
