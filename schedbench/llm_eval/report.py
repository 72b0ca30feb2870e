"""`schedbench llm report`: terminal tables (rich), Markdown, CSV and PNG plots for one or more runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from schedbench.llm_eval.metrics import (
    feasibility_curve,
    group_by,
    outcome_counts,
    summarize,
    violations_by_level,
)
from schedbench.problems.errors import SchedbenchError


def load_run(run_dir: str | Path) -> tuple[str, dict[str, Any], list[dict[str, Any]]]:
    """(label, manifest, records) of a run directory; the label is ``model@dir``."""
    run = Path(run_dir)
    samples = run / "samples.jsonl"
    if not samples.exists():
        raise SchedbenchError(
            "no samples.jsonl here; is this a RUN_DIR of `schedbench llm eval`?", source=str(run)
        )
    records = []
    for line in samples.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # torn last line of a killed run
    manifest_path = run / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    model = manifest.get("config", {}).get("model") or (records[0].get("model") if records else "?")
    return f"{model}@{run.name}", manifest, records


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def build_tables(
    runs: list[tuple[str, dict[str, Any], list[dict[str, Any]]]], *, tau: float, weights: str
) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Every table as (header, rows) with raw values, keyed by file stem."""
    outcomes_rows, curve_rows, summary_rows, violation_rows, k_rows, round_rows = [], [], [], [], [], []
    for label, _, records in runs:
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


_NOTES = {
    "outcomes": "Round-0 outcome of every sample.",
    "feasibility": "F(k): share of feasible round-0 answers per level, request errors excluded; 95% Wilson intervals.",
    "summary": (
        "WAUC = sum_k w_k F(k) / sum_k w_k with the stated weights; AUC = trapezoid area under F over the level "
        "range divided by that range. Threshold: first level with F < tau at it and at the next level "
        "('>k?' = only the last level k is below tau). Gaps (%) are over feasible answers. claim_mismatch counts "
        "answers whose claimed objective differs from the verifier's."
    ),
    "violations": "Over infeasible answers: violations per type and the share of infeasible answers with that type.",
    "feasible_at_k": "feasible@k: unbiased estimator 1 - C(n-c,k)/C(n,k); best-of-k over the first k samples.",
    "repair_rounds": "feasible@r: feasible by repair round r; round 0 is the model alone, later rounds are the loop.",
}


_PER_LEVEL_NOTE = " Summed over levels here; outcomes.csv and report.md have one row per level."


def _print(
    console: Any, name: str, header: list[str], rows: list[list[Any]], note: str | None = None
) -> None:
    from rich.table import Table

    table = Table(title=name, caption=note or _NOTES[name], caption_justify="left")
    for col in header:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_fmt(v) for v in row))
    console.print(table)


def _markdown(
    tables: dict[str, tuple[list[str], list[list[Any]]]], labels: list[str], weights: str, tau: float
) -> str:
    lines = [
        "# LLM evaluation report",
        "",
        f"Runs: {', '.join(labels)}. WAUC weights: {weights}; tau = {tau}.",
        "",
    ]
    for name, (header, rows) in tables.items():
        lines += [
            f"## {name}",
            "",
            _NOTES[name],
            "",
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
        ]
        lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines)


