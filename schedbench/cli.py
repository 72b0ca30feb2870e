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


@main.command()
@click.argument("problem", type=click.Choice(["rcpsp", "smtt", "jssp"]))
@click.option("--solution", is_flag=True, help="Print the solution schema instead of the instance schema.")
def schema(problem: str, solution: bool) -> None:
    """Print the JSON Schema of PROBLEM's instances (or solutions)."""
    import json

    from schedbench.problems import instance_schema, solution_schema

    click.echo(json.dumps((solution_schema if solution else instance_schema)(problem), indent=2))


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check instance FILES: JSON Schema and meaning (names, cycles, capacities, machines)."""
    from schedbench.datasets.checking import validate_file

    for path in files:
        counts = validate_file(path)
        summary = ", ".join(f"{n} {problem}" for problem, n in sorted(counts.items()))
        click.echo(f"{path}: ok ({summary})")


@main.command(name="verify")
@click.argument("instances", type=click.Path(dir_okay=False))
@click.argument("solutions", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per solution instead of a table.")
def verify_cmd(instances: str, solutions: str, as_json: bool) -> None:
    """Verify SOLUTIONS against INSTANCES; exit 1 if any solution is infeasible."""
    from schedbench.datasets.checking import verify_file

    checked = verify_file(instances, solutions)
    if as_json:
        from schedbench.datasets.jsonl import dumps

        for item in checked:
            click.echo(dumps(item.to_dict()))
    else:
        from schedbench.reports.tables import print_verification_table

        print_verification_table(checked)
    if any(not item.verification.feasible for item in checked):
        sys.exit(1)


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
