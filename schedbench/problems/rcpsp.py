"""Resource-constrained project scheduling with downtime, time windows and disjunctive pairs.

Data model, validation, verifier and makespan. Times are integers; a task with start s and duration p
occupies [s, s + p). Downtime windows are half-open [start, end) intervals in which a resource has
capacity 0.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from schedbench.problems._checks import check_schema, index_names, read_start, verify_starts
from schedbench.problems.base import Verification, Violation, instance_dict, solution_dict
from schedbench.problems.errors import SchedbenchError

PROBLEM = "rcpsp"


@dataclass(frozen=True, eq=False)
class RcpspInstance:
    """Tasks with durations and resource demands, precedences, windows and disjunctive pairs."""

    name: str
    task_names: tuple[str, ...]
    durations: np.ndarray
    resource_names: tuple[str, ...]
    capacities: np.ndarray
    demands: np.ndarray
    downtime: tuple[tuple[tuple[int, int], ...], ...]
    releases: np.ndarray
    deadlines: tuple[int | None, ...]
    precedences: np.ndarray
    disjunctive: np.ndarray
    meta: dict[str, Any] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    problem: str = PROBLEM

    @property
    def num_tasks(self) -> int:
        return len(self.task_names)

    @property
    def num_resources(self) -> int:
        return len(self.resource_names)

    def index(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.task_names)}

    def has_side_constraints(self) -> bool:
        return bool(
            any(self.downtime)
            or self.releases.any()
            or any(d is not None for d in self.deadlines)
            or len(self.disjunctive)
        )

    @cached_property
    def predecessors(self) -> tuple[tuple[int, ...], ...]:
        """Direct predecessors of every task, in input order of the precedences."""
        return _adjacency(self.num_tasks, self.precedences[:, 1], self.precedences[:, 0])

    @cached_property
    def successors(self) -> tuple[tuple[int, ...], ...]:
        """Direct successors of every task, in input order of the precedences."""
        return _adjacency(self.num_tasks, self.precedences[:, 0], self.precedences[:, 1])

    @cached_property
    def topological_order(self) -> tuple[int, ...]:
        """All tasks, each after its predecessors; the smallest index first among ready tasks."""
        return tuple(_kahn(self.num_tasks, self.precedences))

    @cached_property
    def earliest_starts(self) -> np.ndarray:
        """Earliest starts from releases and precedences alone (no resources), read-only."""
        es = self.releases.tolist()
        dur = self.durations.tolist()
        for i in self.topological_order:
            for p in self.predecessors[i]:
                es[i] = max(es[i], es[p] + dur[p])
        out = np.array(es, dtype=np.int64)
        out.flags.writeable = False
        return out

    def latest_finishes(self, horizon: int) -> np.ndarray:
        """Latest finishes from ``horizon``, deadlines and precedences alone (no resources)."""
        lf = [horizon if deadline is None else min(horizon, deadline) for deadline in self.deadlines]
        dur = self.durations.tolist()
        for i in reversed(self.topological_order):
            for s in self.successors[i]:
                lf[i] = min(lf[i], lf[s] - dur[s])
        return np.array(lf, dtype=np.int64)

    @cached_property
    def critical_path_length(self) -> int:
        """The longest chain of releases, durations and precedences: a makespan lower bound."""
        return int((self.earliest_starts + self.durations).max(initial=0))

    @cached_property
    def total_work(self) -> int:
        """Sum of all durations."""
        return int(self.durations.sum())

    @cached_property
    def safe_horizon(self) -> int:
        """A makespan that some optimal schedule keeps to whenever the instance is feasible.

        Let L be the last release or end of downtime. Shift a feasible schedule left until no task can
        start one unit earlier; deadlines still hold. A task that then starts after L is held by the end
        of another task (a predecessor, a disjunctive partner or a resource user), so it ends within L
        plus the durations of a chain of distinct tasks: by L + total work. Deadlines need no term.
        """
        release = int(self.releases.max(initial=0))
        down = max((end for windows in self.downtime for _, end in windows), default=0)
        return max(release, down) + self.total_work

    def to_dict(self) -> dict[str, Any]:
        resources = []
        for r, res in enumerate(self.resource_names):
            entry: dict[str, Any] = {"name": res, "capacity": int(self.capacities[r])}
            if self.downtime[r]:
                entry["downtime"] = [list(w) for w in self.downtime[r]]
            if f"resource:{res}" in self.descriptions:
                entry["description"] = self.descriptions[f"resource:{res}"]
            resources.append(entry)
        tasks = []
        for i, task in enumerate(self.task_names):
            entry = {
                "name": task,
                "duration": int(self.durations[i]),
                "demands": {
                    self.resource_names[r]: int(self.demands[i, r]) for r in np.flatnonzero(self.demands[i])
                },
            }
            if self.releases[i]:
                entry["release"] = int(self.releases[i])
            if self.deadlines[i] is not None:
                entry["deadline"] = self.deadlines[i]
            if f"task:{task}" in self.descriptions:
                entry["description"] = self.descriptions[f"task:{task}"]
            tasks.append(entry)
        body: dict[str, Any] = {}
        if "instance" in self.descriptions:
            body["description"] = self.descriptions["instance"]
        body["resources"] = resources
        body["tasks"] = tasks
        body["precedences"] = [[self.task_names[a], self.task_names[b]] for a, b in self.precedences]
        body["disjunctive"] = [[self.task_names[a], self.task_names[b]] for a, b in self.disjunctive]
        return instance_dict(PROBLEM, self.name, body, self.meta)


def _merge_windows(windows: list[list[int]], field_name: str) -> tuple[tuple[int, int], ...]:
    for k, (start, end) in enumerate(windows):
        if start >= end:
            raise SchedbenchError(f"window [{start}, {end}) is empty", field=f"{field_name}[{k}]")
        if start < 0:
            raise SchedbenchError(f"window starts at {start} < 0", field=f"{field_name}[{k}]")
    merged: list[list[int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((s, e) for s, e in merged)


def _pairs(obj: dict[str, Any], key: str, index: dict[str, int]) -> np.ndarray:
    pairs = obj.get(key, [])
    out = np.zeros((len(pairs), 2), dtype=np.int64)
    for k, (a, b) in enumerate(pairs):
        for side, name in enumerate((a, b)):
            if name not in index:
                raise SchedbenchError(f"unknown task {name!r}", field=f"{key}[{k}][{side}]")
        if a == b:
            raise SchedbenchError(f"task {a!r} is paired with itself", field=f"{key}[{k}]")
        out[k] = (index[a], index[b])
    return out


def _adjacency(n: int, keys: np.ndarray, values: np.ndarray) -> tuple[tuple[int, ...], ...]:
    out: list[list[int]] = [[] for _ in range(n)]
    for k, v in zip(keys.tolist(), values.tolist()):
        out[k].append(v)
    return tuple(tuple(x) for x in out)


def _kahn(num_tasks: int, edges: np.ndarray) -> list[int]:
    """Kahn's order, the smallest index first among ready tasks; shorter than ``num_tasks`` on a cycle."""
    indegree = np.bincount(edges[:, 1], minlength=num_tasks).tolist() if len(edges) else [0] * num_tasks
    order = np.argsort(edges[:, 0], kind="stable")
    heads = edges[order, 1].tolist()
    starts = np.searchsorted(edges[order, 0], np.arange(num_tasks + 1)).tolist()
    ready = [i for i in range(num_tasks) if indegree[i] == 0]
    out: list[int] = []
    while ready:
        node = heapq.heappop(ready)
        out.append(node)
        for succ in heads[starts[node] : starts[node + 1]]:
            indegree[succ] -= 1
            if indegree[succ] == 0:
                heapq.heappush(ready, succ)
    return out


