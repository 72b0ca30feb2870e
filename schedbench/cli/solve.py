"""`schedbench solve` (exact solvers on a file of instances) and `schedbench solvers list`."""

from __future__ import annotations

import sys

import click

from schedbench.cli._options import (
    check_cluster,
    cluster_options,
    force_option,
    no_progress_option,
    output_option,
    problem_option,
    processes_option,
    renamed_from,
    seconds_option,
    seed_option,
    shard_option,
    show_progress,
    threads_option,
    time_limit_option,
)
from schedbench.records import SolveResult
from schedbench.reports.progress import progress
from schedbench.reports.solve import print_summary
from schedbench.solvers import MODES, SOLVERS, SolveOptions, list_solvers
from schedbench.solvers.batch import merge_shards, solve_file


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
@cluster_options
@shard_option("schedbench merge")
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
    cluster: str,
    cluster_config: str | None,
    shard: tuple[int, int] | None,
    no_progress: bool,
) -> None:
    """Solve every instance in FILE exactly (CP-SAT, MIP, DP) and write verified solutions as JSONL.

    With --cluster the solves run on Dask workers (results still stream into OUTPUT here, and a re-run
    resumes); with --shard only every N-th instance is solved, for job arrays.
    """
    check_cluster(cluster, cluster_config)
    from contextlib import nullcontext

    from schedbench.datasets.executors import open_engine

    engine = (
        nullcontext(None)
        if cluster == "local"
        else open_engine(cluster, jobs=processes, threads=threads_per_solve, config=cluster_config)
    )
    with engine as executor, progress("solving", enabled=show_progress(no_progress)) as bar:

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
            executor=executor,
            shard=shard,
        )
    print_summary(summary)
    if summary.flagged or summary.status_counts()["error"]:
        sys.exit(1)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False))
@output_option(help="The merged JSONL, in FILE's order.")
@force_option
def merge(file: str, shards: tuple[str, ...], output: str, force: bool) -> None:
    """Join `solve --shard I/N` outputs (SHARDS) of the instances in FILE; each instance exactly once."""
    count = merge_shards(file, shards, output, overwrite=force)
    click.echo(f"{output}: {count} results from {len(shards)} shards")


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
