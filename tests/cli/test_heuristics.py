"""The `heuristics` command group: `heuristics list` prints the registry."""

from __future__ import annotations

from click.testing import CliRunner

from schedbench.cli import main
from schedbench.heuristics import list_heuristics


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_heuristics_list_prints_every_registered_rule() -> None:
    result = run("heuristics", "list")
    assert result.exit_code == 0
    listed = [tuple(line.split(None, 2)[:2]) for line in result.output.splitlines()]
    assert listed == [(h.problem, h.name) for h in list_heuristics()]
    smtt = run("heuristics", "list", "--problem", "smtt").output.splitlines()
    assert smtt and all(line.startswith("smtt ") for line in smtt)
    assert len(smtt) == len(list_heuristics("smtt"))
