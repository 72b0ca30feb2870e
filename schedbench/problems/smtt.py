"""Single-machine total (weighted) tardiness: data model, validation, verifier and objective."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from schedbench.problems._checks import check_schema, index_names
from schedbench.problems.base import Verification, Violation, instance_dict, solution_dict

PROBLEM = "smtt"


@dataclass(frozen=True, eq=False)
class SmttInstance:
    """Jobs on one machine, processed back to back from time 0; minimise total (weighted) tardiness.

    The arrays are int64 in job order; ``weights`` holds 1 where the data gives no weight.
    """

    name: str
    job_names: tuple[str, ...]
    processing_times: np.ndarray
    due_dates: np.ndarray
    weights: np.ndarray
    weights_given: bool = False  # the data lists weights: they are written back and shown in prompts
    meta: dict[str, Any] = field(default_factory=dict)
    problem: str = PROBLEM

    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.job_names)}

    @property
    def n(self) -> int:
        return len(self.job_names)

    @cached_property
    def equal_weights(self) -> bool:
        """All weights are the same, so the objective is a multiple of plain total tardiness
        (the unweighted solvers and Emmons' dominance apply); True for an instance without weights."""
        return bool(not self.n or (self.weights == self.weights[0]).all())

    def to_dict(self) -> dict[str, Any]:
        jobs = []
        for i, job in enumerate(self.job_names):
            entry: dict[str, Any] = {
                "name": job,
                "processing_time": int(self.processing_times[i]),
                "due_date": int(self.due_dates[i]),
            }
            if self.weights_given:
                entry["weight"] = int(self.weights[i])
            jobs.append(entry)
        return instance_dict(PROBLEM, self.name, {"jobs": jobs}, self.meta)


def from_dict(obj: dict[str, Any]) -> SmttInstance:
    """Build an instance from its JSON object, checking schema and meaning."""
    check_schema(obj, PROBLEM)
    jobs = obj["jobs"]
    names = tuple(job["name"] for job in jobs)
    index_names(names, "jobs")
    return SmttInstance(
        name=obj["name"],
        job_names=names,
        processing_times=np.array([job["processing_time"] for job in jobs], dtype=np.int64),
        due_dates=np.array([job["due_date"] for job in jobs], dtype=np.int64),
        weights=np.array([job.get("weight", 1) for job in jobs], dtype=np.int64),
        weights_given=any("weight" in job for job in jobs),
        meta=dict(obj.get("meta", {})),
    )


_INT64_MAX = 2**63 - 1


def total_tardiness(
    order: Sequence[int] | np.ndarray,
    p: Sequence[int] | np.ndarray,
    d: Sequence[int] | np.ndarray,
    w: Sequence[int] | np.ndarray | None = None,
) -> int:
    """Total (weighted) tardiness of a complete order of job indices run back to back from time 0.

    Exact for any integers: int64 when n * max|w| * (n * max|p| + max|d|) bounds every partial sum
    within it, Python integers otherwise.
    """
    order = np.asarray(order, dtype=np.int64)
    if not order.size:
        return 0
    ps, ds = np.asarray(p, dtype=np.int64)[order], np.asarray(d, dtype=np.int64)[order]
    ws = None if w is None else np.asarray(w, dtype=np.int64)[order]
    n = int(order.size)
    late = n * int(np.abs(ps).max()) + int(np.abs(ds).max())
    if n * (1 if ws is None else int(np.abs(ws).max())) * late <= _INT64_MAX:
        tardiness = np.maximum(np.cumsum(ps) - ds, 0)
        return int(tardiness.sum() if ws is None else np.dot(tardiness, ws))
    completion = total = 0
    weights = [1] * n if ws is None else ws.tolist()
    for pj, dj, wj in zip(ps.tolist(), ds.tolist(), weights):
        completion += pj
        if completion > dj:
            total += (completion - dj) * wj
    return total


def solution_from_order(
    inst: SmttInstance, order: Sequence[int] | np.ndarray, **extra: Any
) -> dict[str, Any]:
    """A solution dict for an order of job indices."""
    return solution_dict(inst.name, {"sequence": [inst.job_names[int(i)] for i in order]}, extra)


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
    objective = None
    if len(order) == inst.n and not violations:
        objective = total_tardiness(order, inst.processing_times, inst.due_dates, inst.weights)
    return Verification(inst.name, not violations, objective, violations)
