"""Quick constructive schedules used as solver hints and horizons, plus safe horizons and SMTT dominance.

These are private helpers for the exact models: every schedule they return is re-verified before a model
trusts it as an upper bound.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# ---------------------------------------------------------------- RCPSP


def rcpsp_safe_horizon(inst: Any) -> int:
    """A horizon that contains some optimal schedule whenever the instance is feasible.

    After every release, deadline and downtime window all resources are free for good, so the tasks still
    running after that point can be re-run one by one; hence an optimal schedule ends by this time.
    """
    ends = [0, int(inst.releases.max(initial=0))]
    ends += [int(dl) for dl in inst.deadlines if dl is not None]
    ends += [int(end) for windows in inst.downtime for _, end in windows]
    return max(ends) + int(inst.durations.sum())


def _graph(n: int, precedences: np.ndarray) -> tuple[list[list[int]], list[list[int]]]:
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for a, b in precedences:
        preds[int(b)].append(int(a))
        succs[int(a)].append(int(b))
    return preds, succs


def topological_order(n: int, succs: list[list[int]], preds: list[list[int]]) -> list[int]:
    """Kahn's order, smallest index first among ready tasks."""
    indeg = [len(p) for p in preds]
    ready = [i for i in range(n) if indeg[i] == 0]
    order: list[int] = []
    while ready:
        ready.sort(reverse=True)
        i = ready.pop()
        order.append(i)
        for j in succs[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                ready.append(j)
    return order


def rcpsp_earliest_starts(inst: Any) -> np.ndarray:
    """Earliest starts from releases and precedences alone."""
    n = len(inst.task_names)
    preds, succs = _graph(n, inst.precedences)
    es = inst.releases.astype(np.int64).copy()
    for i in topological_order(n, succs, preds):
        for j in succs[i]:
            es[j] = max(es[j], es[i] + inst.durations[i])
    return es


def rcpsp_latest_finishes(inst: Any, horizon: int) -> np.ndarray:
    """Latest finishes from the horizon, deadlines and precedences alone."""
    n = len(inst.task_names)
    preds, succs = _graph(n, inst.precedences)
    lf = np.full(n, horizon, dtype=np.int64)
    for i, dl in enumerate(inst.deadlines):
        if dl is not None:
            lf[i] = min(lf[i], dl)
    for i in reversed(topological_order(n, succs, preds)):
        for j in succs[i]:
            lf[i] = min(lf[i], lf[j] - inst.durations[j])
    return lf


def rcpsp_serial_sgs(inst: Any, priority: np.ndarray, horizon: int) -> np.ndarray | None:
    """Serial schedule generation: the eligible task with the lowest priority value goes first, as early as
    resources, downtime, releases and disjunctive partners allow. None if something does not fit."""
    n = len(inst.task_names)
    dur = inst.durations
    preds, succs = _graph(n, inst.precedences)
    free = np.repeat(inst.capacities.astype(np.int64)[:, None], horizon, axis=1)
    for r, windows in enumerate(inst.downtime):
        for a, b in windows:
            free[r, max(a, 0) : min(b, horizon)] = 0
    partners: list[list[int]] = [[] for _ in range(n)]
    for a, b in inst.disjunctive:
        partners[int(a)].append(int(b))
        partners[int(b)].append(int(a))
    starts = np.full(n, -1, dtype=np.int64)
    missing = [len(p) for p in preds]
    eligible = [i for i in range(n) if missing[i] == 0]
    while eligible:
        i = min(eligible, key=lambda k: (priority[k], k))
        eligible.remove(i)
        used = np.nonzero(inst.demands[i])[0]
        t = max([int(inst.releases[i])] + [int(starts[k] + dur[k]) for k in preds[i]])
        d = int(dur[i])
        while True:
            if t + d > horizon:
                return None
            if d == 0:
                break
            window = free[used, t : t + d] < inst.demands[i, used][:, None]
            if window.any():
                t += int(np.nonzero(window.any(axis=0))[0].max()) + 1
                continue
            clash = [
                int(starts[k] + dur[k])
                for k in partners[i]
                if starts[k] >= 0 and starts[k] < t + d and t < starts[k] + dur[k] and dur[k] > 0
            ]
            if clash:
                t = max(clash)
                continue
            break
        starts[i] = t
        if d:
            free[used, t : t + d] -= inst.demands[i, used][:, None]
        for j in succs[i]:
            missing[j] -= 1
            if missing[j] == 0:
                eligible.append(j)
    if (starts < 0).any():
        return None
    return starts


def rcpsp_heuristic(inst: Any, horizon: int) -> np.ndarray | None:
    """Best of a few priority rules (latest finish, latest start, most successors) in the serial SGS,
    preferring schedules that meet every deadline."""
    n = len(inst.task_names)
    lf = rcpsp_latest_finishes(inst, horizon)
    rules = [lf, lf - inst.durations]
    _, succs = _graph(n, inst.precedences)
    rules.append(-np.array([len(s) for s in succs], dtype=np.int64))
    best: np.ndarray | None = None
    best_key: tuple[int, int] | None = None
    for rule in rules:
        starts = rcpsp_serial_sgs(inst, rule, horizon)
        if starts is None:
            continue
        ends = starts + inst.durations
        late = sum(max(0, int(ends[i]) - int(dl)) for i, dl in enumerate(inst.deadlines) if dl is not None)
        key = (late, int(ends.max(initial=0)))
        if best_key is None or key < best_key:
            best, best_key = starts, key
    return best


# ---------------------------------------------------------------- JSSP


def jssp_giffler_thompson(inst: Any) -> np.ndarray:
    """An active schedule by Giffler-Thompson with the most-work-remaining rule (flat job-major starts)."""
    offsets = inst.job_offsets
    dur = inst.op_duration
    mach = inst.op_machine
    n_jobs = len(inst.job_names)
    starts = np.zeros(int(offsets[-1]), dtype=np.int64)
    next_op = offsets[:-1].astype(np.int64).copy()
    job_ready = np.zeros(n_jobs, dtype=np.int64)
    machine_ready = np.zeros(max(int(inst.num_machines), 1), dtype=np.int64)
    remaining = np.array([int(dur[offsets[j] : offsets[j + 1]].sum()) for j in range(n_jobs)], dtype=np.int64)
    active = [j for j in range(n_jobs) if next_op[j] < offsets[j + 1]]
    while active:
        est = {j: max(job_ready[j], machine_ready[mach[next_op[j]]]) for j in active}
        j_star = min(active, key=lambda j: (est[j] + dur[next_op[j]], j))
        m_star = mach[next_op[j_star]]
        cutoff = est[j_star] + dur[next_op[j_star]]
        conflict = [j for j in active if mach[next_op[j]] == m_star and est[j] < cutoff]
        j = max(conflict, key=lambda k: (remaining[k], -k))
        op = next_op[j]
        starts[op] = est[j]
        end = est[j] + dur[op]
        job_ready[j] = end
        machine_ready[m_star] = end
        remaining[j] -= dur[op]
        next_op[j] += 1
        if next_op[j] >= offsets[j + 1]:
            active.remove(j)
    return starts


# ---------------------------------------------------------------- SMTT


def jssp_incumbent(inst: Any, hint: np.ndarray | None) -> tuple[np.ndarray, int]:
    """Flat start times of the better of a Giffler-Thompson schedule and the hint, and its makespan (the horizon)."""
    dur = inst.op_duration.astype(np.int64)
    incumbent = jssp_giffler_thompson(inst)
    if hint is not None and (hint + dur).max(initial=0) < (incumbent + dur).max(initial=0):
        incumbent = np.asarray(hint, dtype=np.int64)
    return incumbent, int((incumbent + dur).max(initial=0))


def smtt_cost(p: np.ndarray, d: np.ndarray, w: np.ndarray, order: np.ndarray) -> int:
    completion = np.cumsum(p[order])
    return int(np.dot(np.maximum(completion - d[order], 0), w[order]))


def smtt_mdd_order(p: np.ndarray, d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted modified due date: repeatedly take the job minimising max(p_j, d_j - C) / w_j."""
    n = len(p)
    left = np.ones(n, dtype=bool)
    order = np.empty(n, dtype=np.int64)
    t = 0
    safe_w = np.maximum(w, 1).astype(np.float64)
    for k in range(n):
        score = np.maximum(p, d - t) / safe_w
        score = np.where(left, score, np.inf)
        j = int(np.argmin(score))
        order[k] = j
        left[j] = False
        t += int(p[j])
    return order


def smtt_improve(
    p: np.ndarray, d: np.ndarray, w: np.ndarray, order: np.ndarray, max_passes: int = 50
) -> np.ndarray:
    """Adjacent pairwise interchange until no swap helps (bounded number of passes)."""
    order = order.copy()
    n = len(order)
    for _ in range(max_passes):
        improved = False
        t = 0
        for k in range(n - 1):
            a, b = int(order[k]), int(order[k + 1])
            before = w[a] * max(0, t + p[a] - d[a]) + w[b] * max(0, t + p[a] + p[b] - d[b])
            after = w[b] * max(0, t + p[b] - d[b]) + w[a] * max(0, t + p[a] + p[b] - d[a])
            if after < before:
                order[k], order[k + 1] = b, a
                improved = True
                t += int(p[b])
            else:
                t += int(p[a])
        if not improved:
            break
    return order


def smtt_heuristic(p: np.ndarray, d: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Best of MDD and EDD, each polished by adjacent interchanges."""
    candidates = [smtt_mdd_order(p, d, w), np.lexsort((np.arange(len(p)), p, d))]
    polished = [smtt_improve(p, d, w, o) for o in candidates]
    return min(polished, key=lambda o: smtt_cost(p, d, w, o))


def emmons_precedences(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Emmons' first theorem for unweighted SMTT, applied to a fixpoint with transitive closure.

    If p_i <= p_j and d_i <= max(d_j, p(B_j) + p_j), where B_j are the jobs already known to precede j,
    some optimal sequence has i before j. Ties in p are only used in (d, index) order so that the derived
    arcs never contradict each other. Returns a boolean matrix `before[i, j]`.
    """
    n = len(p)
    p = p.astype(np.int64)
    d = d.astype(np.int64)
    idx = np.arange(n)
    shorter = (p[:, None] < p[None, :]) | (
        (p[:, None] == p[None, :])
        & ((d[:, None] < d[None, :]) | ((d[:, None] == d[None, :]) & (idx[:, None] < idx[None, :])))
    )
    before = np.zeros((n, n), dtype=bool)
    while True:
        p_before = before.T.astype(np.int64) @ p  # p(B_j)
        cond = shorter & (d[:, None] <= np.maximum(d[None, :], p_before[None, :] + p[None, :]))
        cond &= ~before & ~before.T
        added = False
        for i, j in zip(*np.nonzero(cond)):
            if before[i, j] or before[j, i]:
                continue
            rows = before[:, i].copy()
            rows[i] = True
            cols = before[j, :].copy()
            cols[j] = True
            before[np.ix_(rows, cols)] = True
            added = True
        if not added:
            return before


def respect_precedences(order: np.ndarray, before: np.ndarray) -> np.ndarray:
    """The order, repaired so that every arc `before[i, j]` holds: repeatedly take the first job in the
    given order whose known predecessors are all placed."""
    remaining = [int(j) for j in order]
    placed = np.zeros(len(order), dtype=bool)
    out: list[int] = []
    while remaining:
        for k, j in enumerate(remaining):
            if placed[before[:, j]].all():
                out.append(remaining.pop(k))
                placed[j] = True
                break
        else:  # a cycle cannot come from emmons_precedences; keep the rest as given
            out += remaining
            break
    return np.array(out, dtype=np.int64)
