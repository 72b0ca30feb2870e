"""Single-machine total (weighted) tardiness rules.

Each ``*_order(p, d[, w])`` returns an order of job indices (0-based, input order breaks ties unless
stated otherwise); the registered rules wrap them into solution dicts. EDDC and MDDC follow the code
of the EDDC/MDDC paper (arXiv 2510.24013) step by step, floating-point operations included, because
that code produced the paper's tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from schedbench.heuristics.registry import register
from schedbench.problems.smtt import SmttInstance, solution_from_order


def _arrays(inst: SmttInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return inst.processing_times, inst.due_dates, inst.weights


def edd_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Earliest due date: stable sort by (d, p, index)."""
    return np.lexsort((np.arange(len(p)), p, d))


def spt_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Shortest processing time: stable sort by (p, d, index)."""
    return np.lexsort((np.arange(len(p)), d, p))


def wspt_order(p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted SPT (Smith's rule): ascending p/w; zero weights last; ties by index."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(w > 0, p / np.where(w > 0, w, 1), np.inf)
    return np.lexsort((np.arange(len(p)), ratio))


def _mdd_scores(pu: np.ndarray, du: np.ndarray, t: float) -> np.ndarray:
    return np.maximum(pu + t, du)


def mdd_order(p: np.ndarray, d: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Modified due date (Baker & Bertrand 1982): next is the first job, in index order, minimising
    max(t + p, d); with weights, max(p, d - t) / w (a zero weight counts as 1), which is the same for unit ones."""
    remaining = np.arange(len(p))
    out = np.empty(len(p), dtype=np.int64)
    safe_w = None if w is None else np.maximum(w, 1).astype(np.float64)
    t = 0
    for k in range(len(p)):
        pr, dr = p[remaining], d[remaining]
        if safe_w is None:
            score = _mdd_scores(pr, dr, t)
        else:
            score = np.maximum(pr, dr - t) / safe_w[remaining]
        pos = int(np.argmin(score))
        job = remaining[pos]
        out[k] = job
        t += p[job]
        remaining = np.delete(remaining, pos)
    return out


def adjacent_interchange(
    order: Sequence[int] | np.ndarray, p: np.ndarray, d: np.ndarray, w: np.ndarray | None = None
) -> list[int]:
    """Swap neighbours, pass after pass, while a swap lowers the total (weighted) tardiness; stops at a local
    optimum (each swap lowers the objective, so it ends). Python integers, so exact for any weights."""
    pl, dl = p.tolist(), d.tolist()
    wl = [1] * len(pl) if w is None else w.tolist()
    order = [int(j) for j in order]
    improved = True
    while improved:
        improved = False
        start = 0
        for k in range(len(order) - 1):
            a, b = order[k], order[k + 1]
            end = start + pl[a] + pl[b]
            before = wl[a] * max(0, start + pl[a] - dl[a]) + wl[b] * max(0, end - dl[b])
            after = wl[b] * max(0, start + pl[b] - dl[b]) + wl[a] * max(0, end - dl[a])
            if after < before:
                order[k], order[k + 1] = b, a
                improved = True
            start += pl[order[k]]
    return order


def eddc_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """EDD Challenger: SPT start (ties by d, index), then one conditional adjacent-swap pass toward EDD.

    For i = 1..n-1 with j = i: while j > 0 and d[S[j]] < d[S[j-1]], swap S[j-1], S[j] when d[S[j-1]] exceeds
    T = sum of p over S[0..j-1]; then j -= 1 whether or not a swap happened. T is kept as a running sum.
    """
    order = [int(i) for i in np.lexsort((d, p))]
    pl = [int(x) for x in p]
    dl = [int(x) for x in d]
    prefix = pl[order[0]] if order else 0  # sum of p over order[0..i-1]; pass i only permutes order[0..i]
    for i in range(1, len(order)):
        entering = order[i]
        j, total = i, prefix
        while j > 0 and dl[order[j]] < dl[order[j - 1]]:
            left = order[j - 1]
            if dl[left] > total:
                order[j], order[j - 1] = left, order[j]
            total -= pl[left]  # sum over order[0..j-2], which the swap does not touch
            j -= 1
        prefix += pl[entering]
    return np.array(order, dtype=np.int64)


def _mddc_scores(pu: np.ndarray, du: np.ndarray, t: float) -> np.ndarray:
    """The MDDC urgency of every unscheduled job (same operations, in the same order, as the authors' code)."""
    mu = np.maximum(pu * 1.1 + t, du)
    rho = pu / (t + np.max(pu))
    rho[rho > 1] = 1
    mu *= 1 + (rho**2) / (1 + rho**2)
    mu += pu / (t + np.sum(pu) / len(pu))
    return mu


def mddc_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """MDD Challenger: U sorted by (d, p, index); repeatedly take the first job of U with minimal MDDC urgency."""
    order = np.lexsort((p, d))
    pu, du = p[order], d[order]
    out = np.empty(len(p), dtype=np.int64)
    t = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(len(p)):
            pos = int(np.argmin(_mddc_scores(pu, du, t)))
            out[k] = order[pos]
            t += pu[pos]
            order, pu, du = np.delete(order, pos), np.delete(pu, pos), np.delete(du, pos)
    return out


