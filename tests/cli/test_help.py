"""`schedbench --help` (and every command's --help) imports no heavy library, so it starts fast."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest

from schedbench.cli import COMMANDS

HEAVY = (
    "ortools",
    "pulp",
    "highspy",
    "openai",
    "matplotlib",
    "rich",
    "networkx",
    "jsonschema",
    "psplib",
    "httpx",
    "dask",
    "distributed",
    "dask_jobqueue",
)

PROBE = """
import json, sys
from schedbench.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))
"""

HELP_OF = [
    [],
    ["schema"],
    ["validate"],
    ["verify"],
    ["generate"],
    ["generate", "rcpsp"],
    ["import"],
    ["solve"],
    ["merge"],
    ["solvers", "list"],
    ["heuristics", "list"],
    ["leaderboard"],
    ["llm", "eval"],
    ["llm", "report"],
    ["llm", "serve-baseline"],
    ["demo"],
    ["report"],
    ["view"],
]


@pytest.mark.parametrize("command", HELP_OF, ids=lambda c: " ".join(c) or "main")
def test_help_imports_no_heavy_library(command: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *command, "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    *help_lines, modules = proc.stdout.splitlines()
    assert any("Usage:" in line for line in help_lines)
    assert "schedbench" in json.loads(modules)
    assert sorted(set(json.loads(modules)) & set(HEAVY)) == []


def test_main_help_loads_no_command_module_and_lists_every_command() -> None:
    probe = PROBE.replace('m.split(".")[0] for m in sys.modules', "m for m in sys.modules")
    proc = subprocess.run([sys.executable, "-c", probe, "--help"], capture_output=True, text=True, timeout=60)
    *help_lines, modules = proc.stdout.splitlines()
    loaded = [m for m in json.loads(modules) if m.startswith("schedbench.") and m.split(".")[1] != "problems"]
    assert loaded == ["schedbench.cli"]
    listed = [line.split()[0] for line in help_lines[help_lines.index("Commands:") + 1 :] if line.strip()]
    assert listed == sorted(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_summaries_are_the_commands_own(name: str) -> None:
    module, attribute, summary = COMMANDS[name]
    command = getattr(importlib.import_module(f"schedbench.cli.{module}"), attribute)
    assert command.name == name
    assert command.get_short_help_str(1000) == summary
