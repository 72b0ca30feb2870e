"""Single-machine total (weighted) tardiness: data model, validation, verifier and objective."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from schedbench.problems._checks import check_schema, index_names
from schedbench.problems.base import INSTANCE_SCHEMA_ID, SOLUTION_SCHEMA_ID, Verification, Violation

PROBLEM = "smtt"


@dataclass(frozen=True, eq=False)
class SmttInstance:
    """Jobs on one machine, processed back to back from time 0; minimise total (weighted) tardiness."""

    name: str
    job_names: tuple[str, ...]
    processing_times: np.ndarray
    due_dates: np.ndarray
    weights: np.ndarray
    weighted: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    problem: str = PROBLEM

    @property
    def n(self) -> int:
        return len(self.job_names)

    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.job_names)}

    def to_dict(self) -> dict[str, Any]:
        jobs = []
        for i, job in enumerate(self.job_names):
            entry: dict[str, Any] = {
                "name": job,
                "processing_time": int(self.processing_times[i]),
                "due_date": int(self.due_dates[i]),
            }
            if self.weighted:
                entry["weight"] = int(self.weights[i])
            jobs.append(entry)
        return {
            "schema": INSTANCE_SCHEMA_ID,
            "problem": PROBLEM,
            "name": self.name,
            "jobs": jobs,
            "meta": self.meta,
        }


def from_dict(obj: dict[str, Any]) -> SmttInstance:
    """Build an instance from its JSON object, checking schema and meaning."""
    check_schema(obj, PROBLEM)
    jobs = obj["jobs"]
    names = tuple(job["name"] for job in jobs)
    index_names(names, "jobs")
    weighted = any("weight" in job for job in jobs)
    return SmttInstance(
        name=obj["name"],
        job_names=names,
        processing_times=np.array([job["processing_time"] for job in jobs], dtype=np.int64),
        due_dates=np.array([job["due_date"] for job in jobs], dtype=np.int64),
        weights=np.array([job.get("weight", 1) for job in jobs], dtype=np.int64),
        weighted=weighted,
        meta=dict(obj.get("meta", {})),
    )


def total_tardiness(inst: SmttInstance, order: Sequence[int] | np.ndarray) -> int:
    """Total (weighted) tardiness of a complete order of job indices."""
    order = np.asarray(order, dtype=np.int64)
    completion = np.cumsum(inst.processing_times[order])
    tardiness = np.maximum(completion - inst.due_dates[order], 0)
    return int(np.dot(tardiness, inst.weights[order]))


def solution_from_order(
    inst: SmttInstance, order: Sequence[int] | np.ndarray, **extra: Any
) -> dict[str, Any]:
    """A solution dict for an order of job indices."""
    return {
        "schema": SOLUTION_SCHEMA_ID,
        "instance": inst.name,
        "sequence": [inst.job_names[int(i)] for i in order],
        **extra,
    }


def verify(inst: SmttInstance, solution: dict[str, Any]) -> Verification:
    """Check a sequence: every job exactly once, nothing unknown; recompute the objective."""
    violations: list[Violation] = []
    sequence = solution.get("sequence")
    if not isinstance(sequence, list):
        violations.append(Violation("malformed", "solution has no 'sequence' list of job names", 1))
        return Verification(inst.name, False, None, violations)
    index = inst.index()
    order: list[int] = []
    seen: set[str] = set()
    for pos, job in enumerate(sequence):
        if not isinstance(job, str) or job not in index:
            violations.append(Violation("unknown", f"position {pos}: unknown job {job!r}", 1, (str(job),)))
        elif job in seen:
            violations.append(Violation("duplicate", f"job {job!r} appears more than once", 1, (job,)))
        else:
            seen.add(job)
            order.append(index[job])
    for job in inst.job_names:
        if job not in seen:
            violations.append(Violation("missing", f"job {job!r} is not in the sequence", 1, (job,)))
    objective = total_tardiness(inst, order) if len(order) == inst.n and not violations else None
    return Verification(inst.name, not violations, objective, violations)
