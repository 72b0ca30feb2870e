"""Witness schedules and side constraints (downtime, release/deadline windows, disjunctive pairs).

Feasibility by construction: downtime, releases and disjunctive pairs are drawn first, the serial
schedule generation scheme (SGS) of :mod:`schedbench.heuristics.rcpsp_sgs` then plants a witness
schedule that respects all of them together with precedences and capacities, and deadlines are finally
set at or after the witness finish times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from schedbench.problems.rcpsp import RcpspInstance


@dataclass
class Project:
    """The structural part of a ladder instance, index-based."""

    durations: np.ndarray  # (n,)
    capacities: np.ndarray  # (R,)
    demands: np.ndarray  # (n, R)
    edges: list[tuple[int, int]]
    topo: np.ndarray  # a topological order of the tasks


@dataclass
class SideConstraints:
    """Side constraints; all empty in phase ``precedence``."""

    downtime: list[list[tuple[int, int]]]  # per resource, sorted [start, end)
    releases: dict[int, int] = field(default_factory=dict)
    deadlines: dict[int, int] = field(default_factory=dict)
    disjunctive: list[tuple[int, int]] = field(default_factory=list)


def project_instance(project: Project, side: SideConstraints | None = None) -> RcpspInstance:
    """The project (and its side constraints, deadlines left out) as an instance for the shared SGS and
    time windows; tasks and resources are named by index."""
    n, resources = len(project.durations), len(project.capacities)
    releases = np.zeros(n, dtype=np.int64)
    if side is not None:
        for i, release in side.releases.items():
            releases[i] = release
    pairs = np.zeros((0, 2), dtype=np.int64)
    return RcpspInstance(
        name="witness",
        task_names=tuple(str(i) for i in range(n)),
        durations=np.asarray(project.durations, dtype=np.int64),
        resource_names=tuple(str(r) for r in range(resources)),
        capacities=np.asarray(project.capacities, dtype=np.int64),
        demands=np.asarray(project.demands, dtype=np.int64),
        downtime=tuple(tuple(w) for w in side.downtime) if side else ((),) * resources,
        releases=releases,
        deadlines=(None,) * n,
        precedences=np.array(project.edges, dtype=np.int64).reshape(-1, 2),
        disjunctive=np.array(side.disjunctive, dtype=np.int64).reshape(-1, 2) if side else pairs,
    )


def resource_strength(project: Project, es: np.ndarray) -> list[float]:
    """Kolisch's resource strength per resource, with the peak of the earliest-start schedule.

    ``RS = (K - Kmin) / (Kmax - Kmin)``: 0 is as tight as a single task allows, 1 means the
    earliest-start schedule already fits. Resources nobody uses count as 1.
    """
    finish = es + project.durations
    horizon = int(finish.max(initial=0)) + 1
    out = []
    for r, cap in enumerate(project.capacities.tolist()):
        dem = project.demands[:, r]
        k_min = int(dem.max(initial=0))
        profile = np.zeros(horizon + 1, dtype=np.int64)
        np.add.at(profile, es, dem)
        np.add.at(profile, finish, -dem)
        k_max = int(np.cumsum(profile).max(initial=0))
        out.append(1.0 if k_max <= k_min else round((cap - k_min) / (k_max - k_min), 4))
    return out


def draw_downtime(
    rng: np.random.Generator, project: Project, count: int, reach: int, max_length: int
) -> list[list[tuple[int, int]]]:
    """``count`` windows on random used resources, starting in ``[0, reach]``, never touching each other."""
    resources = len(project.capacities)
    used = np.flatnonzero(project.demands.sum(axis=0) > 0)
    windows: list[list[tuple[int, int]]] = [[] for _ in range(resources)]
    if used.size == 0:
        return windows
    placed, tries = 0, 0
    while placed < count and tries < 50 * count:
        tries += 1
        r = int(rng.choice(used))
        start = int(rng.integers(0, reach, endpoint=True))
        end = start + int(rng.integers(1, max_length, endpoint=True))
        if any(start <= e and s <= end for s, e in windows[r]):
            continue
        windows[r].append((start, end))
        placed += 1
    return [sorted(w) for w in windows]


def draw_disjunctive(
    rng: np.random.Generator, project: Project, count: int, desc: list[int]
) -> list[tuple[int, int]]:
    """``count`` pairs of distinct tasks that no precedence path already orders (fewer if none are left)."""
    n = len(project.durations)

    def unordered(a: int, b: int) -> bool:
        return not (desc[a] >> b & 1 or desc[b] >> a & 1)

    pairs: set[tuple[int, int]] = set()
    tries = 0
    while len(pairs) < count and tries < 20 * count and n > 1:
        tries += 1
        a, b = sorted(int(x) for x in rng.choice(n, size=2, replace=False))
        if unordered(a, b):
            pairs.add((a, b))
    if len(pairs) < count:  # rare: few unordered pairs left, so pick among all of them
        rest = [(a, b) for a in range(n) for b in range(a + 1, n) if unordered(a, b) and (a, b) not in pairs]
        take = min(count - len(pairs), len(rest))
        pairs.update(rest[int(k)] for k in rng.choice(len(rest), size=take, replace=False))
    return sorted(pairs)
