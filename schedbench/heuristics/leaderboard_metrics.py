"""Leaderboard metrics per rule and group ("all" and each instance class, or each size).

- ``feasible`` / ``feasible_share``: schedules the verifier accepts (failures and violations count against);
- ``mean_gap_pct``: the EDDC/MDDC paper's metric, the mean over feasible results with reference > 0 of
  ``100 (H - ref) / ref``;
- ``ratio_gap_pct``: ``100 (sum H - sum ref) / sum ref`` over feasible results with a reference;
- ``zero_ref_positive``: instances with reference 0 where the rule is above 0;
- ``beats_reference``: instances where the rule is strictly below a reference that claims to be optimal
  (or a lower bound); such a reference is wrong and every gap against it is suspect;
- ``improves_reference``: strictly below a best-known / upper-bound reference (a new best solution);
- ``wins``: instances where the rule has the best objective among all rules (ties count for each);
- ``mean_time_ms``: mean wall time per instance of the rule (building the schedule, not verifying it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from schedbench.datasets.references import CONTRADICTED_KINDS, IMPROVABLE_KINDS, Reference, gap_pct
from schedbench.records.leaderboard import LeaderboardRecord, MetricRow


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _scored(r: LeaderboardRecord) -> bool:
    return r.feasible and r.objective is not None


def summarise(
    records: Sequence[LeaderboardRecord], refs: Mapping[str, Reference], *, by: str = "group"
) -> list[MetricRow]:
    """Rows per (rule, group): ``by="group"`` gives "all" plus each class; ``by="size"`` one per size."""
    best: dict[str, int] = {}
    for r in records:
        if _scored(r) and r.objective is not None:
            best[r.instance] = min(best.get(r.instance, r.objective), r.objective)
    buckets: dict[tuple[str, str | int], list[LeaderboardRecord]] = {}
    rules = list(dict.fromkeys(r.rule for r in records))
    for r in records:
        keys: list[str | int] = ["all", r.labels.group] if by == "group" else [r.labels.size]
        for key in dict.fromkeys(keys):
            buckets.setdefault((r.rule, key), []).append(r)
    groups = list(dict.fromkeys(key for _, key in buckets))
    if by == "size":
        groups.sort()
    rows = []
    for group in groups:
        for rule in rules:
            rs = buckets.get((rule, group))
            if rs:
                rows.append(_row(rule, group, rs, refs, best, by))
    return rows


def _row(
    rule: str,
    group: str | int,
    rs: list[LeaderboardRecord],
    refs: Mapping[str, Reference],
    best: Mapping[str, int],
    by: str,
) -> MetricRow:
    feasible = [r for r in rs if _scored(r)]
    gaps: list[float] = []
    sum_h = sum_ref = 0
    zero_pos = beats = improves = with_ref = 0
    for r in feasible:
        ref = refs.get(r.instance)
        if ref is None or ref.value is None or r.objective is None:
            continue
        h, v = r.objective, ref.value
        with_ref += 1
        sum_h += h
        sum_ref += v
        gap = gap_pct(h, v)
        if gap is not None:
            gaps.append(gap)
        elif h > 0:
            zero_pos += 1
        if h < v:
            beats += ref.kind in CONTRADICTED_KINDS
            improves += ref.kind in IMPROVABLE_KINDS
    return {
        "heuristic": rule,
        ("group" if by == "group" else "size"): group,
        "instances": len(rs),
        "feasible": len(feasible),
        "feasible_share": len(feasible) / len(rs),
        "failures": sum(1 for r in rs if r.error),
        "with_reference": with_ref,
        "mean_gap_pct": _mean(gaps),
        "ratio_gap_pct": 100.0 * (sum_h - sum_ref) / sum_ref if sum_ref > 0 else None,
        "zero_ref_positive": zero_pos,
        "beats_reference": beats,
        "improves_reference": improves,
        "wins": sum(1 for r in feasible if r.objective == best.get(r.instance)),
        "mean_time_ms": 1000.0 * (_mean([r.time_s for r in rs]) or 0.0) if rs else math.nan,
    }


def suspect_references(
    records: Sequence[LeaderboardRecord], refs: Mapping[str, Reference]
) -> list[MetricRow]:
    """Every (instance, rule) where a feasible result is strictly below an optimal/lower-bound claim."""
    out: list[MetricRow] = []
    for r in records:
        ref = refs.get(r.instance)
        if (
            ref is not None
            and ref.value is not None
            and ref.kind in CONTRADICTED_KINDS
            and _scored(r)
            and r.objective is not None
            and r.objective < ref.value
        ):
            out.append(
                {
                    "instance": r.instance,
                    "heuristic": r.rule,
                    "objective": r.objective,
                    "reference": ref.value,
                    "kind": ref.kind.value,
                    "source": ref.source,
                }
            )
    return sorted(out, key=lambda s: (s["instance"], s["objective"], s["heuristic"]))
