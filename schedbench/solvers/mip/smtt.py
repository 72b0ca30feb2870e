"""Positional-assignment MIP for SMTT (Keha, Khowala & Fowler 2009) with its SPT valid inequality.

Jobs are indexed in SPT order q_1 <= ... <= q_n (1-based in the formulas). u_jk = 1 puts job j at
position k; gamma_k = sum_{l<=k} sum_j q_j u_jl is the completion time of position k and
C_j >= gamma_k - M (1 - u_jk). The valid inequality: a job at position k has k - 1 jobs before it, at
least the k - 1 shortest others, so C_j >= q_j + sum_{k>=2} pi_jk u_jk with
pi_jk = sum_{i<k} q_i if k <= j, and sum_{i<=k} q_i - q_j if k > j.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedbench.problems.smtt import SmttInstance, solution_from_order, total_tardiness
from schedbench.solvers.cpsat.hints import emmons_precedences, respect_precedences, smtt_heuristic
from schedbench.solvers.mip.common import new_var, solve_problem, to_raw
from schedbench.solvers.options import SolveOptions, hint_array
from schedbench.solvers.result import RawResult


def valid_inequality_coefficients(q: np.ndarray) -> np.ndarray:
    """pi[j, k] (0-based j = SPT rank, k = position) for SPT-sorted processing times q."""
    n = len(q)
    prefix = np.concatenate(([0], np.cumsum(q)))  # prefix[k] = sum of the k shortest
    pi = np.zeros((n, n), dtype=np.int64)
    for j in range(n):
        for k in range(1, n):
            # 0-based position k has k jobs before it: the k shortest others
            pi[j, k] = prefix[k] if k <= j else prefix[k + 1] - q[j]
    return pi


def add_emmons(prob: Any, before: np.ndarray, q: np.ndarray, u: list[list[Any]], c: list[Any]) -> None:
    """Arcs i -> j (SPT ranks): j completes at least p_j after i, at a later position; and every job
    has its known predecessors before it and its known successors after it."""
    import pulp

    n = len(q)
    total = int(q.sum())
    for i, j in zip(*np.nonzero(before)):
        i, j = int(i), int(j)
        prob += c[j] >= c[i] + int(q[j])
        prob += pulp.lpSum(k * u[j][k] for k in range(n)) >= pulp.lpSum(k * u[i][k] for k in range(n)) + 1
    p_before = before.T.astype(np.int64) @ q
    p_after = before.astype(np.int64) @ q
    n_before = before.sum(axis=0)
    n_after = before.sum(axis=1)
    for j in range(n):
        c[j].lowBound = max(int(c[j].lowBound or 0), int(p_before[j] + q[j]))
        c[j].upBound = total - int(p_after[j])
        for k in range(n):
            if k < n_before[j] or k > n - 1 - n_after[j]:
                u[j][k].upBound = 0


def solve(inst: SmttInstance, options: SolveOptions, *, engine: str, use_emmons: bool = True) -> RawResult:
    """Minimise total (weighted) tardiness; the hint (or MDD/EDD heuristic) is the warm start. For
    unweighted instances Emmons' precedences order positions and completion times."""
    import pulp

    n = inst.n
    p = inst.processing_times.astype(np.int64)
    d = inst.due_dates.astype(np.int64)
    w = inst.weights.astype(np.int64)
    spt = np.lexsort((np.arange(n), p))  # spt[r] = job with SPT rank r
    q = p[spt]
    total = int(p.sum())
    pi = valid_inequality_coefficients(q)

    prob = pulp.LpProblem("smtt", pulp.LpMinimize)
    u = [[new_var(prob, f"u{r}_{k}", cat="Binary") for k in range(n)] for r in range(n)]
    c = [new_var(prob, f"c{r}", int(q[r]), total, cat="Integer") for r in range(n)]
    t = [new_var(prob, f"t{r}", 0, None, cat="Integer") for r in range(n)]
    prob += pulp.lpSum(int(w[spt[r]]) * t[r] for r in range(n))
    for r in range(n):
        prob += pulp.lpSum(u[r]) == 1
    for k in range(n):
        prob += pulp.lpSum(u[r][k] for r in range(n)) == 1
    gamma = [new_var(prob, f"g{k}", 0, total) for k in range(n)]
    for k in range(n):
        previous = gamma[k - 1] if k else 0
        prob += gamma[k] == previous + pulp.lpSum(int(q[r]) * u[r][k] for r in range(n))
    top = np.cumsum(np.sort(q)[::-1])  # top[k] bounds gamma_k from above
    for r in range(n):
        for k in range(n):
            prob += c[r] >= gamma[k] - int(top[k] - q[r]) * (1 - u[r][k])
        prob += c[r] >= int(q[r]) + pulp.lpSum(int(pi[r, k]) * u[r][k] for k in range(1, n))
        prob += t[r] >= c[r] - int(d[spt[r]])

    order = smtt_heuristic(inst)
    hint = hint_array(inst, options.hint)
    if hint is not None and total_tardiness(hint, p, d, w) < total_tardiness(order, p, d, w):
        order = np.asarray(hint, dtype=np.int64)
    if use_emmons and n > 1 and inst.equal_weights:
        before = emmons_precedences(q, d[spt])  # over SPT ranks
        add_emmons(prob, before, q, u, c)
        order = spt[respect_precedences(np.argsort(spt)[order], before)]
    rank = np.empty(n, dtype=np.int64)
    rank[spt] = np.arange(n)
    completion = np.cumsum(p[order])
    for k in range(n):
        gamma[k].setInitialValue(int(completion[k]))
    for k, job in enumerate(order):
        r = int(rank[job])
        for kk in range(n):
            u[r][kk].setInitialValue(1 if kk == k else 0)
        c[r].setInitialValue(int(completion[k]))
        t[r].setInitialValue(max(0, int(completion[k] - d[job])))

    out = solve_problem(prob, options, engine=engine)

    def read() -> tuple[dict[str, Any], int]:
        seq = np.empty(n, dtype=np.int64)
        for k in range(n):
            seq[k] = spt[int(np.argmax([u[r][k].varValue or 0 for r in range(n)]))]
        return solution_from_order(inst, seq), total_tardiness(seq, p, d, w)

    return to_raw(out, read, "sequence's tardiness")