def augment_step(seq: list[int], p: np.ndarray, d: np.ndarray) -> list[int]:
    """Bean & Hall style augmentation as in the paper's code: move the one earlier job whose move to the end
    of the partial sequence lowers its tardiness most (first such job on ties); keep the sequence otherwise."""
    k = len(seq)
    if k < 2:
        return seq
    s = np.asarray(seq)
    ps, ds = p[s], d[s]
    comp = np.cumsum(ps)
    tard = np.maximum(comp - ds, 0)
    base = int(tard.sum())
    before = np.concatenate(([0], np.cumsum(tard)))[: k - 1]  # tardiness of positions < i
    cand = np.arange(k - 1)
    shifted = comp[None, :] - ps[cand, None] - ds[None, :]  # positions j > i finish p_i earlier
    after = np.where(np.arange(k)[None, :] > cand[:, None], np.maximum(shifted, 0), 0).sum(axis=1)
    moved = np.maximum(comp[-1] - ds[cand], 0)
    trial = before + after + moved
    best = int(np.argmin(trial))
    if trial[best] < base:
        return seq[:best] + seq[best + 1 :] + [seq[best]]
    return seq


def augmented_order(p: np.ndarray, d: np.ndarray, scores) -> np.ndarray:
    """A dispatching rule (``scores(pu, du, t)`` over U in index order) with augmentation after each append."""
    remaining = np.arange(len(p))
    seq: list[int] = []
    t = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        while remaining.size:
            pos = int(np.argmin(scores(p[remaining], d[remaining], t)))
            seq.append(int(remaining[pos]))
            t += p[remaining[pos]]
            remaining = np.delete(remaining, pos)
            seq = augment_step(seq, p, d)
    return np.array(seq, dtype=np.int64)


def augmented_mddc_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Augmented MDDC: U starts sorted by (d, p, index) as in MDDC."""
    order = np.lexsort((p, d))
    return order[augmented_order(p[order], d[order], _mddc_scores)]


def psk_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Panwalkar, Smith & Koulamas (1993), as the paper's code runs it: SPT list (ties by d, index), an active
    job scanned against later jobs; the active job is scheduled when it is already late, when a later job would
    make it late, or when no later job has an earlier due date."""
    unscheduled = [int(i) for i in np.lexsort((d, p))]
    out: list[int] = []
    t = 0
    while unscheduled:
        active = unscheduled[0]
        if len(unscheduled) > 1 and t + p[active] < d[active]:
            for j in unscheduled[1:]:
                if d[active] <= t + p[j]:
                    break
                if d[j] < d[active]:
                    active = j
        out.append(active)
        t += p[active]
        unscheduled.remove(active)
    return np.array(out, dtype=np.int64)


def wilkerson_irwin_order(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Wilkerson & Irwin (1971) adjacent-pair rule, simplified: jobs taken in EDD order are inserted at the end
    of the partial sequence and moved forward past each predecessor a while the pair condition says the
    shorter job should go first: p_b < p_a and start_a + max(p_a, p_b) > max(d_a, d_b).

    This keeps WI's pairwise test and its backward re-examination but not its exact pivot bookkeeping."""
    seq: list[int] = []
    starts: list[int] = []
    for b in (int(i) for i in edd_order(p, d)):
        pos = len(seq)
        seq.append(b)
        starts.append(starts[-1] + int(p[seq[-2]]) if pos else 0)
        while pos > 0:
            a = seq[pos - 1]
            start = starts[pos - 1]
            if p[b] < p[a] and start + max(p[a], p[b]) > max(d[a], d[b]):
                seq[pos - 1], seq[pos] = b, a
                starts[pos] = start + int(p[b])
                pos -= 1
            else:
                break
    return np.array(seq, dtype=np.int64)


def atc_order(p: np.ndarray, d: np.ndarray, w: np.ndarray, k: float = 2.0) -> np.ndarray:
    """Apparent tardiness cost (Vepsalainen & Morton 1987): largest (w/p) exp(-max(d - p - t, 0) / (k p_mean))."""
    remaining = np.arange(len(p))
    pbar = max(float(np.mean(p)) if len(p) else 1.0, 1e-9)
    out = np.empty(len(p), dtype=np.int64)
    t = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        for step in range(len(p)):
            pr, dr, wr = p[remaining], d[remaining], w[remaining]
            slack = np.maximum(dr - pr - t, 0)
            index = np.where(pr > 0, wr / np.where(pr > 0, pr, 1), np.inf) * np.exp(-slack / (k * pbar))
            pos = int(np.argmax(index))
            out[step] = remaining[pos]
            t += pr[pos]
            remaining = np.delete(remaining, pos)
    return out


def _rule(name: str, description: str, order_fn):
    @register("smtt", name, description)
    def rule(inst: SmttInstance) -> dict:
        return solution_from_order(inst, order_fn(*_arrays(inst)))

    return rule


_rule("edd", "earliest due date; ties by p, index", lambda p, d, w: edd_order(p, d))
_rule("spt", "shortest processing time; ties by d, index", lambda p, d, w: spt_order(p, d))
_rule("mdd", "modified due date (Baker & Bertrand)", lambda p, d, w: mdd_order(p, d))
_rule("psk", "Panwalkar-Smith-Koulamas, as in the EDDC/MDDC paper's code", lambda p, d, w: psk_order(p, d))
_rule("wi", "Wilkerson-Irwin adjacent-pair rule (simplified)", lambda p, d, w: wilkerson_irwin_order(p, d))
_rule("eddc", "EDD Challenger (arXiv 2510.24013)", lambda p, d, w: eddc_order(p, d))
_rule("mddc", "MDD Challenger (arXiv 2510.24013)", lambda p, d, w: mddc_order(p, d))
_rule(
    "aug-mdd",
    "MDD with augmentation after each append (paper's code)",
    lambda p, d, w: augmented_order(p, d, _mdd_scores),
)
_rule(
    "aug-mddc",
    "MDDC with augmentation after each append (paper's code)",
    lambda p, d, w: augmented_mddc_order(p, d),
)
_rule("wspt", "weighted shortest processing time (p/w ascending)", lambda p, d, w: wspt_order(p, w))
_rule("atc", "apparent tardiness cost, k = 2", atc_order)
