"""Metrics over per-sample records: F(k) with Wilson intervals, WAUC/AUC, the degradation threshold,
violation shares, gaps, feasible@k, best-of-k and feasible@r.

Conventions (stated in every report): F(k) counts round-0 answers only and leaves ``request_error``
samples out of the denominator (the endpoint failed, not the model); the outcome table shows them.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from statistics import mean, median
from typing import Any

from schedbench.problems.errors import SchedbenchError
from schedbench.records.sample import OUTCOMES

Record = dict[str, Any]


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95% Wilson score interval of a proportion (``(0, 1)`` when n is 0)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _level_key(level: Any) -> tuple[int, float, str]:
    if isinstance(level, (int, float)) and not isinstance(level, bool):
        return 0, float(level), ""
    return 1, 0.0, str(level)


def group_by(records: Iterable[Record], *keys: str) -> dict[tuple, list[Record]]:
    groups: dict[tuple, list[Record]] = defaultdict(list)
    for rec in records:
        groups[tuple(rec.get(k) for k in keys)].append(rec)
    return dict(sorted(groups.items(), key=lambda kv: tuple(_level_key(v) for v in kv[0])))


def outcome_counts(records: list[Record]) -> dict[str, int]:
    counts = Counter(r["outcome"] for r in records)
    return {o: counts.get(o, 0) for o in OUTCOMES}


def feasibility_curve(records: list[Record]) -> list[dict[str, Any]]:
    """F(k) per level with its 95% Wilson interval; request errors are counted but not in n."""
    rows = []
    for (level,), group in group_by(records, "level").items():
        answered = [r for r in group if r["outcome"] != "request_error"]
        k = sum(r["outcome"] == "feasible" for r in answered)
        n = len(answered)
        lo, hi = wilson(k, n)
        rows.append(
            {
                "level": level,
                "n": n,
                "feasible": k,
                "F": k / n if n else None,
                "ci_low": lo,
                "ci_high": hi,
                "request_errors": len(group) - n,
            }
        )
    return rows


def level_weights(levels: list[Any], scheme: str = "k") -> list[float]:
    """Weights per level: ``k`` (w_k = k), ``uniform`` or ``k^2``; non-numeric levels use their rank."""
    values = []
    for rank, level in enumerate(levels, start=1):
        numeric = isinstance(level, (int, float)) and not isinstance(level, bool) and level > 0
        values.append(float(level) if numeric else float(rank))
    if scheme == "k":
        return values
    if scheme == "uniform":
        return [1.0] * len(values)
    if scheme in ("k^2", "k2"):
        return [v * v for v in values]
    raise SchedbenchError(f"unknown weights {scheme!r}; choose k, uniform or k^2", field="--weights")


def wauc(curve: list[dict[str, Any]], scheme: str = "k") -> dict[str, Any]:
    """WAUC = sum w_k F(k) / sum w_k, and AUC = trapezoid area of F over the level range / that range."""
    points = [(row["level"], row["F"]) for row in curve if row["F"] is not None]
    if not points:
        return {"wauc": None, "auc": None, "weights": scheme}
    levels = [p[0] for p in points]
    weights = level_weights(levels, scheme)
    w_auc = sum(w * f for w, (_, f) in zip(weights, points)) / sum(weights)
    xs = level_weights(levels, "k")
    if len(points) == 1 or xs[-1] == xs[0]:
        auc = points[0][1] if len(points) == 1 else mean(f for _, f in points)
    else:
        area = sum(
            (xs[i + 1] - xs[i]) * (points[i][1] + points[i + 1][1]) / 2 for i in range(len(points) - 1)
        )
        auc = area / (xs[-1] - xs[0])
    return {"wauc": w_auc, "auc": auc, "weights": scheme}


def degradation_threshold(curve: list[dict[str, Any]], tau: float = 0.5) -> dict[str, Any]:
    """The first level where F < tau and F stays < tau at the next level too.

    If only the last level is below tau it is reported as ``provisional`` (no next level to confirm).
    """
    points = [(row["level"], row["F"]) for row in curve if row["F"] is not None]
    for i, (level, f) in enumerate(points):
        if f < tau:
            if i + 1 < len(points):
                if points[i + 1][1] < tau:
                    return {"level": level, "tau": tau, "provisional": False}
            else:
                return {"level": None, "tau": tau, "provisional": level}
    return {"level": None, "tau": tau, "provisional": None}


def violation_shares(records: list[Record]) -> list[dict[str, Any]]:
    """Per violation code: how many violations, their share, and the share of infeasible answers hit."""
    infeasible = [r for r in records if r["outcome"] == "infeasible"]
    total: Counter[str] = Counter()
    answers: Counter[str] = Counter()
    for rec in infeasible:
        counts = rec.get("violation_counts") or {}
        total.update(counts)
        answers.update(counts.keys())
    all_violations = sum(total.values())
    return [
        {
            "code": code,
            "violations": count,
            "share_of_violations": count / all_violations,
            "answers": answers[code],
            "share_of_infeasible": answers[code] / len(infeasible),
        }
        for code, count in total.most_common()
    ]


def violations_by_level(records: list[Record]) -> dict[Any, Counter[str]]:
    """Per level, the number of infeasible answers that break each rule."""
    out: dict[Any, Counter[str]] = {}
    for (level,), group in group_by(records, "level").items():
        counter: Counter[str] = Counter()
        for rec in group:
            if rec["outcome"] == "infeasible":
                counter.update((rec.get("violation_counts") or {}).keys())
        out[level] = counter
    return out


def _stats(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0, "mean": None, "median": None, "max": None}
    return {"n": len(values), "mean": mean(values), "median": median(values), "max": max(values)}


def gap_stats(records: list[Record]) -> dict[str, Any]:
    """Gaps (%) of feasible answers to the reference value and to the lower bound."""
    feasible = [r for r in records if r["outcome"] == "feasible"]
    return {
        "feasible": len(feasible),
        "to_reference": _stats([r["gap_pct"] for r in feasible if r.get("gap_pct") is not None]),
        "to_bound": _stats(
            [r["gap_to_bound_pct"] for r in feasible if r.get("gap_to_bound_pct") is not None]
        ),
    }


def _per_instance(records: list[Record]) -> dict[str, list[Record]]:
    out: dict[str, list[Record]] = defaultdict(list)
    for rec in records:
        if rec["outcome"] != "request_error":
            out[rec["instance"]].append(rec)
    for recs in out.values():
        recs.sort(key=lambda r: r["sample"])
    return out


def _by_k(records: list[Record]) -> Iterator[tuple[int, list[list[Record]]]]:
    """For k = 1..K (the most answered samples of an instance): the instances with at least k answered
    samples, each as its answered samples in sample order."""
    per = list(_per_instance(records).values())
    for k in range(1, max((len(recs) for recs in per), default=0) + 1):
        yield k, [recs for recs in per if len(recs) >= k]


def feasible_at_k(records: list[Record]) -> list[dict[str, Any]]:
    """Unbiased feasible@k (as pass@k: 1 - C(n-c, k) / C(n, k)) averaged over instances with n >= k."""
    rows = []
    for k, eligible in _by_k(records):
        values = []
        for recs in eligible:
            n = len(recs)
            c = sum(r["outcome"] == "feasible" for r in recs)
            values.append(1.0 - (math.comb(n - c, k) / math.comb(n, k)))
        rows.append({"k": k, "instances": len(values), "feasible_at_k": mean(values) if values else None})
    return rows


def best_of_k(records: list[Record]) -> list[dict[str, Any]]:
    """Over the first k samples of each instance: share with a feasible answer and the best answer's gap."""
    rows = []
    for k, eligible in _by_k(records):
        covered = 0
        gaps = []
        for recs in eligible:
            feasible = [r for r in recs[:k] if r["outcome"] == "feasible" and r.get("objective") is not None]
            if not feasible:
                continue
            covered += 1
            best = min(feasible, key=lambda r: r["objective"])
            if best.get("gap_pct") is not None:
                gaps.append(best["gap_pct"])
        rows.append(
            {
                "k": k,
                "instances": len(eligible),
                "any_feasible": covered / len(eligible) if eligible else None,
                "best_gap_mean": mean(gaps) if gaps else None,
                "gaps": len(gaps),
            }
        )
    return rows


