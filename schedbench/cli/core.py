"""`schedbench schema`, `validate` and `verify`: the instance and solution contracts."""

from __future__ import annotations

import json
import sys

import click

from schedbench.datasets.checking import validate_file, verify_file
from schedbench.datasets.jsonl import dumps
from schedbench.problems import PROBLEMS, instance_schema, solution_schema
from schedbench.reports.tables import print_verification_table


@click.command()
@click.argument("problem", type=click.Choice(tuple(PROBLEMS), case_sensitive=False))
@click.option("--solution", is_flag=True, help="Print the solution schema instead of the instance schema.")
def schema(problem: str, solution: bool) -> None:
    """Print the JSON Schema of PROBLEM's instances (or solutions)."""
    click.echo(json.dumps((solution_schema if solution else instance_schema)(problem), indent=2))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check instance FILES: JSON Schema and meaning (names, cycles, capacities, machines)."""
    for path in files:
        counts = validate_file(path)
        summary = ", ".join(f"{n} {problem}" for problem, n in sorted(counts.items()))
        click.echo(f"{path}: ok ({summary})")


@click.command()
@click.argument("instances", type=click.Path(dir_okay=False))
@click.argument("solutions", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per solution instead of a table.")
def verify(instances: str, solutions: str, as_json: bool) -> None:
    """Verify SOLUTIONS against INSTANCES; exit 1 if any solution is infeasible."""
    checked = verify_file(instances, solutions)
    if as_json:
        for item in checked:
            click.echo(dumps(item.to_dict()))
    else:
        print_verification_table(checked)
    if any(not item.verification.feasible for item in checked):
        sys.exit(1)
