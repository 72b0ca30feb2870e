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
    """Generate, solve, rank and LLM-evaluate small datasets of all three problems; write a report folder.

    The LLM is a stand-in: `llm serve-baseline` with injected faults. The folder holds report.md (with PNG
    charts) and html/index.html (offline; open it by double-click).

    Offline, about two minutes on 2 cores. Re-running with the same folder resumes.
    """
    result = run_demo(output, seed=seed, progress=show_progress(no_progress))
    click.echo(f"done in {result.seconds:.0f} s. Open:")
    click.echo(f"  {result.html.resolve().as_uri()}   (the HTML report: double-click {result.html})")
    click.echo(f"  {result.report}   (Markdown with PNG charts)")