def _plots(runs: list[tuple[str, dict[str, Any], list[dict[str, Any]]]], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    return [_plot_curves(plt, MaxNLocator, runs, out), _plot_violations(plt, runs, out)]


def _plot_curves(plt: Any, locator: Any, runs: list, out: Path) -> Path:
    """F(k) with 95% Wilson bands: one panel per problem, one line per run and family."""
    problems = sorted({r.get("problem") for _, _, records in runs for r in records}, key=str) or ["-"]
    fig, axes = plt.subplots(1, len(problems), figsize=(6.5 * len(problems), 4.2), squeeze=False, sharey=True)
    several_runs = len(runs) > 1
    for ax, problem in zip(axes[0], problems):
        for label, _, records in runs:
            mine = [r for r in records if r.get("problem") == problem]
            for (family,), group in group_by(mine, "family").items():
                curve = [r for r in feasibility_curve(group) if r["F"] is not None]
                if not curve:
                    continue
                numeric = all(isinstance(r["level"], int | float) for r in curve)
                xs = [r["level"] for r in curve] if numeric else list(range(len(curve)))
                name = " ".join(x for x in (label if several_runs else "", f"family {family}") if x)
                line = ax.plot(xs, [r["F"] for r in curve], marker="o", markersize=4, label=name)[0]
                ax.fill_between(
                    xs,
                    [r["ci_low"] for r in curve],
                    [r["ci_high"] for r in curve],
                    color=line.get_color(),
                    alpha=0.12,
                    linewidth=0,
                )
                if not numeric:
                    ax.set_xticks(xs, [str(r["level"]) for r in curve], rotation=45, ha="right")
        ax.xaxis.set_major_locator(locator(integer=True))
        ax.set_xlabel("level k")
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
        title = problem if several_runs else f"{problem}: {runs[0][0]}"
        ax.set_title(f"{title}\nF(k), 95% Wilson band", fontsize=10)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    axes[0][0].set_ylabel("share of feasible answers F(k)")
    fig.tight_layout()
    path = out / "f_curve.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _plot_violations(plt: Any, runs: list, out: Path) -> Path:
    """Infeasible answers per level stacked by violated rule, one colour per rule in every panel."""
    per_run = [(label, violations_by_level(records)) for label, _, records in runs]
    codes = sorted({c for _, by_level in per_run for counter in by_level.values() for c in counter})
    palette = plt.get_cmap("tab10")
    colour = {code: palette(i % 10) for i, code in enumerate(codes)}
    fig, axes = plt.subplots(len(runs), 1, figsize=(7.5, 3.4 * len(runs)), squeeze=False)
    for ax, (label, by_level) in zip(axes[:, 0], per_run):
        levels = list(by_level)
        bottom = [0] * len(levels)
        for code in codes:
            heights = [by_level[level].get(code, 0) for level in levels]
            if any(heights):
                ax.bar([str(x) for x in levels], heights, bottom=bottom, label=code, color=colour[code])
                bottom = [b + h for b, h in zip(bottom, heights)]
        ax.set_title(f"{label}: infeasible answers by violated rule", fontsize=10)
        ax.set_xlabel("level k")
        ax.set_ylabel("answers breaking the rule")
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        else:
            ax.text(0.5, 0.5, "no infeasible answers", ha="center", va="center", transform=ax.transAxes)
    fig.text(0.01, 0.0, "An answer that breaks several rules counts once under each.", fontsize=8, ha="left")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path = out / "violations_by_level.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _levels_collapsed(header: list[str], rows: list[list[Any]]) -> tuple[list[str], list[list[Any]]]:
    """The outcome table summed over levels (the terminal shows this; the files keep every level)."""
    level = header.index("level")
    keys = [i for i in range(len(header)) if i != level and i < header.index("samples")]
    totals: dict[tuple, list[int]] = {}
    for row in rows:
        key = tuple(row[i] for i in keys)
        counts = totals.setdefault(key, [0] * (len(header) - header.index("samples")))
        for j, value in enumerate(row[header.index("samples") :]):
            counts[j] += value
    return [header[i] for i in keys] + header[header.index("samples") :], [
        [*key, *counts] for key, counts in totals.items()
    ]


def make_report(
    run_dirs: list[str],
    *,
    out_dir: str | None = None,
    tau: float = 0.5,
    weights: str = "k",
    plots: bool = True,
    console: Any = None,
) -> list[Path]:
    """Print the tables and write report.md, one CSV per table and the PNG plots; returns the files written."""
    from rich.console import Console

    runs = [load_run(d) for d in run_dirs]
    out = Path(out_dir) if out_dir else Path(run_dirs[0]) / "report"
    out.mkdir(parents=True, exist_ok=True)
    tables = build_tables(runs, tau=tau, weights=weights)
    written = []
    for name, (header, rows) in tables.items():
        path = out / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([["" if v is None else v for v in row] for row in rows])
        written.append(path)
    md = out / "report.md"
    md.write_text(_markdown(tables, [label for label, _, _ in runs], weights, tau), encoding="utf-8")
    written.append(md)
    if plots:
        written += _plots(runs, out)
    # Files first, terminal last: a closed pipe (`| head`) must not cost the report.
    if console is None:
        console = Console()
        if not console.is_terminal:  # a pipe or a file: wide lines beat columns folded to 80 characters
            console = Console(width=180)
    for name, (header, rows) in tables.items():
        if name == "outcomes":
            _print(console, name, *_levels_collapsed(header, rows), note=_NOTES[name] + _PER_LEVEL_NOTE)
        else:
            _print(console, name, header, rows)
    return written
