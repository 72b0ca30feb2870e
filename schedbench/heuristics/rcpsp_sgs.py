"""Serial and parallel schedule generation schemes for RCPSP with side constraints.

Both honour precedences, renewable capacities, resource downtime (capacity 0 inside a window), release
times and disjunctive pairs by construction. Deadlines cannot be guaranteed by a greedy scheme; a schedule
that misses one is returned as is and the verifier records the violation.

- **serial**: take tasks one at a time in priority order among those whose predecessors are scheduled;
  start each at its earliest feasible time. Reaches every active schedule (an optimal one among them).
- **parallel**: advance a clock over events (finishes, releases, ends of downtime); at each time start,
  in priority order, every eligible task that fits now. Produces non-delay schedules.

``priority`` is an array over tasks; the lowest value goes first, ties by task index.
"""

from __future__ import annotations

import numpy as np

from schedbench.problems.rcpsp import RcpspInstance


class _Profile:
    """Free capacity over time per resource (0 during downtime), plus disjunctive occupation, growing on demand."""

    def __init__(self, inst: RcpspInstance) -> None:
        self.inst = inst
        self.horizon = max(16, inst.safe_horizon + 1)
        self.free = np.repeat(inst.capacities[None, :].astype(np.int64), self.horizon, axis=0)
        for r, windows in enumerate(inst.downtime):
            for a, b in windows:
                self.free[a : min(b, self.horizon), r] = 0
        self.partners: list[list[int]] = [[] for _ in range(inst.num_tasks)]
        for a, b in inst.disjunctive:
            self.partners[int(a)].append(int(b))
            self.partners[int(b)].append(int(a))

    def _grow(self, needed: int) -> None:
        if needed <= self.horizon:
            return
        extra = max(needed - self.horizon, self.horizon)
        tail = np.repeat(self.inst.capacities[None, :].astype(np.int64), extra, axis=0)
        for r, windows in enumerate(self.inst.downtime):
            for a, b in windows:
                lo, hi = max(a, self.horizon), min(b, self.horizon + extra)
                if lo < hi:
                    tail[lo - self.horizon : hi - self.horizon, r] = 0
        self.free = np.concatenate([self.free, tail])
        self.horizon += extra

    def blocked(self, task: int, starts: np.ndarray, scheduled: np.ndarray) -> np.ndarray:
        """Per time unit: True where ``task`` cannot be running (too little capacity or a busy partner)."""
        demand = self.inst.demands[task]
        used = np.flatnonzero(demand)
        bad = (self.free[:, used] < demand[used]).any(axis=1) if used.size else np.zeros(self.horizon, bool)
        for other in self.partners[task]:
            if scheduled[other]:
                s = int(starts[other])
                bad[s : s + int(self.inst.durations[other])] = True
        return bad

    def earliest_fit(self, task: int, earliest: int, starts: np.ndarray, scheduled: np.ndarray) -> int:
        """The first start >= ``earliest`` at which ``task`` fits for its whole duration."""
        dur = int(self.inst.durations[task])
        if dur == 0:
            return earliest
        while True:
            self._grow(earliest + dur + 1)
            bad = self.blocked(task, starts, scheduled).astype(np.int64)
            window = np.concatenate(([0], np.cumsum(bad)))
            counts = window[dur:] - window[:-dur]  # counts[t]: blocked units in [t, t + dur)
            ok = np.flatnonzero(counts[earliest:] == 0)
            if ok.size:
                return earliest + int(ok[0])
            self._grow(2 * self.horizon)

    def fits_at(self, task: int, t: int, starts: np.ndarray, scheduled: np.ndarray) -> bool:
        dur = int(self.inst.durations[task])
        if dur == 0:
            return True
        self._grow(t + dur + 1)
        return not self.blocked(task, starts, scheduled)[t : t + dur].any()

    def book(self, task: int, t: int) -> None:
        dur = int(self.inst.durations[task])
        self._grow(t + dur + 1)
        self.free[t : t + dur] -= self.inst.demands[task]


class _Build:
    """A schedule under construction: the profile, start times, which tasks are in, and per task how many
    predecessors are still out."""

    def __init__(self, inst: RcpspInstance) -> None:
        self.profile = _Profile(inst)
        self.starts = np.zeros(inst.num_tasks, dtype=np.int64)
        self.scheduled = np.zeros(inst.num_tasks, dtype=bool)
        self.waiting = np.array([len(p) for p in inst.predecessors], dtype=np.int64)

    def place(self, task: int, t: int) -> None:
        self.starts[task] = t
        self.scheduled[task] = True
        self.profile.book(task, t)


def serial_sgs(inst: RcpspInstance, priority: np.ndarray) -> np.ndarray:
    """Start times from the serial scheme."""
    n = inst.num_tasks
    preds, succs = inst.predecessors, inst.successors
    build = _Build(inst)
    starts, waiting = build.starts, build.waiting
    rank = np.lexsort((np.arange(n), priority))
    position = np.empty(n, dtype=np.int64)
    position[rank] = np.arange(n)
    eligible = {i for i in range(n) if waiting[i] == 0}
    for _ in range(n):
        task = min(eligible, key=position.__getitem__)
        eligible.discard(task)
        earliest = max([int(inst.releases[task])] + [int(starts[p] + inst.durations[p]) for p in preds[task]])
        build.place(task, build.profile.earliest_fit(task, earliest, starts, build.scheduled))
        for s in succs[task]:
            waiting[s] -= 1
            if waiting[s] == 0:
                eligible.add(s)
    return starts


def parallel_sgs(inst: RcpspInstance, priority: np.ndarray) -> np.ndarray:
    """Start times from the parallel scheme (non-delay over the event times)."""
    n = inst.num_tasks
    build = _Build(inst)
    starts, scheduled, waiting = build.starts, build.scheduled, build.waiting
    ready_at = inst.releases.astype(np.int64).copy()  # max(release, predecessors' finishes) once all are in
    rank = list(np.lexsort((np.arange(n), priority)))
    downtime_ends = sorted({b for windows in inst.downtime for _, b in windows})
    events = {0} | {int(r) for r in inst.releases} | set(downtime_ends)
    t = 0
    remaining = n
    while remaining:
        progress = True
        while progress:  # zero-length tasks can release successors at the same time
            progress = False
            for task in rank:
                task = int(task)
                if scheduled[task] or waiting[task] or ready_at[task] > t:
                    continue
                if build.profile.fits_at(task, t, starts, scheduled):
                    build.place(task, t)
                    remaining -= 1
                    end = t + int(inst.durations[task])
                    events.add(end)
                    progress = progress or end == t
                    for s in inst.successors[task]:
                        waiting[s] -= 1
                        ready_at[s] = max(ready_at[s], end)
        later = [e for e in events if e > t]
        if not later:
            if remaining:  # cannot happen with valid data; fall back rather than loop forever
                t += 1
                events.add(t)
            continue
        t = min(later)
        events = {e for e in events if e >= t}
    return starts
