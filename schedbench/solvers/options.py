"""``SolveOptions``: the one set of knobs every solver backend takes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from schedbench.problems import Instance, SchedbenchError

MODES = ("optimize", "feasibility")


@dataclass(frozen=True)
class SolveOptions:
    """Limits and choices for one solve, checked once when built.

    ``time_limit`` is wall seconds, ``workers`` solver threads, ``deterministic_time`` a CP-SAT
    deterministic limit for repeatable runs. ``mode="feasibility"`` (RCPSP) stops at the first schedule.
    ``hint`` is a solution dict; the front door drops it unless it verifies.
    """

    time_limit: float = 10.0
    workers: int = 1
    seed: int = 0
    deterministic_time: float | None = None
    mode: str = "optimize"
    hint: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if not _positive(self.time_limit):
            raise SchedbenchError(
                f"time limit must be a positive number of seconds, got {self.time_limit}", field="time_limit"
            )
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise SchedbenchError(
                f"workers must be an integer of at least 1, got {self.workers}", field="workers"
            )
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise SchedbenchError(f"seed must be an integer, got {self.seed!r}", field="seed")
        if self.deterministic_time is not None and not _positive(self.deterministic_time):
            raise SchedbenchError(
                f"deterministic time must be positive, got {self.deterministic_time}",
                field="deterministic_time",
            )
        if self.mode not in MODES:
            raise SchedbenchError(f"unknown mode {self.mode!r}; known: {', '.join(MODES)}", field="mode")
        if self.hint is not None and not isinstance(self.hint, Mapping):
            raise SchedbenchError("hint must be a solution object", field="hint")


def _positive(value: object) -> bool:
    return (
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0
    )


def hint_array(inst: Instance, hint: Mapping[str, Any] | None) -> np.ndarray | None:
    """Index form of a (verified) hint: an SMTT order of job indices, else start times, job-major for JSSP."""
    if hint is None:
        return None
    if inst.problem == "smtt":
        index = inst.index()
        return np.array([index[j] for j in hint["sequence"]], dtype=np.int64)
    if inst.problem == "rcpsp":
        return np.array([int(hint["starts"][t]) for t in inst.task_names], dtype=np.int64)
    return np.array([int(s) for job in inst.job_names for s in hint["starts"][job]], dtype=np.int64)
