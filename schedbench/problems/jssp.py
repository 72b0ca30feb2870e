"""Job shop: data model, validation, verifier and makespan."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from schedbench.problems._checks import check_schema, index_names, read_start, verify_starts
from schedbench.problems.base import Verification, Violation, instance_dict, solution_dict
from schedbench.problems.errors import SchedbenchError

PROBLEM = "jssp"


@dataclass(frozen=True, eq=False)
class JsspInstance:
    """Jobs that visit machines in a fixed order; one operation per machine at a time; minimise makespan."""

    name: str
    num_machines: int
    job_names: tuple[str, ...]
    operations: tuple[tuple[tuple[int, int], ...], ...]
    op_job: np.ndarray
    op_machine: np.ndarray
    op_duration: np.ndarray
    job_offsets: np.ndarray
    due_dates: tuple[int | None, ...] = ()
    weights: tuple[int | None, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    problem: str = PROBLEM

    @property
    def num_operations(self) -> int:
        return int(self.job_offsets[-1])

    @property
    def num_jobs(self) -> int:
        return len(self.job_names)

    def index(self) -> dict[str, int]:
        return {name: j for j, name in enumerate(self.job_names)}

    @cached_property
    def job_heads(self) -> np.ndarray:
        """Per operation: the work of its job before it (its earliest start by job order alone), read-only."""
        return _read_only(self._job_work_to_end(reverse=False))

    @cached_property
    def job_tails(self) -> np.ndarray:
        """Per operation: the work of its job after it, read-only."""
        return _read_only(self._job_work_to_end(reverse=True))

    def _job_work_to_end(self, *, reverse: bool) -> np.ndarray:
        dur = self.op_duration[::-1] if reverse else self.op_duration
        job = self.op_job[::-1] if reverse else self.op_job
        inclusive = np.cumsum(dur)
        if len(dur):  # restart the running sum at each job
            first = np.flatnonzero(np.concatenate(([True], job[1:] != job[:-1])))
            inclusive -= np.repeat(inclusive[first] - dur[first], np.diff(np.append(first, len(dur))))
        out = inclusive - dur
        return out[::-1].copy() if reverse else out

    def to_dict(self) -> dict[str, Any]:
        jobs = []
        for j, job in enumerate(self.job_names):
            entry: dict[str, Any] = {
                "name": job,
                "operations": [{"machine": m, "duration": p} for m, p in self.operations[j]],
            }
            if self.due_dates and self.due_dates[j] is not None:
                entry["due_date"] = self.due_dates[j]
            if self.weights and self.weights[j] is not None:
                entry["weight"] = self.weights[j]
            jobs.append(entry)
        return instance_dict(PROBLEM, self.name, {"machines": self.num_machines, "jobs": jobs}, self.meta)


def from_dict(obj: dict[str, Any]) -> JsspInstance:
    """Build an instance from its JSON object, checking schema and meaning."""
    check_schema(obj, PROBLEM)
    m = obj["machines"]
    jobs = obj["jobs"]
    names = tuple(job["name"] for job in jobs)
    index_names(names, "jobs")
    operations = []
    for j, job in enumerate(jobs):
        ops = []
        for k, op in enumerate(job["operations"]):
            if op["machine"] >= m:
                raise SchedbenchError(
                    f"machine {op['machine']} out of range 0..{m - 1}",
                    field=f"jobs[{j}].operations[{k}].machine",
                )
            ops.append((op["machine"], op["duration"]))
        operations.append(tuple(ops))
    lengths = [len(ops) for ops in operations]
    offsets = np.zeros(len(jobs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = [op for ops in operations for op in ops]
    return JsspInstance(
        name=obj["name"],
        num_machines=m,
        job_names=names,
        operations=tuple(operations),
        op_job=np.repeat(np.arange(len(jobs), dtype=np.int64), lengths),
        op_machine=np.array([op[0] for op in flat], dtype=np.int64),
        op_duration=np.array([op[1] for op in flat], dtype=np.int64),
        job_offsets=offsets,
        due_dates=tuple(job.get("due_date") for job in jobs),
        weights=tuple(job.get("weight") for job in jobs),
        meta=dict(obj.get("meta", {})),
    )


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def makespan(inst: JsspInstance, starts: np.ndarray) -> int:
    """Makespan of flat (job-major) operation start times."""
    if inst.num_operations == 0:
        return 0
    return int(np.max(starts + inst.op_duration))


def lower_bound(inst: JsspInstance) -> int:
    """A makespan lower bound: the longer of the longest job and the most loaded machine."""
    dur = inst.op_duration.astype(np.int64)
    if not len(dur):
        return 0
    jobs = inst.job_heads + inst.job_tails + dur
    machines = np.zeros(inst.num_machines, dtype=np.int64)
    np.add.at(machines, inst.op_machine, dur)  # exact, unlike bincount's float weights
    return int(max(jobs.max(initial=0), machines.max(initial=0)))


def solution_from_starts(inst: JsspInstance, starts: np.ndarray, **extra: Any) -> dict[str, Any]:
    """A solution dict from flat (job-major) operation start times."""
    starts = np.asarray(starts, dtype=np.int64)
    per_job = {
        job: [int(s) for s in starts[inst.job_offsets[j] : inst.job_offsets[j + 1]]]
        for j, job in enumerate(inst.job_names)
    }
    return solution_dict(inst.name, {"starts": per_job}, extra)


def _read_starts(inst: JsspInstance, raw: dict[str, Any], violations: list[Violation]) -> np.ndarray | None:
    index = inst.index()
    starts = np.zeros(inst.num_operations, dtype=np.int64)
    complete = True
    for job in raw:
        if job not in index:
            violations.append(Violation("unknown", f"unknown job {job!r}", 1, (str(job),)))
    for j, job in enumerate(inst.job_names):
        expected = inst.job_offsets[j + 1] - inst.job_offsets[j]
        values = raw.get(job)
        if values is None:
            violations.append(Violation("missing", f"job {job!r} has no start times", int(expected), (job,)))
            complete = False
            continue
        if not isinstance(values, list):
            violations.append(Violation("malformed", f"starts of job {job!r} is not a list", 1, (job,)))
            complete = False
            continue
        if len(values) < expected:
            violations.append(
                Violation(
                    "missing",
                    f"job {job!r} has {len(values)} start times for {expected} operations",
                    int(expected - len(values)),
                    (job,),
                )
            )
            complete = False
        elif len(values) > expected:
            violations.append(
                Violation(
                    "unknown",
                    f"job {job!r} has {len(values)} start times for {expected} operations",
                    int(len(values) - expected),
                    (job,),
                )
            )
        for k, value in enumerate(values[:expected]):
            start = read_start(value, (job, f"op{k}"), violations, what="start")
            if start is None:
                complete = False
            else:
                starts[inst.job_offsets[j] + k] = start
    return starts if complete else None


def _check_operation_order(
    inst: JsspInstance, starts: np.ndarray, ends: np.ndarray, out: list[Violation]
) -> None:
    """Consecutive operations of the same job must not overlap."""
    same_job = inst.op_job[1:] == inst.op_job[:-1]
    late = np.flatnonzero(same_job & (starts[1:] < ends[:-1]))
    for i in late:
        j = int(inst.op_job[i])
        k = int(i - inst.job_offsets[j])
        job = inst.job_names[j]
        out.append(
            Violation(
                "operation_order",
                f"job {job!r}: operation {k + 1} starts at {starts[i + 1]} before operation {k} ends at {ends[i]}",
                int(ends[i] - starts[i + 1]),
                (job,),
                at=(int(starts[i + 1]), int(ends[i])),
            )
        )


def _check_machines(inst: JsspInstance, starts: np.ndarray, ends: np.ndarray, out: list[Violation]) -> None:
    """Every pair of operations with positive duration that share a machine and overlap."""
    busy = np.flatnonzero(inst.op_duration > 0)
    if busy.size < 2:
        return
    order = busy[np.lexsort((starts[busy], inst.op_machine[busy]))]
    # (machine, time) pairs as one sortable key: machines and times are replaced by their ranks, so the key
    # stays below 2 n^2 however large the machine indices and times are
    times = np.unique(np.concatenate([starts[order], ends[order]]))
    _, machine_rank = np.unique(inst.op_machine[order], return_inverse=True)
    row = machine_rank.astype(np.int64) * len(times)
    key = row + np.searchsorted(times, starts[order])
    first_free = np.searchsorted(key, row + np.searchsorted(times, ends[order]), side="left")
    positions = np.arange(order.size)
    for pos in np.flatnonzero(first_free > positions + 1):
        a = order[pos]
        for b in order[pos + 1 : first_free[pos]]:
            out.append(_overlap(inst, int(a), int(b), starts, ends))


def _overlap(inst: JsspInstance, a: int, b: int, starts: np.ndarray, ends: np.ndarray) -> Violation:
    def label(op: int) -> str:
        j = int(inst.op_job[op])
        return f"{inst.job_names[j]}/op{op - int(inst.job_offsets[j])}"

    amount = int(min(ends[a], ends[b]) - max(starts[a], starts[b]))
    machine = int(inst.op_machine[a])
    return Violation(
        "machine_overlap",
        f"machine {machine}: {label(a)} [{starts[a]}, {ends[a]}) overlaps {label(b)} [{starts[b]}, {ends[b]}) by {amount}",
        amount,
        (inst.job_names[int(inst.op_job[a])], inst.job_names[int(inst.op_job[b])]),
        at=(int(max(starts[a], starts[b])), int(min(ends[a], ends[b]))),
        resource=str(machine),
    )


def verify(inst: JsspInstance, solution: dict[str, Any]) -> Verification:
    """Check operation order within jobs and one operation at a time per machine; recompute makespan."""
    checks = (_check_operation_order, _check_machines)
    return verify_starts(
        inst, solution, "job -> [start, ...]", _read_starts, inst.op_duration, checks, makespan
    )
