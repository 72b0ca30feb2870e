"""The tables of `llm report` as data: (header, rows) per table, raw values, one row per group.

Rendering them (terminal, Markdown, CSV, PNG) is `schedbench.reports.llm`.
"""

from __future__ import annotations

from schedbench.datasets.jsonl import JsonValue
from schedbench.llm_eval.metrics import feasibility_curve, group_by, outcome_counts, summarize
from schedbench.llm_eval.records import Run

Row = list[JsonValue]
Table = tuple[list[str], list[Row]]


def build_tables(runs: list[Run], *, tau: float, weights: str) -> dict[str, Table]:
    """Every table as (header, rows) with raw values, keyed by file stem."""
    outcomes_rows: list[Row] = []
    curve_rows: list[Row] = []
    summary_rows: list[Row] = []
    violation_rows: list[Row] = []
    k_rows: list[Row] = []
    round_rows: list[Row] = []
    for run in runs:
        label, records = run.label, run.rows()
        for (problem, level, family, rendering), group in group_by(
            records, "problem", "level", "family", "rendering"
        ).items():
            c = outcome_counts(group)
            outcomes_rows.append([label, problem, level, family, rendering, len(group), *c.values()])
        for (problem, family), group in group_by(records, "problem", "family").items():
            for row in feasibility_curve(group):
                curve_rows.append(
                    [
                        label,
                        problem,
                        family,
                        row["level"],
                        row["n"],
                        row["feasible"],
                        row["F"],
                        row["ci_low"],
                        row["ci_high"],
                    ]
                )
        for (problem,), group in group_by(records, "problem").items():
            s = summarize(group, tau=tau, weights=weights)
            th = s["threshold"]
            k_last = s["feasible_at_k"][-1] if s["feasible_at_k"] else {}
            b_last = s["best_of_k"][-1] if s["best_of_k"] else {}
            summary_rows.append(
                [
                    label,
                    problem,
                    s["samples"],
                    s["feasible_rate"],
                    s["auc"]["wauc"],
                    s["auc"]["auc"],
                    th["level"]
                    if th["level"] is not None
                    else (f">{th['provisional']}?" if th["provisional"] else "none"),
                    s["gaps"]["to_reference"]["mean"],
                    s["gaps"]["to_bound"]["mean"],
                    s["claims"].get("mismatch", 0),
                    s["claim_mismatch_rate"],
                    k_last.get("k"),
                    k_last.get("feasible_at_k"),
                    b_last.get("best_gap_mean"),
                ]
            )
            for v in s["violations"]:
                violation_rows.append(
                    [
                        label,
                        problem,
                        v["code"],
                        v["violations"],
                        v["share_of_violations"],
                        v["answers"],
                        v["share_of_infeasible"],
                    ]
                )
            for kr, br in zip(s["feasible_at_k"], s["best_of_k"]):
                k_rows.append(
                    [
                        label,
                        problem,
                        kr["k"],
                        kr["instances"],
                        kr["feasible_at_k"],
                        br["any_feasible"],
                        br["best_gap_mean"],
                    ]
                )
            for rr in s["feasible_at_round"]:
                round_rows.append([label, problem, rr["round"], rr["n"], rr["feasible_at_r"]])
    return {
        "outcomes": (
            [
                "run",
                "problem",
                "level",
                "family",
                "rendering",
                "samples",
                "feasible",
                "infeasible",
                "parse_error",
                "request_error",
            ],
            outcomes_rows,
        ),
        "feasibility": (
            ["run", "problem", "family", "level", "n", "feasible", "F", "ci95_low", "ci95_high"],
            curve_rows,
        ),
        "summary": (
            [
                "run",
                "problem",
                "samples",
                "feasible_rate",
                f"WAUC(w={weights})",
                "AUC",
                f"threshold(tau={tau})",
                "gap_ref_%",
                "gap_bound_%",
                "claim_mismatch",
                "claim_mismatch_rate",
                "K",
                "feasible@K",
                "best_of_K_gap_%",
            ],
            summary_rows,
        ),
        "violations": (
            ["run", "problem", "code", "violations", "share_of_violations", "answers", "share_of_infeasible"],
            violation_rows,
        ),
        "feasible_at_k": (
            ["run", "problem", "k", "instances", "feasible@k", "any_feasible_first_k", "best_gap_%"],
            k_rows,
        ),
        "repair_rounds": (["run", "problem", "round", "n", "feasible@r"], round_rows),
    }


def levels_collapsed(header: list[str], rows: list[Row]) -> Table:
    """The outcome table summed over levels (the terminal shows this; the files keep every level)."""
    level = header.index("level")
    keys = [i for i in range(len(header)) if i != level and i < header.index("samples")]
    totals: dict[tuple[JsonValue, ...], list[int]] = {}
    for row in rows:
        key = tuple(row[i] for i in keys)
        counts = totals.setdefault(key, [0] * (len(header) - header.index("samples")))
        for j, value in enumerate(row[header.index("samples") :]):
            counts[j] += value
    return [header[i] for i in keys] + header[header.index("samples") :], [
        [*key, *counts] for key, counts in totals.items()
    ]