def find_cycle(num_tasks: int, edges: np.ndarray) -> list[int] | None:
    """Task indices on one precedence cycle, or None when the graph is acyclic."""
    if len(edges) == 0 or len(_kahn(num_tasks, edges)) == num_tasks:
        return None
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_edges_from(map(tuple, edges.tolist()))
    return [int(u) for u, _ in nx.find_cycle(graph)]


def from_dict(obj: dict[str, Any]) -> RcpspInstance:
    """Build an instance from its JSON object, checking schema and meaning."""
    check_schema(obj, PROBLEM)
    resources = obj["resources"]
    tasks = obj["tasks"]
    res_names = tuple(r["name"] for r in resources)
    res_index = index_names(res_names, "resources")
    task_names = tuple(t["name"] for t in tasks)
    task_index = index_names(task_names, "tasks")
    capacities = np.array([r["capacity"] for r in resources], dtype=np.int64)
    demands = np.zeros((len(tasks), len(resources)), dtype=np.int64)
    descriptions: dict[str, str] = {}
    if "description" in obj:
        descriptions["instance"] = obj["description"]
    for i, task in enumerate(tasks):
        for res, amount in task.get("demands", {}).items():
            if res not in res_index:
                raise SchedbenchError(f"unknown resource {res!r}", field=f"tasks[{i}].demands.{res}")
            r = res_index[res]
            if amount > capacities[r]:
                raise SchedbenchError(
                    f"demand {amount} exceeds the capacity {capacities[r]} of {res!r}",
                    field=f"tasks[{i}].demands.{res}",
                )
            demands[i, r] = amount
        if "description" in task:
            descriptions[f"task:{task['name']}"] = task["description"]
    downtime = tuple(
        _merge_windows(r.get("downtime", []), f"resources[{k}].downtime") for k, r in enumerate(resources)
    )
    for r in resources:
        if "description" in r:
            descriptions[f"resource:{r['name']}"] = r["description"]
    precedences = _pairs(obj, "precedences", task_index)
    cycle = find_cycle(len(tasks), precedences)
    if cycle is not None:
        names = " -> ".join(task_names[i] for i in [*cycle, cycle[0]])
        raise SchedbenchError(f"precedence cycle {names}", field="precedences")
    return RcpspInstance(
        name=obj["name"],
        task_names=task_names,
        durations=np.array([t["duration"] for t in tasks], dtype=np.int64),
        resource_names=res_names,
        capacities=capacities,
        demands=demands,
        downtime=downtime,
        releases=np.array([t.get("release", 0) for t in tasks], dtype=np.int64),
        deadlines=tuple(t.get("deadline") for t in tasks),
        precedences=precedences,
        disjunctive=_pairs(obj, "disjunctive", task_index),
        meta=dict(obj.get("meta", {})),
        descriptions=descriptions,
    )


