"""The `schedbench` command line: parses options and calls the library, one module per command group.

Library errors (`SchedbenchError`) and bad option values become one line on stderr and exit code 2;
infeasible verdicts exit 1. Heavy libraries are imported only by the commands that run them, so
`schedbench --help` stays fast.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from schedbench import __version__
from schedbench.cli import core, demo, generate, heuristics, imports, llm, solve
from schedbench.problems.errors import SchedbenchError

__all__ = ["main"]

_HELP_ONLY = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2: a bare group prints help


class _Group(click.Group):
    """A click group that turns our errors and bad option values into one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SchedbenchError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        except click.UsageError as err:
            if isinstance(err, _HELP_ONLY):
                raise
            message = err.format_message().rstrip(".") + "."
            where = f" See '{err.ctx.command_path} --help'." if err.ctx is not None else ""
            click.echo(f"error: {message}{where}", err=True)
            sys.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted; results written so far are kept (re-run to resume)", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schedbench")
def main() -> None:
    """Benchmark scheduling heuristics, exact solvers and LLMs on RCPSP, SMTT and job shop."""


for _command in (
    core.schema,
    core.validate,
    core.verify,
    generate.generate,
    imports.import_,
    solve.solve,
    solve.solvers,
    heuristics.heuristics,
    heuristics.leaderboard,
    llm.llm,
    demo.demo,
):
    main.add_command(_command)
