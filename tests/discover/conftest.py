"""Fixtures of the discover tests: small solved splits (SMTT, JSSP, RCPSP) and a mutate server."""

from __future__ import annotations

import pytest
from helpers.discover import SMTT_SPLITS, cli, solved_splits

from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.mutate import MutateConfig


@pytest.fixture(scope="session")
def cli_run():
    return cli


@pytest.fixture(scope="session")
def smtt_splits(tmp_path_factory) -> dict[str, str]:
    """Train n=10 (12 instances), val n=12 (12), test n=14 (25), all with DP optima."""
    return solved_splits(tmp_path_factory.mktemp("smtt"), SMTT_SPLITS)


@pytest.fixture(scope="session")
def jssp_splits(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("jssp")
    return solved_splits(
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
    return solved_splits(
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