def makespan(inst: RcpspInstance, starts: np.ndarray) -> int:
    """Latest finish time of a complete start vector."""
    return int(np.max(starts + inst.durations)) if inst.num_tasks else 0


def solution_from_starts(
    inst: RcpspInstance, starts: Sequence[int] | np.ndarray, **extra: Any
) -> dict[str, Any]:
    """A solution dict from start times in task index order."""
    return solution_dict(
        inst.name, {"starts": {task: int(s) for task, s in zip(inst.task_names, starts)}}, extra
    )


def _read_starts(inst: RcpspInstance, raw: dict[str, Any], violations: list[Violation]) -> np.ndarray | None:
    index = inst.index()
    starts = np.zeros(inst.num_tasks, dtype=np.int64)
    complete = True
    for task, value in raw.items():
        i = index.get(task)
        if i is None:
            violations.append(Violation("unknown", f"unknown task {task!r}", 1, (str(task),)))
            continue
        start = read_start(value, (task,), violations)
        if start is None:
            complete = False
        else:
            starts[i] = start
    for task in inst.task_names:
        if task not in raw:
            violations.append(Violation("missing", f"task {task!r} has no start", 1, (task,)))
            complete = False
    return starts if complete else None


def _check_precedences(
    inst: RcpspInstance, starts: np.ndarray, ends: np.ndarray, out: list[Violation]
) -> None:
    before, after = inst.precedences[:, 0], inst.precedences[:, 1]
    deficit = ends[before] - starts[after]
    for k in np.flatnonzero(deficit > 0):
        a, b = inst.task_names[before[k]], inst.task_names[after[k]]
        out.append(
            Violation(
                "precedence",
                f"{b!r} starts at {starts[after[k]]} before {a!r} ends at {ends[before[k]]}",
                int(deficit[k]),
                (a, b),
                at=(int(starts[after[k]]), int(ends[before[k]])),
            )
        )


def _check_windows(inst: RcpspInstance, starts: np.ndarray, ends: np.ndarray, out: list[Violation]) -> None:
    for i in np.flatnonzero(starts < inst.releases):
        out.append(
            Violation(
                "release",
                f"{inst.task_names[i]!r} starts at {starts[i]} before its release {inst.releases[i]}",
                int(inst.releases[i] - starts[i]),
                (inst.task_names[i],),
                at=(int(starts[i]), int(inst.releases[i])),
            )
        )
    for task, deadline in enumerate(inst.deadlines):
        if deadline is not None and ends[task] > deadline:
            out.append(
                Violation(
                    "deadline",
                    f"{inst.task_names[task]!r} ends at {ends[task]} after its deadline {deadline}",
                    int(ends[task] - deadline),
                    (inst.task_names[task],),
                    at=(int(deadline), int(ends[task])),
                )
            )


