"""Option names across commands: new spellings, old ones as hidden working aliases, bad values in one line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import schedbench.cli.demo
import schedbench.cli.heuristics
import schedbench.cli.llm
import schedbench.cli.solve
from schedbench.cli import main

SMTT = {
    "schema": "schedbench/instance/v1",
    "problem": "smtt",
    "name": "s1",
    "jobs": [{"name": "a", "p": 2, "d": 1}, {"name": "b", "p": 1, "d": 1}],
}


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def smtt_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.jsonl"
    path.write_text(json.dumps(SMTT) + "\n")
    return path


class Captured:
    """Stands in for a library entry point and keeps the arguments it was called with."""

    def __init__(self, returns: Any = None) -> None:
        self.returns = returns
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append((args, kwargs))
        if isinstance(self.returns, BaseException):
            raise self.returns
        return self.returns


class Stop(Exception):
    """Raised by a captured entry point once the arguments are known."""


def captured_kwargs(monkeypatch, module, name: str, *args: str) -> tuple[dict[str, Any], Any]:
    fake = Captured(Stop())
    monkeypatch.setattr(module, name, fake)
    result = run(*args)
    assert isinstance(result.exception, Stop), result.output
    ((_, kwargs),) = fake.calls
    return kwargs, result


# (command, new spelling, old spelling, value, captured entry point, keyword it reaches)
ALIASES = [
    (["solve"], "--processes", "--jobs", "2", schedbench.cli.solve, "solve_file", "jobs"),
    (["solve"], "--threads-per-solve", "--workers", "2", schedbench.cli.solve, "solve_file", "workers"),
    (
        ["leaderboard"],
        "--processes",
        "--workers",
        "3",
        schedbench.cli.heuristics,
        "run_leaderboard",
        "workers",
    ),
    (["llm", "eval"], "--request-timeout", "--timeout", "7.5", schedbench.cli.llm, "run_eval", "timeout_s"),
    (["demo"], "--output", "--out", "d", schedbench.cli.demo, "run_demo", None),
]


def _args(command: list[str], data: Path, tmp_path: Path) -> list[str]:
    if command == ["solve"]:
        return ["solve", str(data)]
    if command == ["leaderboard"]:
        return ["leaderboard", str(data), "-o", str(tmp_path / "lb")]
    if command == ["llm", "eval"]:
        return ["llm", "eval", str(data), "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "-o", "run"]
    return list(command)


def _reached(kwargs: dict[str, Any], args: tuple[Any, ...], keyword: str | None) -> Any:
    if keyword is None:  # demo: the folder is the first positional argument
        return args[0]
    if keyword == "timeout_s":  # llm eval: an EvalConfig
        return getattr(args[0], keyword)
    if keyword not in kwargs and "options" in kwargs:  # solve: a SolveOptions
        return getattr(kwargs["options"], keyword)
    return kwargs[keyword]


@pytest.mark.parametrize(("command", "new", "old", "value", "module", "entry", "keyword"), ALIASES)
def test_old_and_new_spellings_reach_the_library_alike_and_old_ones_are_hidden(
    monkeypatch, smtt_file: Path, tmp_path: Path, command, new, old, value, module, entry, keyword
) -> None:
    base = _args(command, smtt_file, tmp_path)
    seen = {}
    for spelling in (new, old):
        fake = Captured(Stop())
        monkeypatch.setattr(module, entry, fake)
        result = run(*base, spelling, value)
        assert isinstance(result.exception, Stop), result.output
        ((args, kwargs),) = fake.calls
        seen[spelling] = _reached(kwargs, args, keyword)
        note = [line for line in result.stderr.splitlines() if line.startswith("note:")]
        assert note == ([f"note: {old} is deprecated; use {new}"] if spelling == old else [])
    assert seen[new] == seen[old] == type(seen[new])(value)
    helptext = run(*command, "--help").output
    assert new in helptext and old not in helptext.replace(new, "")


@pytest.mark.parametrize(("command", "new", "old", "value", "module", "entry", "keyword"), ALIASES)
def test_giving_both_spellings_is_a_one_line_error(
    smtt_file: Path, tmp_path: Path, command, new, old, value, module, entry, keyword
) -> None:
    result = run(*_args(command, smtt_file, tmp_path), new, value, old, value)
    assert_one_line_error(result, f"{old} is the old name of {new}")


def test_short_options_mean_the_same_everywhere(monkeypatch, smtt_file: Path, tmp_path: Path) -> None:
    kwargs, _ = captured_kwargs(
        monkeypatch, schedbench.cli.solve, "solve_file", "solve", str(smtt_file), "-j", "2", "-w", "1"
    )
    assert (kwargs["jobs"], kwargs["options"].workers) == (2, 1)
    lb = str(tmp_path / "lb")
    kwargs, _ = captured_kwargs(
        monkeypatch,
        schedbench.cli.heuristics,
        "run_leaderboard",
        "leaderboard",
        str(smtt_file),
        "-j",
        "2",
        "-o",
        lb,
    )
    assert kwargs["workers"] == 2
    for command in (["generate", "rcpsp"], ["import"], ["solve"], ["leaderboard"], ["llm", "eval"], ["llm", "report"],
                    ["demo"]):  # fmt: skip
        assert "-o, --output" in run(*command, "--help").output, command


def test_plugin_timeout_and_limits_reach_the_sandbox(monkeypatch, smtt_file: Path, tmp_path: Path) -> None:
    args = [
        "leaderboard",
        str(smtt_file),
        "-o",
        str(tmp_path / "lb"),
        "--plugin-timeout",
        "4",
        "--memory-mb",
        "64",
    ]
    kwargs, _ = captured_kwargs(monkeypatch, schedbench.cli.heuristics, "run_leaderboard", *args)
    limits = kwargs["limits"]
    assert (limits.wall_seconds, limits.memory_bytes) == (4.0, 64 * 1024 * 1024)


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["generate", "rcpsp", "--tasks", "-5"], ("'--tasks'", "-5")),
        (["generate", "smtt", "--seed", "x"], ("'--seed'",)),
        (["generate", "jssp", "--jobs", "3", "--machines", "3", "--due-dates", "inf"], ("'--due-dates'", "finite")),
        (["solve", "{data}", "--time-limit", "nan"], ("'--time-limit'", "finite")),
        (["solve", "{data}", "--time-limit", "0"], ("'--time-limit'", "x>0")),
        (["solve", "{data}", "--deterministic-time", "-1"], ("'--deterministic-time'",)),
        (["solve", "{data}", "-j", "0"], ("'--processes'",)),
        (["solve", "{data}", "--jobs", "0"], ("'--jobs'",)),
        (["solve", "{data}", "--solver", "nope"], ("'nope' is not one of", "'cpsat'", "'exact'")),
        (["leaderboard", "{data}", "-o", "{tmp}/lb", "--memory-mb", "-1"], ("'--memory-mb'", "-1")),
        (["leaderboard", "{data}", "-o", "{tmp}/lb", "--timeout", "nan"], ("'--timeout'", "finite")),
        (["leaderboard", "{data}", "-o", "{tmp}/lb", "--plugin-timeout", "nan"], ("'--plugin-timeout'", "finite")),
        (["leaderboard", "{data}", "-o", "{tmp}/lb", "--cpu-limit", "0"], ("'--cpu-limit'",)),
        (["llm", "eval", "{data}", "--base-url", "u", "--model", "m", "-o", "{tmp}/r", "--timeout", "nan"],
         ("'--timeout'", "finite")),
        (["llm", "eval", "{data}", "--base-url", "u", "--model", "m", "-o", "{tmp}/r", "--request-timeout", "-3"],
         ("'--request-timeout'",)),
        (["llm", "eval", "{data}", "--base-url", "u", "--model", "m", "-o", "{tmp}/r", "--deadline", "nan"],
         ("'--deadline'", "finite")),
        (["llm", "eval", "{data}", "--base-url", "u", "--model", "m", "-o", "{tmp}/r", "--temperature", "nan"],
         ("'--temperature'", "finite")),
        (["llm", "report", "{tmp}", "--tau", "nan"], ("'--tau'", "finite")),
        (["llm", "serve-baseline", "--delay", "nan"], ("'--delay'", "finite")),
        (["schema", "tsp"], ("'tsp' is not one of", "'rcpsp'", "'smtt'", "'jssp'")),
        (["nonsense"], ("No such command 'nonsense'",)),
    ],
)  # fmt: skip
def test_bad_values_are_one_line_exit_2_and_write_nothing(
    smtt_file: Path, tmp_path: Path, args: list[str], fragments: tuple[str, ...]
) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    filled = [a.replace("{data}", str(smtt_file)).replace("{tmp}", str(tmp_path)) for a in args]
    if filled[0] == "generate":
        filled += ["-o", str(tmp_path / "g.jsonl")]
    assert_one_line_error(run(*filled), *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_llm_eval_response_format_and_rendering_are_checked_once_by_the_library(
    monkeypatch, smtt_file: Path, tmp_path: Path
) -> None:
    args = ["llm", "eval", str(smtt_file), "--base-url", "http://127.0.0.1:9/v1", "--model", "m"]
    result = run(*args, "-o", str(tmp_path / "r"), "--response-format", "xml")
    assert_one_line_error(result, "--response-format", "json_object")
    result = run(*args, "-o", str(tmp_path / "r"), "--rendering", "fancy")
    assert_one_line_error(result, "--rendering", "synthetic")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "rcpsp", "--tasks", "-5"],
        ["solve", "{data}", "--time-limit", "nan"],
        ["leaderboard", "{data}", "-o", "{tmp}/lb", "--timeout", "nan"],
        ["leaderboard", "{data}", "-o", "{tmp}/lb", "--memory-mb", "-1"],
        ["llm", "eval", "{data}", "--base-url", "u", "--model", "m", "-o", "{tmp}/r", "--timeout", "nan"],
    ],
)
def test_issue_18_values_in_a_real_process_are_one_line(
    smtt_file: Path, tmp_path: Path, args: list[str]
) -> None:
    filled = [a.replace("{data}", str(smtt_file)).replace("{tmp}", str(tmp_path)) for a in args]
    if filled[0] == "generate":
        filled += ["-o", str(tmp_path / "g.jsonl")]
    proc = subprocess.run(
        [sys.executable, "-m", "schedbench.cli", *filled], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: Invalid value for"), proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.jsonl"]


def test_solver_and_import_format_names_are_case_insensitive(
    monkeypatch, smtt_file: Path, tmp_path: Path
) -> None:
    kwargs, _ = captured_kwargs(
        monkeypatch, schedbench.cli.solve, "solve_file", "solve", str(smtt_file), "--solver", "CPSAT"
    )
    assert kwargs["solver"] == "cpsat"
    ft = tmp_path / "ft.txt"
    ft.write_text("1 1\n0 3\n")
    result = run("import", "ORLIB-JSSP", str(ft), "-o", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "o.manifest.json").read_text())
    assert manifest["command"] == "import orlib-jssp"
