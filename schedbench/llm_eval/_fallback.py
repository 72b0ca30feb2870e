"""Tiny built-in heuristics for the baseline server, used when the heuristic registry has none.

SMTT: earliest due date. JSSP: operations in rank order, each as early as its job and machine allow.
RCPSP: serial schedule generation in precedence-respecting index order.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np


def edd(inst: Any) -> dict[str, Any]:
    from schedbench.problems import smtt

    order = np.argsort(inst.due_dates, kind="stable")
    return smtt.solution_from_order(inst, order)


def jssp_greedy(inst: Any) -> dict[str, Any]:
    from schedbench.problems import jssp

    starts = np.zeros(inst.num_operations, dtype=np.int64)
    job_ready = [0] * inst.num_jobs
    machine_ready = [0] * inst.num_machines
    longest = max((len(ops) for ops in inst.operations), default=0)
    for rank in range(longest):
        for j, ops in enumerate(inst.operations):
            if rank < len(ops):
                machine, duration = ops[rank]
                start = max(job_ready[j], machine_ready[machine])
                starts[int(inst.job_offsets[j]) + rank] = start
                job_ready[j] = machine_ready[machine] = start + duration
    return jssp.solution_from_starts(inst, starts)


def _topological_order(n: int, edges: np.ndarray) -> list[int]:
    succ: list[list[int]] = [[] for _ in range(n)]
    indegree = [0] * n
    for a, b in edges:
        succ[int(a)].append(int(b))
        indegree[int(b)] += 1
    ready = [i for i in range(n) if indegree[i] == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for k in succ[i]:
            indegree[k] -= 1
            if indegree[k] == 0:
                heapq.heappush(ready, k)
    return order


def rcpsp_serial_sgs(inst: Any) -> dict[str, Any]:
    """Each task at the earliest time its predecessors, release, resources, downtime and partners allow."""
    from schedbench.problems import rcpsp

    n = inst.num_tasks
    horizon = inst.horizon_upper_bound() + int(inst.durations.sum()) + 1
    capacity = np.tile(inst.capacities, (horizon, 1)).astype(np.int64)
    for r, windows in enumerate(inst.downtime):
        for lo, hi in windows:
            capacity[max(lo, 0) : max(min(hi, horizon), 0), r] = 0
    preds: list[list[int]] = [[] for _ in range(n)]
    for a, b in inst.precedences:
        preds[int(b)].append(int(a))
    partners: list[list[int]] = [[] for _ in range(n)]
    for a, b in inst.disjunctive:
        partners[int(a)].append(int(b))
        partners[int(b)].append(int(a))
    starts = np.full(n, -1, dtype=np.int64)
    for i in _topological_order(n, inst.precedences):
        d = int(inst.durations[i])
        need = inst.demands[i]
        t = max([int(inst.releases[i])] + [int(starts[p] + inst.durations[p]) for p in preds[i]])
        while t + d < horizon:
            window = capacity[t : t + d]
            blocked = [
                k
                for k in partners[i]
                if starts[k] >= 0 and starts[k] < t + d and t < starts[k] + inst.durations[k]
            ]
            if blocked:
                t = max(int(starts[k] + inst.durations[k]) for k in blocked)
                continue
            short = np.flatnonzero((window < need).any(axis=1)) if d else np.array([], dtype=np.int64)
            if short.size == 0:
                break
            t += int(short[-1]) + 1
        starts[i] = t
        capacity[t : t + d] -= need
    starts[starts < 0] = 0
    return rcpsp.solution_from_starts(inst, starts)


BUILTIN = {"smtt": ("edd", edd), "jssp": ("greedy", jssp_greedy), "rcpsp": ("serial-sgs", rcpsp_serial_sgs)}


AUTO = {"smtt": "mddc", "jssp": "mwkr-active", "rcpsp": "lft-serial"}


def pick(spec: str, problem: str) -> str:
    """The rule name for ``problem`` from ``auto``, ``builtin``, one name, or ``rcpsp=lft-serial,smtt=atc``."""
    if "=" in spec:
        choices = dict(part.split("=", 1) for part in spec.split(",") if "=" in part)
        return choices.get(problem, "auto")
    return spec


def solve(inst: Any, heuristic: str = "auto") -> dict[str, Any]:
    """A solution from the registry's rule (``auto``: a good default per problem) or the built-in rule."""
    name = pick(heuristic, inst.problem)
    if name != "builtin":
        try:
            from schedbench.heuristics.registry import get_heuristic
        except ImportError:
            get_heuristic = None
        if get_heuristic is not None:
            return get_heuristic(inst.problem, AUTO[inst.problem] if name == "auto" else name)(inst)
    return BUILTIN[inst.problem][1](inst)