def _check_disjunctive(
    inst: RcpspInstance, starts: np.ndarray, ends: np.ndarray, out: list[Violation]
) -> None:
    a, b = inst.disjunctive[:, 0], inst.disjunctive[:, 1]
    overlap = np.minimum(ends[a], ends[b]) - np.maximum(starts[a], starts[b])
    for k in np.flatnonzero(overlap > 0):
        x, y = inst.task_names[a[k]], inst.task_names[b[k]]
        out.append(
            Violation(
                "disjunctive",
                f"{x!r} [{starts[a[k]]}, {ends[a[k]]}) and {y!r} [{starts[b[k]]}, {ends[b[k]]}) "
                f"must not overlap; they do by {overlap[k]}",
                int(overlap[k]),
                (x, y),
                at=(int(max(starts[a[k]], starts[b[k]])), int(min(ends[a[k]], ends[b[k]]))),
            )
        )


def _check_resources(inst: RcpspInstance, starts: np.ndarray, ends: np.ndarray, out: list[Violation]) -> None:
    for r in range(inst.num_resources):
        _check_resource(inst, r, starts, ends, out)


def _check_resource(
    inst: RcpspInstance, r: int, starts: np.ndarray, ends: np.ndarray, out: list[Violation]
) -> None:
    demand = inst.demands[:, r]
    users = np.flatnonzero((demand > 0) & (inst.durations > 0))
    if not users.size:
        return
    resource = inst.resource_names[r]
    windows = inst.downtime[r]
    if windows:
        w_start = np.array([w[0] for w in windows], dtype=np.int64)
        w_end = np.array([w[1] for w in windows], dtype=np.int64)
        first = np.searchsorted(w_end, starts[users], side="right")
        candidates = first < len(windows)
        hit = np.zeros(users.size, dtype=bool)
        hit[candidates] = w_start[first[candidates]] < ends[users[candidates]]
        for u, k in zip(users[hit], first[hit]):
            overlap, hits, first_hit = 0, [], k
            while k < len(windows) and w_start[k] < ends[u]:
                overlap += int(min(ends[u], w_end[k]) - max(starts[u], w_start[k]))
                hits.append(f"[{w_start[k]}, {w_end[k]})")
                k += 1
            out.append(
                Violation(
                    "downtime",
                    f"{inst.task_names[u]!r} [{starts[u]}, {ends[u]}) uses {resource!r} during its downtime "
                    f"{', '.join(hits)}",
                    overlap,
                    (inst.task_names[u], resource),
                    at=(int(max(starts[u], w_start[first_hit])), int(min(ends[u], w_end[k - 1]))),
                    resource=resource,
                )
            )

    capacity = int(inst.capacities[r])
    times = np.concatenate([starts[users], ends[users]])
    deltas = np.concatenate([demand[users], -demand[users]])
    order = np.lexsort((deltas, times))
    times, usage = times[order], np.cumsum(deltas[order])
    last = np.append(times[1:] != times[:-1], True)
    times, usage = times[last], usage[last]
    over = usage > capacity
    if not over.any():
        return
    edges = np.diff(np.concatenate([[False], over, [False]]).astype(np.int8))
    for begin, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        lo, hi = int(times[begin]), int(times[stop])
        active = users[(starts[users] < hi) & (ends[users] > lo)]
        peak = int(usage[begin:stop].max())
        out.append(
            Violation(
                "capacity",
                f"{resource!r} is used {peak} > capacity {capacity} during [{lo}, {hi})",
                peak - capacity,
                (resource, *(inst.task_names[i] for i in active)),
                at=(lo, hi),
                resource=resource,
            )
        )


def verify(inst: RcpspInstance, solution: dict[str, Any]) -> Verification:
    """Check every constraint; list every violation; recompute the makespan."""
    checks = (_check_precedences, _check_windows, _check_disjunctive, _check_resources)
    return verify_starts(inst, solution, "task -> start", _read_starts, inst.durations, checks, makespan)
