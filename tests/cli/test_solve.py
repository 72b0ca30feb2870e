"""`schedbench solvers list` and `heuristics list` print the registries; unknown names list the known ones."""

from __future__ import annotations

from click.testing import CliRunner

from schedbench.cli import main
from schedbench.heuristics import list_heuristics
from schedbench.solvers import SOLVERS, list_solvers


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def rows(output: str) -> list[list[str]]:
    return [line.split(None, 3) for line in output.splitlines()]


def test_solvers_list_is_the_registry_in_order_with_availability() -> None:
    result = run("solvers", "list")
    assert result.exit_code == 0, result.output
    header, *body = rows(result.output)
    assert header == ["solver", "problems", "installed", "description"]
    entries = list_solvers()
    assert [r[0] for r in body] == [e.name for e in entries]
    for row, entry in zip(body, entries, strict=True):
        assert row[1].split(",") == list(entry.problems)
        assert row[2] == ("yes" if entry.available() else "no")
        assert row[3] == entry.description
    assert {e.name for e in entries} == set(SOLVERS)  # what solve --solver accepts, and nothing else


def test_solvers_list_by_problem() -> None:
    smtt = [r[0] for r in rows(run("solvers", "list", "--problem", "smtt").output)[1:]]
    jssp = [r[0] for r in rows(run("solvers", "list", "--problem", "JSSP").output)[1:]]
    assert {"dp", "exact", "cpsat"} <= set(smtt)
    assert "cpsat" in jssp and "dp" not in jssp and "exact" not in jssp


def test_unknown_problem_lists_the_known_ones() -> None:
    for command in (("solvers", "list"), ("heuristics", "list")):
        result = run(*command, "--problem", "tsp")
        assert result.exit_code == 2
        (line,) = result.stderr.splitlines()
        assert line.startswith("error: ") and all(f"'{p}'" in line for p in ("rcpsp", "smtt", "jssp"))


def test_heuristics_list_prints_every_registered_rule() -> None:
    result = run("heuristics", "list")
    assert result.exit_code == 0
    listed = [tuple(line.split(None, 2)[:2]) for line in result.output.splitlines()]
    assert listed == [(h.problem, h.name) for h in list_heuristics()]
    smtt = run("heuristics", "list", "--problem", "smtt").output.splitlines()
    assert smtt and all(line.startswith("smtt ") for line in smtt)
    assert len(smtt) == len(list_heuristics("smtt"))
