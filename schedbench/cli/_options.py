"""Options and value types shared by the command groups, so one idea has one spelling everywhere.

`-o/--output` is always an output path, `--processes/-j` the processes run side by side,
`--threads-per-solve/-w` the solver threads of one solve, `--no-progress` turns the bar off.
Numbers are checked while parsing (finite, in range), so bad values fail in one line before any work.
Renamed options keep their old spelling as a hidden alias for one release (`renamed_from`).
"""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from schedbench.problems import PROBLEMS, SchedbenchError

F = TypeVar("F", bound=Callable[..., Any])


class FiniteFloat(click.FloatRange):
    """A float range that also refuses nan and ±inf (which compare false and slip through ranges)."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return super().convert(number, param, ctx)

    def _describe_range(self) -> str:
        """Click shows an unbounded range as 'x<=None'; say what is checked instead."""
        if self.min is None and self.max is None:
            return "finite"
        return super()._describe_range()


POSITIVE = FiniteFloat(min=0, min_open=True)
NON_NEGATIVE = FiniteFloat(min=0)
FRACTION = FiniteFloat(min=0, max=1)
AT_LEAST_1 = click.IntRange(min=1)


def output_option(*, help: str, folder: bool = False, required: bool = True, default: str | None = None):
    """`-o/--output`: the file (or folder) a command writes."""
    path = click.Path(file_okay=not folder, dir_okay=folder)
    return click.option(
        "-o",
        "--output",
        "output",
        required=required,
        default=default,
        show_default=default is not None,
        type=path,
        help=help,
    )


force_option = click.option("--force", is_flag=True, help="Overwrite an existing output file.")
no_progress_option = click.option("--no-progress", is_flag=True, help="No progress bar.")


def seed_option(default: int | None = 0, help: str = "Random seed."):
    return click.option("--seed", type=int, default=default, show_default=default is not None, help=help)


def seconds_option(name: str, default: float | None, help: str):
    """A duration in seconds: finite and positive."""
    return click.option(name, type=POSITIVE, default=default, show_default=default is not None, help=help)


def time_limit_option(default: float, help: str = "Seconds per instance."):
    return seconds_option("--time-limit", default, help)


problem_option = click.option(
    "--problem",
    type=click.Choice(tuple(PROBLEMS), case_sensitive=False),
    default=None,
    help="Only this problem.",
)


def processes_option(default: int | None, help: str):
    """`--processes/-j`: how many processes work side by side."""
    return click.option("--processes", "-j", type=AT_LEAST_1, default=default, show_default=True, help=help)


def threads_option(default: int, help: str = "Solver threads per instance."):
    """`--threads-per-solve/-w`: the threads one solve may use."""
    return click.option(
        "--threads-per-solve", "-w", type=AT_LEAST_1, default=default, show_default=True, help=help
    )


def show_progress(no_progress: bool) -> bool:
    """Whether to draw a progress bar: not turned off and stderr is a terminal."""
    return not no_progress and sys.stderr.isatty()


def renamed_from(old: str, new: str, *, type: click.ParamType | None = None) -> Callable[[F], F]:
    """Keep the old spelling `old` of option `new` (its parameter name, e.g. "processes") working,
    hidden from --help, with a one-line note on stderr. Giving both spellings is a usage error."""
    dest = "renamed_" + old.lstrip("-").replace("-", "_")

    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            value = kwargs.pop(dest)
            if value is not None:
                ctx = click.get_current_context()
                flag = "--" + new.replace("_", "-")
                if ctx.get_parameter_source(new) is ParameterSource.COMMANDLINE:
                    raise click.UsageError(f"{old} is the old name of {flag}; give only {flag}.", ctx)
                click.echo(f"note: {old} is deprecated; use {flag}", err=True)
                kwargs[new] = value
            return command(*args, **kwargs)

        return click.option(old, dest, type=type, default=None, hidden=True)(wrapper)  # type: ignore[return-value]

    return decorate


def cluster_options(command: F) -> F:
    """`--cluster` (where the work runs) and `--cluster-config` (the batch scheduler's cluster.toml)."""
    command = click.option(
        "--cluster-config",
        type=click.Path(exists=True, dir_okay=False),
        default=None,
        help="cluster.toml for --cluster slurm|pbs|sge|lsf: a [slurm] (...) section of dask-jobqueue "
        "settings (queue, account, cores, processes, job_cpu, memory, walltime, ...) and jobs = N.",
    )(command)
    return click.option(
        "--cluster",
        default="local",
        show_default=True,
        metavar="local|dask-local|tcp://HOST:PORT|slurm|pbs|sge|lsf",
        help="Where to run: this machine's processes; a local Dask cluster; an existing Dask scheduler; "
        'or batch jobs through dask-jobqueue. Needs pip install "schedbench[dask]" (or [hpc]).',
    )(command)


def check_cluster(cluster: str, cluster_config: str | None) -> None:
    """A --cluster-config needs a batch scheduler to go with."""
    if cluster_config is not None and cluster not in ("slurm", "pbs", "sge", "lsf"):
        raise click.UsageError("--cluster-config goes with --cluster slurm|pbs|sge|lsf")


def _parse_shard(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    from schedbench.datasets.shards import parse_shard

    try:
        return parse_shard(value)
    except SchedbenchError as err:
        raise click.BadParameter(str(err).removeprefix("--shard "), ctx, param) from None


def shard_option(join: str) -> Callable[[F], F]:
    """``--shard I/N`` (parsed to ``(I, N)``); ``join`` names the command that merges the shards."""
    return click.option(
        "--shard",
        default=None,
        metavar="I/N",
        callback=_parse_shard,
        help=f"Only every N-th instance from the I-th (1..N), for job arrays; join the shards with `{join}`.",
    )
