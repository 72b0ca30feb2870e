"""`schedbench generate rcpsp|smtt|jssp`: deterministic instance sets (same options and seed, same bytes)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any

import click

from schedbench.cli._options import (
    POSITIVE,
    force_option,
    no_progress_option,
    output_option,
    seed_option,
    show_progress,
)
from schedbench.datasets.writing import write_dataset
from schedbench.generators._random import check_seed
from schedbench.generators.jssp import iter_jssp, parse_taillard_seeds
from schedbench.generators.rcpsp import PHASES, RENDERINGS, iter_rcpsp_ladder, parse_families, parse_levels
from schedbench.generators.smtt import iter_smtt, parse_float_list
from schedbench.reports.progress import progress

Generated = tuple[Iterator[dict[str, Any]], int, dict[str, Any]]


def _writes_instances(command: str) -> Callable[[Callable[..., Generated]], Callable[..., None]]:
    """Add -o/--output, --force and --no-progress to a generator command that returns
    (records, total, config); the records are written with a manifest behind one progress bar."""

    def decorate(make: Callable[..., Generated]) -> Callable[..., None]:
        @output_option(help="Output .jsonl file.")
        @force_option
        @no_progress_option
        @functools.wraps(make)
        def wrapper(output: str, force: bool, no_progress: bool, **options: Any) -> None:
            records, total, config = make(**options)
            with progress(command, total=total, enabled=show_progress(no_progress)) as bar:
                written, manifest = write_dataset(
                    output, bar.track(records), command=command, config=config, force=force
                )
            click.echo(f"wrote {written} instances to {output} (manifest {manifest})")

        return wrapper

    return decorate


@click.group()
def generate() -> None:
    """Generate deterministic instance sets (same options and seed, same bytes)."""


@generate.command()
@click.option(
    "--tasks", type=click.IntRange(min=2), default=30, show_default=True, help="Tasks per instance."
)
@click.option("--resources", default=3, show_default=True, help="Renewable resources.")
@click.option(
    "--levels",
    default="1-40",
    show_default=True,
    help="Levels (non-redundant precedences), e.g. 1-40 or 5,10.",
)
@click.option("--per-level", default=5, show_default=True, help="Instances per level.")
@click.option("--phase", type=click.Choice(PHASES), default="precedence", show_default=True)
@click.option(
    "--families",
    default=None,
    help="Side families, e.g. downtime,windows,disjunctive or none (default: random).",
)
@click.option(
    "--family-probability",
    default=0.75,
    show_default=True,
    help="Chance of each family when --families is not given.",
)
@click.option("--rendering", type=click.Choice(RENDERINGS), default="synthetic", show_default=True)
@click.option("--layers", type=int, default=None, help="DAG layers (default: round(sqrt(tasks))).")
@seed_option(0)
@_writes_instances("generate rcpsp")
def rcpsp(**options: Any) -> Generated:
    """The R-ConstraintBench RCPSP ladder: level k has exactly k non-redundant precedences."""
    options["levels"] = parse_levels(options["levels"])
    options["families"] = parse_families(options["families"])
    total = len(options["levels"]) * options["per_level"]
    return iter_rcpsp_ladder(**options), total, options


@generate.command()
@click.option("--jobs", default=20, show_default=True, help="Jobs per instance.")
@click.option("--tf", default="0.2,0.4,0.6,0.8,1.0", show_default=True, help="Tardiness factors.")
@click.option("--rdd", default="0.2,0.4,0.6,0.8,1.0", show_default=True, help="Relative due-date ranges.")
@click.option("--per-class", default=5, show_default=True, help="Instances per (TF, RDD) class.")
@click.option("--weighted", is_flag=True, help="Draw weights U{1..10}.")
@click.option(
    "--paper-compat", is_flag=True, help="Mimic the EDDC/MDDC paper's numpy code (p in 1..99, d truncated)."
)
@seed_option(0)
@_writes_instances("generate smtt")
def smtt(**options: Any) -> Generated:
    """Single-machine total tardiness after Potts & Van Wassenhove (1982)."""
    options["tf"] = parse_float_list(options["tf"], field="tf")
    options["rdd"] = parse_float_list(options["rdd"], field="rdd")
    total = len(options["tf"]) * len(options["rdd"]) * options["per_class"]
    return iter_smtt(**options), total, options


@generate.command()
@click.option("--jobs", required=True, type=int, help="Jobs per instance.")
@click.option("--machines", required=True, type=int, help="Machines (= operations per job).")
@click.option(
    "--count", default=1, show_default=True, help="Instances to draw (ignored with --taillard-seeds)."
)
@seed_option(None, help="Random seed (default: fresh, recorded in meta).")
@click.option(
    "--taillard-seeds", default=None, help="TIME:MACHINE[,TIME:MACHINE...] or names like ta01,ta02."
)
@click.option(
    "--due-dates",
    "due_date_tightness",
    type=POSITIVE,
    default=None,
    help="Add due dates floor(F * job work).",
)
@_writes_instances("generate jssp")
def jssp(**options: Any) -> Generated:
    """Job shop by Taillard's (1993) generator; published seeds give published instances."""
    if options["taillard_seeds"]:
        options["taillard_seeds"] = parse_taillard_seeds(
            options["taillard_seeds"], jobs=options["jobs"], machines=options["machines"]
        )
        total = len(options["taillard_seeds"])
    else:
        options["seed"] = check_seed(options["seed"])
        total = options["count"]
    return iter_jssp(**options), total, options
