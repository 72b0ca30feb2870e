"""Render a leaderboard: rich table, Markdown, CSV and PNG plots (matplotlib, Agg).

One table model (:func:`table_cells` under :data:`HEADERS`) feeds the terminal and the Markdown page.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from schedbench.datasets.files import StrPath, write_text_atomic
from schedbench.datasets.jsonl import JsonValue
from schedbench.records.leaderboard import Leaderboard, MetricRow, read_leaderboard

if TYPE_CHECKING:
    from rich.table import Table

COLUMNS = (
    "heuristic",
    "group",
    "instances",
    "feasible",
    "feasible_share",
    "failures",
    "with_reference",
    "mean_gap_pct",
    "ratio_gap_pct",
    "zero_ref_positive",
    "beats_reference",
    "improves_reference",
    "wins",
    "mean_time_ms",
)


# Column titles of the leaderboard table, in the terminal and in Markdown alike.
HEADERS = ("heuristic", "feasible", "mean gap %", "ratio gap %", "ref 0, H>0", "beats ref", "wins", "ms/inst")


def _fmt(value: JsonValue, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def ranked(rows: Sequence[MetricRow], group: str = "all") -> list[MetricRow]:
    """Rows of one group, best first: highest feasible share, then lowest mean gap, then ratio gap."""

    def key(r: MetricRow) -> tuple[float, float, float, str]:
        gap = r["mean_gap_pct"] if r["mean_gap_pct"] is not None else math.inf
        ratio = r["ratio_gap_pct"] if r["ratio_gap_pct"] is not None else math.inf
        return (-r["feasible_share"], gap, ratio, r["heuristic"])

    return sorted((r for r in rows if r.get("group") == group), key=key)


def table_cells(
    rows: Sequence[MetricRow], group: str, *, strong: Callable[[str], str], ms_digits: int
) -> list[list[str]]:
    """The leaderboard table of one group, best first, as text cells under :data:`HEADERS`; ``strong``
    marks a non-zero "beats ref" count (a wrong reference)."""
    return [
        [
            str(r["heuristic"]),
            f"{r['feasible']}/{r['instances']}",
            _fmt(r["mean_gap_pct"]),
            _fmt(r["ratio_gap_pct"]),
            str(r["zero_ref_positive"]),
            strong(str(r["beats_reference"])) if r["beats_reference"] else "0",
            str(r["wins"]),
            _fmt(r["mean_time_ms"], ms_digits),
        ]
        for r in ranked(rows, group)
    ]


def rich_table(board: Leaderboard, group: str = "all") -> Table:
    """A rich Table of one group's rows."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=f"{board.problem} leaderboard ({group})")
    for col in HEADERS:
        table.add_column(col, justify="left" if col == "heuristic" else "right", no_wrap=col == "heuristic")
    for name, *cells in table_cells(
        board.rows, group, strong=lambda text: f"[bold red]{text}[/]", ms_digits=1
    ):
        table.add_row(escape(name), *cells)
    return table


def _md_cell(text: str) -> str:
    """Text safe inside a Markdown table cell (a plug-in's NAME may hold ``|``, line breaks or HTML)."""
    text = " ".join(text.splitlines())
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def markdown(board: Leaderboard) -> str:
    """The whole leaderboard as Markdown: overall ranking, suspect references, then every class."""
    lines = [f"# {board.problem} leaderboard", ""]
    lines += [
        "Mean gap: mean over feasible results with reference > 0 of 100 (H - ref) / ref (the EDDC/MDDC "
        "paper's metric). Ratio gap: 100 (sum H - sum ref) / sum ref. Scores come from the verifier.",
        "",
    ]
    if board.suspects:
        count = len({s["instance"] for s in board.suspects})
        lines += [
            f"**Warning: heuristics beat a reference that claims to be optimal (or a lower bound) on {count} "
            "instance(s). Those references are wrong, and every gap computed against them is suspect.** "
            "See `suspect_references.csv`.",
            "",
        ]
    groups = list(dict.fromkeys(str(r["group"]) for r in board.rows))
    for group in groups:
        lines += [f"## {'All instances' if group == 'all' else _md_cell(group)}", ""]
        lines += ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
        for name, *cells in table_cells(board.rows, group, strong=lambda text: f"**{text}**", ms_digits=2):
            lines.append("| " + " | ".join([_md_cell(name), *cells]) + " |")
        lines.append("")
    return "\n".join(lines)


