"""Fixtures of the discover tests: small solved splits (SMTT, JSSP, RCPSP) and a mutate server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.mutate import MutateConfig

ROOT = Path(__file__).resolve().parents[2]


def cli(
    *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m schedbench.cli ARGS` with this tree's package."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "schedbench.cli", *args], capture_output=True, text=True, env=environment
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}: {done.stderr}")
    return done


@pytest.fixture(scope="session")
def cli_run():
    return cli


def _solved(folder: Path, splits: dict[str, list[str]], solver: str = "auto") -> dict[str, str]:
    paths = {}
    for name, generate in splits.items():
        path = folder / f"{name}.jsonl"
        cli("generate", *generate, "-o", str(path), "--no-progress")
        paths[name] = str(path)
    together = folder / "all.jsonl"
    together.write_text("".join(Path(p).read_text() for p in paths.values()))
    refs = folder / "refs.jsonl"
    cli("solve", str(together), "--solver", solver, "-o", str(refs), "--no-progress", "--time-limit", "5")
    paths["references"] = str(refs)
    return paths


@pytest.fixture(scope="session")
def smtt_splits(tmp_path_factory) -> dict[str, str]:
    """Train n=10 (12 instances), val n=12 (12), test n=14 (25), all with DP optima."""
    folder = tmp_path_factory.mktemp("smtt")
    return _solved(
        folder,
        {
            "train": [
                "smtt",
                "--jobs",
                "10",
                "--tf",
                "0.4,0.6,0.8",
                "--rdd",
                "0.2,0.6",
                "--per-class",
                "2",
                "--seed",
                "1",
            ],
            "val": [
                "smtt",
                "--jobs",
                "12",
                "--tf",
                "0.4,0.6,0.8",
                "--rdd",
                "0.2,0.6",
                "--per-class",
                "2",
                "--seed",
                "2",
            ],
            "test": ["smtt", "--jobs", "14", "--per-class", "1", "--seed", "3"],
        },
    )


@pytest.fixture(scope="session")
def jssp_splits(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("jssp")
    return _solved(
        folder,
        {
            "train": ["jssp", "--jobs", "4", "--machines", "3", "--count", "4", "--seed", "1"],
            "val": ["jssp", "--jobs", "4", "--machines", "3", "--count", "3", "--seed", "2"],
            "test": ["jssp", "--jobs", "5", "--machines", "3", "--count", "3", "--seed", "3"],
        },
        solver="cpsat",
    )


@pytest.fixture(scope="session")
def rcpsp_splits(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("rcpsp")
    return _solved(
        folder,
        {
            "train": ["rcpsp", "--tasks", "8", "--levels", "2,4", "--per-level", "2", "--seed", "1"],
            "val": ["rcpsp", "--tasks", "8", "--levels", "3", "--per-level", "2", "--seed", "2"],
            "test": ["rcpsp", "--tasks", "8", "--levels", "5", "--per-level", "2", "--seed", "3"],
        },
        solver="cpsat",
    )


@pytest.fixture
def mutate_server():
    """A factory: ``with mutate_server(hostile_rate=..) as url``."""

    def start(**options: object) -> ServerThread:
        return ServerThread(BaselineConfig(mode="mutate", mutate=MutateConfig(**options)))  # type: ignore[arg-type]

    return start
