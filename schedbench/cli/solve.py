"""`schedbench solve` (exact solvers on a file of instances) and `schedbench solvers list`."""

from __future__ import annotations

import sys

import click

from schedbench.cli._options import (
    no_progress_option,
    output_option,
    problem_option,
    processes_option,
    renamed_from,
    seconds_option,
    seed_option,
    show_progress,
    threads_option,
    time_limit_option,
)
from schedbench.records import SolveResult
from schedbench.reports.progress import progress
from schedbench.reports.solve import print_summary
from schedbench.solvers import MODES, SOLVERS, SolveOptions, list_solvers
from schedbench.solvers.batch import solve_file


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--solver",
    type=click.Choice(SOLVERS, case_sensitive=False),
    default="auto",
    show_default=True,
    help="See `schedbench solvers list`. auto: DP for SMTT n<=20, exact decomposition for larger "
    "unweighted SMTT, else CP-SAT; mip: HiGHS if installed, else CBC.",
)
@time_limit_option(10.0)
@threads_option(1)
@processes_option(1, help="Instances solved side by side, each in its own process.")
@output_option(
    help="JSONL to append results to; instances already in it are skipped (resume).", required=False
)
@seed_option(0, help="Solver seed.")
@seconds_option("--deterministic-time", None, help="CP-SAT deterministic time limit, for repeatable runs.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="optimize",
    show_default=True,
    help="feasibility: RCPSP stops at the first schedule.",
)
@click.option(
    "--references",
    type=click.Path(exists=True, dir_okay=False),
    help="reference.csv, earlier solve output, or instances with meta.reference to check against.",
)
@no_progress_option
@renamed_from("--jobs", "processes", type=click.IntRange(min=1))
@renamed_from("--workers", "threads_per_solve", type=click.IntRange(min=1))
def solve(
    file: str,
    solver: str,
    time_limit: float,
    threads_per_solve: int,
    processes: int,
    output: str | None,
    seed: int,
    deterministic_time: float | None,
    mode: str,
    references: str | None,
    no_progress: bool,
) -> None:
    """Solve every instance in FILE exactly (CP-SAT, MIP, DP) and write verified solutions as JSONL."""
    with progress("solving", enabled=show_progress(no_progress)) as bar:

        def report(result: SolveResult) -> None:
            if result.status == "error":
                click.echo(f"ERROR {result.instance}: {result.message}", err=True)

        summary = solve_file(
            file,
            output,
            solver=solver,
            options=SolveOptions(
                time_limit=time_limit,
                workers=threads_per_solve,
                seed=seed,
                deterministic_time=deterministic_time,
                mode=mode,
            ),
            jobs=processes,
            references=references,
            progress=bar,
            on_result=report,
        )
    print_summary(summary)
    if summary.flagged or summary.status_counts()["error"]:
        sys.exit(1)


@click.group()
def solvers() -> None:
    """The exact solvers `schedbench solve --solver` accepts."""


@solvers.command("list")
@problem_option
def solvers_list(problem: str | None) -> None:
    """List the solvers: name, problems served, whether it can run here, description."""
    rows = [("solver", "problems", "installed", "description")]
    rows += [
        (entry.name, ",".join(entry.problems), "yes" if entry.available() else "no", entry.description)
        for entry in list_solvers()
        if problem is None or problem in entry.problems
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for *cells, description in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(cells, widths)) + "  " + description)
