"""`schedbench demo`: the whole pipeline on small built-in datasets, offline."""

from __future__ import annotations

import click

from schedbench.cli._options import (
    no_progress_option,
    output_option,
    renamed_from,
    seed_option,
    show_progress,
)
from schedbench.demo import run_demo


@click.command()
@output_option(help="Report folder.", folder=True, required=False, default="schedbench-demo")
@seed_option(1, help="Seed of the generated datasets.")
@no_progress_option
@renamed_from("--out", "output")
def demo(output: str, seed: int, no_progress: bool) -> None:
    """Generate, solve and rank small datasets of all three problems; write a report folder.

    Offline, about two minutes on 2 cores. Re-running with the same folder resumes.
    """
    result = run_demo(output, seed=seed, progress=show_progress(no_progress))
    click.echo(f"report: {result.report} ({result.seconds:.0f} s)")
