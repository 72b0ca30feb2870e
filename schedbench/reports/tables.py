"""Rich tables for the terminal."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def console(stderr: bool = False):
    """A rich console (lazily imported)."""
    from rich.console import Console

    return Console(stderr=stderr)


def print_verification_table(checked: Iterable[Any], *, max_violations: int = 1) -> None:
    """One row per verified solution: verdict, objective, violation counts and the first messages."""
    from rich.table import Table

    table = Table(title="verification", show_lines=False)
    table.add_column("instance", no_wrap=True)
    table.add_column("feasible", no_wrap=True)
    table.add_column("objective", justify="right", no_wrap=True)
    table.add_column("claimed", justify="right", no_wrap=True)
    table.add_column("violations", no_wrap=True)
    table.add_column("first violation", overflow="fold")
    feasible = 0
    rows = list(checked)
    for item in rows:
        ver = item.verification
        feasible += ver.feasible
        counts = "\n".join(f"{code} ×{n}" for code, n in sorted(ver.counts().items()))
        first = "; ".join(v.message for v in ver.violations[:max_violations])
        claimed = "" if item.claimed_objective is None else str(item.claimed_objective)
        if item.objective_mismatch:
            claimed = f"[red]{claimed} (≠)[/red]"
        table.add_row(
            ver.instance,
            "[green]yes[/green]" if ver.feasible else "[red]no[/red]",
            "" if ver.objective is None else str(ver.objective),
            claimed,
            counts,
            first,
        )
    out = console()
    out.print(table)
    out.print(f"{feasible}/{len(rows)} feasible")
