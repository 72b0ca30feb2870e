"""The `schedbench` command line: parses options and calls the library.

Each command group lives in its own marked section. Library errors (`SchedbenchError`) become one line
on stderr and exit code 2; infeasible verdicts exit 1.
"""

from __future__ import annotations

import sys

import click

from schedbench import __version__
from schedbench.problems.errors import SchedbenchError


class _Group(click.Group):
    """A click group that turns our errors into one line and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SchedbenchError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted; results written so far are kept (re-run to resume)", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="schedbench")
def main() -> None:
    """Benchmark scheduling heuristics, exact solvers and LLMs on RCPSP, SMTT and job shop."""


# ---- section: core (schema, validate, verify) ----

# ---- end section: core ----

# ---- section: generate ----

# ---- end section: generate ----

# ---- section: import ----

# ---- end section: import ----

# ---- section: solve ----

# ---- end section: solve ----

# ---- section: heuristics / leaderboard ----

# ---- end section: heuristics / leaderboard ----

# ---- section: llm ----

# ---- end section: llm ----

# ---- section: demo ----

# ---- end section: demo ----


if __name__ == "__main__":  # pragma: no cover
    main()
