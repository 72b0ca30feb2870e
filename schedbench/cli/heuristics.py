"""`schedbench heuristics list` and `schedbench leaderboard`: the built-in rules and their ranking."""

from __future__ import annotations

import click

from schedbench.cli import _options as opt
from schedbench.heuristics import list_heuristics
from schedbench.heuristics.leaderboard import run_leaderboard
from schedbench.heuristics.sandbox import SANDBOX_CHOICES, Limits, choose_level
from schedbench.reports.leaderboard import rich_table, write_reports
from schedbench.reports.progress import progress
from schedbench.reports.tables import console


@click.group()
def heuristics() -> None:
    """Built-in heuristic rules."""


@heuristics.command("list")
@opt.problem_option
def heuristics_list(problem: str | None) -> None:
    """List the built-in rules by problem."""
    for h in list_heuristics(problem):
        click.echo(f"{h.problem:6} {h.name:20} {h.description}")


@click.command()
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@opt.output_option(help="Report folder.", folder=True)
@click.option("--references", type=click.Path(exists=True, dir_okay=False), help="Solve output JSONL.")
@click.option(
    "--heuristics", "names", default="all", show_default=True, help="Comma-separated rules, or all."
)
@click.option(
    "--plugin", "plugins", multiple=True, type=click.Path(exists=True, dir_okay=False), help="Rule file."
)
@opt.processes_option(None, help="Processes running rules side by side (default: CPU count).")
@click.option(
    "--cpu-limit",
    type=opt.AT_LEAST_1,
    default=10,
    show_default=True,
    help="Plug-in CPU seconds per instance.",
)
@opt.seconds_option("--plugin-timeout", 30.0, help="Plug-in wall seconds per instance.")
@click.option(
    "--memory-mb", type=opt.AT_LEAST_1, default=2048, show_default=True, help="Plug-in address space (MiB)."
)
@click.option(
    "--sandbox",
    type=click.Choice(SANDBOX_CHOICES),
    default="auto",
    show_default=True,
    help="Plug-in sandbox level (auto: the strongest this machine gives).",
)
@click.option("--no-plots", is_flag=True, help="Skip the PNG plots.")
@opt.cluster_options
@opt.no_progress_option
@opt.renamed_from("--workers", "processes", type=opt.AT_LEAST_1)
@opt.renamed_from("--timeout", "plugin_timeout", type=opt.POSITIVE)
def leaderboard(
    data: str,
    output: str,
    references: str | None,
    names: str,
    plugins: tuple[str, ...],
    processes: int | None,
    cpu_limit: int,
    plugin_timeout: float,
    memory_mb: int,
    sandbox: str,
    no_plots: bool,
    cluster: str,
    cluster_config: str | None,
    no_progress: bool,
) -> None:
    """Run every rule (and plug-in) on every instance of DATA and rank them against references.

    One record per rule and instance goes to OUTPUT/records.jsonl as it comes (re-running resumes);
    leaderboard.json, Markdown, CSV and PNG plots are written at the end. With --cluster the rules run on
    Dask workers (plug-ins travel with the tasks; the records are written here).
    """
    if plugins:  # an unavailable level stops here; below seccomp, a warning before anything runs
        choice = choose_level(sandbox)
        sandbox = choice.level
        if choice.warning:
            click.echo(f"warning: {choice.warning}", err=True)
    opt.check_cluster(cluster, cluster_config)
    from contextlib import nullcontext

    from schedbench.datasets.executors import cores_available, open_engine

    engine = (
        nullcontext(None)
        if cluster == "local"
        else open_engine(cluster, jobs=processes or cores_available(), config=cluster_config)
    )
    with engine as executor, progress("leaderboard", enabled=opt.show_progress(no_progress)) as bar:
        result = run_leaderboard(
            data,
            output,
            heuristics=names,
            plugins=plugins,
            references=references,
            workers=processes,
            limits=Limits(
                cpu_seconds=cpu_limit,
                wall_seconds=plugin_timeout,
                memory_bytes=memory_mb * 1024 * 1024,
                sandbox=sandbox,
            ),
            progress=bar,
            executor=executor,
        )
    result.files += write_reports(result, output, plots=not no_plots)
    terminal = console()
    terminal.print(rich_table(result))
    if result.suspects:
        count = len({s["instance"] for s in result.suspects})
        terminal.print(
            f"[bold red]{count} instance(s) have a reference claimed optimal that a heuristic beats; "
            "those references are wrong (see suspect_references.csv).[/]"
        )
    for path in result.files:
        click.echo(path)
