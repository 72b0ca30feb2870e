"""A test-only solver, ``testkit``, and an SMTT rule, ``testkit-edd``: it SIGKILLs its own process on an instance whose
name starts with ``poison`` (a worker killer), sleeps a little on the others (so a batch is still running
when a test kills a worker) and then solves them with the DP (SMTT) or CP-SAT.

Tests register it only for their own duration (`registered()`, so the registry other tests see is
untouched); worker processes register it too: the local pool through `worker_init`, Dask workers
(current and restarted ones) through `RegisterTestkit`, a worker plug-in.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

from schedbench.datasets.workers import worker_init as _pool_init
from schedbench.heuristics.registry import HEURISTIC_REGISTRY, Heuristic
from schedbench.problems import Instance
from schedbench.problems.smtt import solution_from_order
from schedbench.solvers import SOLVER_REGISTRY, SolverEntry
from schedbench.solvers.options import SolveOptions
from schedbench.solvers.registry import ALL_PROBLEMS, backend_of
from schedbench.solvers.result import RawResult

PAUSE_S = 0.15

try:
    from distributed import WorkerPlugin
except ImportError:  # the Dask tests skip; the local ones still use this module
    WorkerPlugin = object  # type: ignore[assignment,misc]


def _run(inst: Instance, options: SolveOptions) -> RawResult:
    if inst.name.startswith("poison"):
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(PAUSE_S)
    return backend_of("dp" if inst.problem == "smtt" else "cpsat")(inst, options)


def _edd(inst: Instance) -> dict:
    if inst.name.startswith("poison"):
        os.kill(os.getpid(), signal.SIGKILL)
    return solution_from_order(inst, sorted(range(inst.n), key=lambda j: (inst.due_dates[j], j)))


def register() -> None:
    if "testkit" not in SOLVER_REGISTRY.names():
        SOLVER_REGISTRY.register(
            SolverEntry("testkit", ALL_PROBLEMS, "test only: kills its process on poison* instances", _run)
        )
    if "testkit-edd" not in HEURISTIC_REGISTRY.names("smtt"):
        HEURISTIC_REGISTRY.register(
            Heuristic("smtt", "testkit-edd", "test only: EDD, or death on poison*", _edd)
        )


@contextmanager
def registered() -> Iterator[None]:
    """The testkit solver registered in this process for the block's duration."""
    register()
    try:
        yield
    finally:
        SOLVER_REGISTRY._entries = [e for e in SOLVER_REGISTRY._entries if e.name != "testkit"]
        HEURISTIC_REGISTRY._entries = [e for e in HEURISTIC_REGISTRY._entries if e.name != "testkit-edd"]


def worker_init() -> None:
    """A local pool worker that knows the testkit solver."""
    _pool_init()
    register()


class RegisterTestkit(WorkerPlugin):  # type: ignore[misc]
    """Registers the testkit solver on every Dask worker, restarted ones included."""

    def setup(self, worker: object) -> None:
        register()


def double_or_die(x: int) -> int:
    """A task for the executor tests: SIGKILLs its own process on a negative number."""
    if x < 0:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.02)
    return 2 * x


def raise_on_seven(x: int) -> int:
    if x == 7:
        raise ValueError("seven")
    return x
