"""`schedbench import FORMAT PATH...`: public benchmark files into one instance .jsonl file."""

from __future__ import annotations

import click

from schedbench.cli._options import force_option, no_progress_option, output_option, show_progress
from schedbench.datasets.importers import IMPORTERS
from schedbench.datasets.writing import import_dataset
from schedbench.reports.progress import progress

_BAR_FROM_FILES = 20  # fewer files read too fast for a bar to help


@click.command(name="import")
@click.argument("format", metavar="FORMAT", type=click.Choice(tuple(IMPORTERS), case_sensitive=False))
@click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="PATH...")
@output_option(help="Output .jsonl file.")
@click.option(
    "--references",
    "references",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="reference.csv, or an OR-Library wtopt/wtbest list; repeatable.",
)
@force_option
@no_progress_option
def import_(
    format: str,
    paths: tuple[str, ...],
    output: str,
    references: tuple[str, ...],
    force: bool,
    no_progress: bool,
) -> None:
    """Import public benchmark files (PATH: files or folders) into one instance .jsonl file.

    FORMAT: psplib (.sm), orlib-jssp, taillard, orlib-wt (wt40/wt50/wt100), smtt-paper (.jsonl).
    Instances the importer must leave out are named on stderr; nothing is ever repaired.
    """

    def skipped(name: str, reason: str) -> None:
        click.echo(f"skipped {name}: {reason}", err=True)

    with progress(f"import {format}", enabled=show_progress(no_progress)) as bar:

        def file_read(done: int, total: int) -> None:
            if total >= _BAR_FROM_FILES:
                bar.update(done, total)

        result = import_dataset(
            format,
            paths,
            output,
            references=references,
            force=force,
            on_progress=file_read,
            on_skipped=skipped,
        )
    files = len(result.files)
    skip_note = f", {len(result.skipped)} skipped" if result.skipped else ""
    click.echo(
        f"imported {result.written} instances from {files} file{'s' if files != 1 else ''} to {output} "
        f"({result.with_reference} with a reference{skip_note}; manifest {result.manifest})"
    )
