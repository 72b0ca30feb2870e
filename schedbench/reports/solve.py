"""The end-of-run table of `schedbench solve` (the figures come from `BatchSummary.table_rows`)."""

from __future__ import annotations

from typing import Any

from schedbench.solvers.batch import BatchSummary


def print_summary(summary: BatchSummary, console: Any = None) -> None:
    """The end-of-run table, and every reference contradiction in red."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(stderr=True)
    table = Table(title="solve summary", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for label, value in summary.table_rows():
        table.add_row(label, value)
    console.print(table)
    for name, flag in summary.flagged:
        console.print(f"[bold red]REFERENCE CONTRADICTION[/] {name}: {flag}", soft_wrap=True)