def feasible_at_round(records: list[Record]) -> list[dict[str, Any]]:
    """feasible@r: share of answered samples feasible by repair round r (round 0 = the model alone)."""
    answered = [r for r in records if r["outcome"] != "request_error"]
    if not answered:
        return []
    rounds = max(
        [len((r.get("repair") or {}).get("rounds", [])) for r in answered] + [0],
    )
    rows = []
    for r in range(rounds + 1):
        solved = sum(
            1
            for rec in answered
            if (rec.get("repair") or {}).get("feasible_round") is not None
            and rec["repair"]["feasible_round"] <= r
        )
        rows.append({"round": r, "n": len(answered), "feasible_at_r": solved / len(answered)})
    return rows


def claim_counts(records: list[Record]) -> dict[str, int]:
    """Claimed objective vs the verifier's: absent, match, mismatch (an arithmetic hallucination), ..."""
    return dict(Counter(r.get("claim_status") for r in records if r.get("claim_status")))


def summarize(records: list[Record], *, tau: float = 0.5, weights: str = "k") -> dict[str, Any]:
    """Every headline metric of one group of records."""
    curve = feasibility_curve(records)
    counts = outcome_counts(records)
    answered = len(records) - counts["request_error"]
    claims = claim_counts(records)
    verifiable = claims.get("match", 0) + claims.get("mismatch", 0)
    return {
        "samples": len(records),
        "outcomes": counts,
        "feasible_rate": counts["feasible"] / answered if answered else None,
        "curve": curve,
        "auc": wauc(curve, weights),
        "threshold": degradation_threshold(curve, tau),
        "violations": violation_shares(records),
        "gaps": gap_stats(records),
        "feasible_at_k": feasible_at_k(records),
        "best_of_k": best_of_k(records),
        "feasible_at_round": feasible_at_round(records),
        "claims": claims,
        "claim_mismatch_rate": claims.get("mismatch", 0) / verifiable if verifiable else None,
    }
