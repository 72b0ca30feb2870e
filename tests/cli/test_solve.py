"""The `solve` command group: `solvers list` prints the registry (unknown names list the known ones, here and in
`heuristics list`), and `solve` reports malformed files, infeasibility and wrong references in one clear line."""

from __future__ import annotations

import json

from click.testing import CliRunner
from helpers.instances import ft06, infeasible_rcpsp_dict

from schedbench.cli import main
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


def test_cli_malformed_file_is_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"schema": "schedbench/instance/v1", "problem": "smtt", "name": "x", "jobs": [{"name": 1}]}\n'
    )
    result = CliRunner().invoke(main, ["solve", str(bad)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and "bad.jsonl:1" in lines[0]


def test_cli_infeasible_is_one_clear_line(tmp_path):
    path = tmp_path / "inf.jsonl"
    path.write_text(json.dumps(infeasible_rcpsp_dict()) + "\n")
    result = CliRunner().invoke(main, ["solve", str(path), "--time-limit", "5", "--no-progress"])
    assert result.exit_code == 0
    line = json.loads(result.stdout.splitlines()[0])
    assert line["instance"] == "too_tight" and line["status"] == "infeasible" and line["infeasible_proven"]


def test_cli_flags_a_wrong_optimal_reference_loudly(tmp_path):
    inst = ft06()
    src = tmp_path / "ft06.jsonl"
    src.write_text(json.dumps(inst.to_dict()) + "\n")
    refs = tmp_path / "reference.csv"
    refs.write_text("instance,lower_bound,upper_bound,closed,source\nft06,56,56,True,a wrong claim\n")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        main, ["solve", str(src), "--solver", "cpsat", "--references", str(refs), "-o", str(out)]
    )
    assert result.exit_code == 1
    assert "REFERENCE CONTRADICTION" in result.output and "beats the reference optimum 56" in result.output
    line = json.loads(out.read_text())
    assert line["objective"] == 55 and line["reference_check"]["flags"]
