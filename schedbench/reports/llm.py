"""`schedbench llm report` rendered: terminal tables (rich), Markdown, CSV and PNG plots for one or more runs.

The numbers come from `schedbench.llm_eval.tables` (data only); rich and matplotlib are imported lazily.
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from schedbench.datasets.jsonl import JsonValue
from schedbench.llm_eval.metrics import feasibility_curve, group_by, violations_by_level
from schedbench.llm_eval.records import Run, read_run
from schedbench.llm_eval.tables import Row, Table, build_tables, levels_collapsed

if TYPE_CHECKING:
    from rich.console import Console


def _fmt(value: JsonValue, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


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


def _print(console: Console, name: str, header: list[str], rows: list[Row], note: str | None = None) -> None:
    from rich.table import Table

    table = Table(title=name, caption=note or _NOTES[name], caption_justify="left")
    for col in header:
        table.add_column(col, overflow="fold")
    for row in rows:
        table.add_row(*(_fmt(v) for v in row))
    console.print(table)


def _markdown(tables: dict[str, Table], labels: list[str], weights: str, tau: float) -> str:
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


def _plots(runs: list[Run], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    return [_plot_curves(plt, MaxNLocator, runs, out), _plot_violations(plt, runs, out)]


def _plot_curves(plt: ModuleType, locator: type, runs: list[Run], out: Path) -> Path:
    """F(k) with 95% Wilson bands: one panel per problem, one line per run and family."""
    problems = sorted({r.problem for run in runs for r in run.records}, key=str) or ["-"]
    fig, axes = plt.subplots(1, len(problems), figsize=(6.5 * len(problems), 4.2), squeeze=False, sharey=True)
    several_runs = len(runs) > 1
    for ax, problem in zip(axes[0], problems):
        for run in runs:
            mine = [r for r in run.rows() if r.get("problem") == problem]
            for (family,), group in group_by(mine, "family").items():
                curve = [r for r in feasibility_curve(group) if r["F"] is not None]
                if not curve:
                    continue
                numeric = all(isinstance(r["level"], int | float) for r in curve)
                xs = [r["level"] for r in curve] if numeric else list(range(len(curve)))
                name = " ".join(x for x in (run.label if several_runs else "", f"family {family}") if x)
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
        title = problem if several_runs else f"{problem}: {runs[0].label}"
        ax.set_title(f"{title}\nF(k), 95% Wilson band", fontsize=10)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    axes[0][0].set_ylabel("share of feasible answers F(k)")
    fig.tight_layout()
    path = out / "f_curve.png"
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def _plot_violations(plt: ModuleType, runs: list[Run], out: Path) -> Path:
    """Infeasible answers per level stacked by violated rule, one colour per rule in every panel."""
    per_run = [(run.label, violations_by_level(run.rows())) for run in runs]
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


def make_report(
    run_dirs: list[str],
    *,
    out_dir: str | None = None,
    tau: float = 0.5,
    weights: str = "k",
    plots: bool = True,
    console: Console | None = None,
) -> list[Path]:
    """Print the tables and write report.md, one CSV per table and the PNG plots; returns the files written."""
    from rich.console import Console

    runs = [read_run(d) for d in run_dirs]
    out = Path(out_dir) if out_dir else runs[0].dir / "report"
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
    md.write_text(_markdown(tables, [run.label for run in runs], weights, tau), encoding="utf-8")
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
            _print(console, name, *levels_collapsed(header, rows), note=_NOTES[name] + _PER_LEVEL_NOTE)
        else:
            _print(console, name, header, rows)
    return written
