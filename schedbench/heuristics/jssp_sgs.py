"""Giffler-Thompson schedule generation for the job shop, active and non-delay.

Both schemes keep one candidate per unfinished job (its next operation) and schedule one operation per step
at its earliest start:

- **active** (Giffler & Thompson 1960): find the candidate with the smallest earliest completion C* (first
  job on ties) and its machine m*; the conflict set is the candidates on m* that can start before C*.
  Every active schedule is reachable, the optimum among them.
- **non-delay**: the conflict set is every candidate that can start at the smallest earliest start s*.
  No machine ever idles while an operation could run on it; the optimum may be unreachable, but rules
  usually score better than under the active scheme.

A rule chooses from the conflict set: ``choose(cand_ops, state) -> scores`` where the lowest score wins
and ties go to the lower job index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from schedbench.problems.jssp import JsspInstance

SCHEMES = ("active", "nondelay")


@dataclass
class SgsState:
    """What a rule may look at when choosing among the conflict set (arrays over all operations or jobs)."""

    inst: JsspInstance
    time: int  # the decision time: earliest start of the conflict set
    earliest_start: np.ndarray  # per operation, valid for candidates
    job_ready: np.ndarray  # per job: completion of its previous operation
    remaining_work: np.ndarray  # per operation: its duration plus all later ones of its job
    remaining_ops: np.ndarray  # per operation: how many operations of its job are left, itself included
    flow_due: np.ndarray  # per operation: sum of durations of its job up to and including it
    rng: np.random.Generator


ScoreFn = Callable[[np.ndarray, SgsState], np.ndarray]


def job_tail_arrays(inst: JsspInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per operation: remaining work (incl. itself), remaining operation count (incl.), cumulative work (incl.)."""
    dur = inst.op_duration
    count = inst.job_offsets[inst.op_job + 1] - np.arange(len(dur))
    return inst.job_tails + dur, count, inst.job_heads + dur


def giffler_thompson(inst: JsspInstance, score: ScoreFn, scheme: str = "active", seed: int = 0) -> np.ndarray:
    """Flat (job-major) start times built by the chosen scheme, picking from each conflict set by ``score``."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}")
    n_jobs = inst.num_jobs
    offsets = inst.job_offsets
    machine, duration = inst.op_machine, inst.op_duration
    starts = np.zeros(inst.num_operations, dtype=np.int64)
    next_op = offsets[:-1].copy()
    job_end = offsets[1:]
    job_ready = np.zeros(n_jobs, dtype=np.int64)
    machine_ready = np.zeros(inst.num_machines, dtype=np.int64)
    work, count, flow = job_tail_arrays(inst)
    earliest = np.zeros(inst.num_operations, dtype=np.int64)
    state = SgsState(inst, 0, earliest, job_ready, work, count, flow, np.random.default_rng(seed))
    jobs = np.flatnonzero(next_op < job_end)
    while jobs.size:
        ops = next_op[jobs]
        est = np.maximum(job_ready[jobs], machine_ready[machine[ops]])
        if scheme == "active":
            ect = est + duration[ops]
            k = int(np.argmin(ect))
            conflict = (machine[ops] == machine[ops[k]]) & (est < ect[k])
            if duration[ops[k]] == 0:  # a zero-length operation: nothing can start before it ends
                conflict = np.arange(len(ops)) == k
        else:
            conflict = est == est.min()
        cand_ops, cand_est = ops[conflict], est[conflict]
        earliest[cand_ops] = cand_est
        state.time = int(cand_est.min())
        scores = np.asarray(score(cand_ops, state), dtype=float)
        pick = int(np.lexsort((inst.op_job[cand_ops], scores))[0])
        op, start = int(cand_ops[pick]), int(cand_est[pick])
        job = int(inst.op_job[op])
        starts[op] = start
        end = start + int(duration[op])
        job_ready[job] = end
        machine_ready[machine[op]] = end
        next_op[job] += 1
        if next_op[job] >= job_end[job]:
            jobs = jobs[jobs != job]
    return starts
