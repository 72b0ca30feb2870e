"""`schedbench --help` (and every command's --help) imports no heavy library, so it starts fast."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

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

COMMANDS = [
    [],
    ["schema"],
    ["validate"],
    ["verify"],
    ["generate"],
    ["generate", "rcpsp"],
    ["import"],
    ["solve"],
    ["solvers", "list"],
    ["heuristics", "list"],
    ["leaderboard"],
    ["llm", "eval"],
    ["llm", "report"],
    ["llm", "serve-baseline"],
    ["demo"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "main")
def test_help_imports_no_heavy_library(command: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *command, "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    *help_lines, modules = proc.stdout.splitlines()
    assert any("Usage:" in line for line in help_lines)
    assert "schedbench" in json.loads(modules)
    assert sorted(set(json.loads(modules)) & set(HEAVY)) == []