def _write_csv(path: Path, rows: Sequence[MetricRow], columns: tuple[str, ...]) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    write_text_atomic(path, text.getvalue())


def write_reports(board: Leaderboard, out: StrPath, *, plots: bool = True) -> list[str]:
    """Write leaderboard.md, leaderboard.csv, leaderboard_by_size.csv, suspect_references.csv (when a
    reference is contradicted) and the plots into ``out``; return their paths."""
    out = Path(out)
    files = [write_text_atomic(out / "leaderboard.md", markdown(board))]
    table = out / "leaderboard.csv"
    _write_csv(table, board.rows, COLUMNS)
    files.append(table)
    by_size = out / "leaderboard_by_size.csv"
    _write_csv(by_size, board.size_rows, tuple("size" if c == "group" else c for c in COLUMNS))
    files.append(by_size)
    if board.suspects:
        suspects = out / "suspect_references.csv"
        _write_csv(
            suspects, board.suspects, ("instance", "heuristic", "objective", "reference", "kind", "source")
        )
        files.append(suspects)
    if plots:
        files += plot_gap_by_group(board.rows, out / "gap_by_class.png", board.problem)
        files += plot_gap_vs_size(board.size_rows, out / "gap_vs_size.png", board.problem)
    return [str(f) for f in files]


def render_folder(folder: StrPath, *, plots: bool = True) -> list[str]:
    """Re-render the reports of a leaderboard folder from its ``records.jsonl`` and ``leaderboard.json``."""
    return write_reports(read_leaderboard(folder), folder, plots=plots)


def plot_gap_by_group(rows: Sequence[MetricRow], path: Path, problem: str = "") -> list[Path]:
    """Heatmap of the mean gap per heuristic (rows, best first) and class (columns); nothing without gaps."""
    classes = [g for g in dict.fromkeys(r["group"] for r in rows) if g != "all"] or ["all"]
    order = [r["heuristic"] for r in ranked(rows, "all")]
    cell = {(r["heuristic"], r["group"]): r["mean_gap_pct"] for r in rows}
    values = [[cell.get((h, g)) for g in classes] for h in order]
    if not any(v is not None for line in values for v in line):
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    data = np.array([[np.nan if v is None else v for v in line] for line in values], dtype=float)
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(classes) + 3), max(3, 0.35 * len(order) + 1.5)))
    from matplotlib.colors import SymLogNorm

    finite = data[~np.isnan(data)]
    norm = SymLogNorm(linthresh=1.0, vmin=min(0.0, float(finite.min())), vmax=max(1.0, float(finite.max())))
    image = ax.imshow(data, aspect="auto", cmap="RdYlGn_r", norm=norm)  # log scale: outliers stay readable
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(order)), order, fontsize=8)
    if data.size <= 400:
        for (i, j), v in np.ndenumerate(data):
            label = "n/a" if np.isnan(v) else f"{v:.1f}"
            ax.text(
                j, i, label, ha="center", va="center", fontsize=6, color="grey" if np.isnan(v) else "black"
            )
    fig.colorbar(image, ax=ax, label="mean gap % (symmetric log scale)")
    ax.set_title(f"{problem} mean gap by class".strip())
    if np.isnan(data).any():
        fig.text(
            0.01,
            0.01,
            "n/a: no instance of the class has a reference > 0 (or no feasible result)",
            fontsize=6,
        )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]


def plot_gap_vs_size(size_rows: Sequence[MetricRow], path: Path, problem: str = "") -> list[Path]:
    """Mean gap against instance size, one line per heuristic."""
    series: dict[str, list[tuple[float, float]]] = {}
    for r in size_rows:
        if r["mean_gap_pct"] is not None:
            series.setdefault(r["heuristic"], []).append((r["size"], r["mean_gap_pct"]))
    if not series:
        return []
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, points in sorted(series.items()):
        points.sort()
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", markersize=3, label=name)
    ax.set_xlabel("size (jobs / operations / tasks)")
    ax.set_ylabel("mean gap %")
    ax.set_title(f"{problem} gap against size".strip())
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6, ncol=2 if len(series) > 8 else 1)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]
