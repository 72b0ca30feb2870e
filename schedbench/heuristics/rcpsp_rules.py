"""RCPSP priority rules, each registered under both schemes: ``<rule>-serial`` and ``<rule>-parallel``.

Priorities come from the precedence network (with releases and deadlines): LFT and LST from a backward
pass, MSLK from both passes, MTS (number of all successors), GRPW (own plus immediate successors'
durations), and a random priority seeded by the instance name. Lowest value goes first, ties by index.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np

from schedbench.heuristics.rcpsp_sgs import parallel_sgs, serial_sgs
from schedbench.heuristics.registry import register
from schedbench.problems.rcpsp import RcpspInstance, solution_from_starts


def time_windows(inst: RcpspInstance) -> tuple[np.ndarray, np.ndarray]:
    """Resource-free earliest starts and latest finishes (horizon: the safe horizon, deadlines kept)."""
    return inst.earliest_starts, inst.latest_finishes(inst.safe_horizon)


def total_successors(inst: RcpspInstance) -> np.ndarray:
    """Number of direct and indirect successors of every task."""
    reach: list[set[int]] = [set() for _ in range(inst.num_tasks)]
    for i in reversed(inst.topological_order):
        for s in inst.successors[i]:
            reach[i].add(s)
            reach[i] |= reach[s]
    return np.array([len(r) for r in reach], dtype=np.int64)


def _lft(inst: RcpspInstance) -> np.ndarray:
    return time_windows(inst)[1]


def _lst(inst: RcpspInstance) -> np.ndarray:
    return time_windows(inst)[1] - inst.durations


def _mslk(inst: RcpspInstance) -> np.ndarray:
    est, lft = time_windows(inst)
    return lft - inst.durations - est


def _mts(inst: RcpspInstance) -> np.ndarray:
    return -total_successors(inst)


def _grpw(inst: RcpspInstance) -> np.ndarray:
    dur = inst.durations
    return -np.array([dur[i] + sum(int(dur[s]) for s in inst.successors[i]) for i in range(inst.num_tasks)])


def _random(inst: RcpspInstance) -> np.ndarray:
    return np.random.default_rng(zlib.crc32(inst.name.encode())).random(inst.num_tasks)


PRIORITIES: dict[str, tuple[str, Callable[[RcpspInstance], np.ndarray]]] = {
    "lft": ("latest finish time first", _lft),
    "lst": ("latest start time first", _lst),
    "mslk": ("minimum slack", _mslk),
    "mts": ("most total successors", _mts),
    "grpw": ("greatest rank positional weight", _grpw),
    "random": ("random priority, seeded by the instance name", _random),
}

SCHEMES = {"serial": serial_sgs, "parallel": parallel_sgs}


def _make(rule: str, scheme: str, description: str, priority: Callable[[RcpspInstance], np.ndarray]) -> None:
    build = SCHEMES[scheme]

    @register("rcpsp", f"{rule}-{scheme}", f"{description} ({scheme} SGS)")
    def run(inst: RcpspInstance) -> dict:
        return solution_from_starts(inst, build(inst, priority(inst)))


for _rule, (_description, _priority) in PRIORITIES.items():
    for _scheme in SCHEMES:
        _make(_rule, _scheme, _description, _priority)
