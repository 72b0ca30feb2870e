"""Witness schedules and side constraints (downtime, release/deadline windows, disjunctive pairs).

Feasibility by construction: downtime, releases and disjunctive pairs are drawn first, a serial
schedule generation scheme (SGS) then plants a witness schedule that respects all of them together
with precedences and capacities, and deadlines are finally set at or after the witness finish times.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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


def earliest_starts(project: Project) -> np.ndarray:
    """Earliest starts under precedences alone (no resources)."""
    n = len(project.durations)
    preds: list[list[int]] = [[] for _ in range(n)]
    for i, j in project.edges:
        preds[j].append(i)
    es = np.zeros(n, dtype=np.int64)
    d = project.durations
    for j in project.topo.tolist():
        if preds[j]:
            es[j] = max(es[i] + d[i] for i in preds[j])
    return es


def latest_starts(project: Project, horizon: int) -> np.ndarray:
    """Latest starts under precedences alone for a project ending by ``horizon``."""
    n = len(project.durations)
    succs: list[list[int]] = [[] for _ in range(n)]
    for i, j in project.edges:
        succs[i].append(j)
    d = project.durations
    ls = horizon - d.copy()
    for i in reversed(project.topo.tolist()):
        if succs[i]:
            ls[i] = min(ls[j] for j in succs[i]) - d[i]
    return ls


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


def serial_sgs(project: Project, priority: np.ndarray, side: SideConstraints) -> np.ndarray:
    """Serial SGS: tasks in precedence-feasible order of ``priority``, each at its earliest feasible start.

    Respects precedences, capacities, downtime, releases and disjunctive pairs (deadlines are set from
    the result). Always succeeds: every task can wait until all downtime and all other tasks are over.
    """
    n = len(project.durations)
    d = project.durations
    dem = project.demands
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for i, j in project.edges:
        preds[j].append(i)
        succs[i].append(j)
    partners: list[list[int]] = [[] for _ in range(n)]
    for a, b in side.disjunctive:
        partners[a].append(b)
        partners[b].append(a)
    late = max([0, *side.releases.values()] + [e for w in side.downtime for _, e in w])
    horizon = late + int(d.sum()) + 1
    free = np.repeat(project.capacities[:, None], horizon, axis=1).astype(np.int64)
    for r, windows in enumerate(side.downtime):
        for s, e in windows:
            free[r, s:e] = 0
    start = np.full(n, -1, dtype=np.int64)
    waiting = np.array([len(p) for p in preds])
    eligible = [i for i in range(n) if waiting[i] == 0]
    while eligible:
        i = min(eligible, key=lambda t: (priority[t], t))
        eligible.remove(i)
        est = max([side.releases.get(i, 0)] + [int(start[p] + d[p]) for p in preds[i]])
        start[i] = _first_fit(
            free, dem[i], int(d[i]), est, [(start[p], start[p] + d[p]) for p in partners[i] if start[p] >= 0]
        )
        free[:, start[i] : start[i] + d[i]] -= dem[i][:, None]
        for j in succs[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                eligible.append(j)
    return start


def _first_fit(
    free: np.ndarray, demand: np.ndarray, duration: int, est: int, busy: list[tuple[int, int]]
) -> int:
    if duration == 0:
        return est
    used = demand > 0
    ok = (free[used] >= demand[used][:, None]).all(axis=0)
    for s, e in busy:
        ok[s:e] = False
    bad = np.concatenate(([0], np.cumsum(~ok[est:])))
    window_bad = bad[duration:] - bad[:-duration]
    fits = np.flatnonzero(window_bad == 0)
    if fits.size == 0:  # cannot happen with the horizon of serial_sgs; kept as a loud guard
        raise RuntimeError("serial SGS ran past its horizon")
    return est + int(fits[0])
