"""Worker processes that end with the run, and SIGTERM handled as Ctrl-C.

`WorkerPool` runs a function over many argument tuples in spawned processes with only a few tasks in
flight. Leaving its block normally waits for the workers to exit; leaving it by an exception (Ctrl-C,
SIGTERM under `sigterm_as_sigint`, an error) cancels the pending work and SIGKILLs every worker and
every process a worker started (solver processes, plug-in sandboxes), so nothing outlives the run.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing import get_context
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, TypeVar

R = TypeVar("R")

__all__ = ["WorkerPool", "descendants", "kill_process_trees", "sigterm_as_sigint", "worker_init"]


@contextmanager
def sigterm_as_sigint() -> Iterator[None]:
    """Within the block SIGTERM does what Ctrl-C does: it calls the SIGINT handler in force (Python's
    raises KeyboardInterrupt; asyncio's cancels the main task). Main thread only; elsewhere a no-op."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        handler = signal.getsignal(signal.SIGINT)
        if callable(handler):
            handler(signal.SIGINT, frame)
        else:  # SIGINT ignored or default: a SIGTERM still stops the run
            raise KeyboardInterrupt(f"signal {signum}")

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def worker_init() -> None:
    """Pool worker setup: Ctrl-C is left to the parent (which ends the workers), SIGTERM kills, and on
    Linux a worker dies with its parent instead of waiting for work that never comes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        parent = os.getppid()
        pr_set_pdeathsig = 1
        try:
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # the parent died before the call above
            os._exit(1)


class WorkerPool:
    """``jobs`` spawned worker processes; use as a context manager around `imap_unordered`."""

    def __init__(
        self, jobs: int, *, initializer: Callable[[], None] = worker_init, in_flight: int | None = None
    ) -> None:
        self.jobs = jobs
        self.in_flight = in_flight or 2 * jobs  # few tasks in flight: an interrupt leaves little unfinished
        self._initializer = initializer
        self._pool: ProcessPoolExecutor | None = None
        self._before: set[BaseProcess] = set()

    def __enter__(self) -> WorkerPool:
        self._before = set(multiprocessing.active_children())
        self._pool = ProcessPoolExecutor(
            max_workers=self.jobs, mp_context=get_context("spawn"), initializer=self._initializer
        )
        return self

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        """``fn(*args)`` in a worker process (use `renew` after a `BrokenProcessPool`)."""
        assert self._pool is not None, "use the pool as a context manager"
        return self._pool.submit(fn, *args)

    @property
    def broken(self) -> bool:
        """True when a worker died and the pool refuses work until `renew`."""
        return bool(self._pool is not None and getattr(self._pool, "_broken", False))

    def renew(self) -> None:
        """Replace a broken pool by a fresh one; the old workers and what they started are killed."""
        self.terminate()
        self.__enter__()

    def imap_unordered(self, fn: Callable[..., R], arguments: Iterable[tuple[Any, ...]]) -> Iterator[R]:
        """``fn(*args)`` for each tuple, in worker processes; results in the order they finish."""
        assert self._pool is not None, "use the pool as a context manager"
        todo = iter(arguments)
        pending: set[Future[R]] = set()
        more = True
        while True:
            while more and len(pending) < self.in_flight:
                args = next(todo, None)
                if args is None:
                    more = False
                else:
                    pending.add(self._pool.submit(fn, *args))
            if not pending:
                return
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            assert self._pool is not None
            self._pool.shutdown(wait=True)
        else:
            self.terminate()

    def terminate(self) -> None:
        """Cancel pending work and SIGKILL the workers with everything they started (signals held meanwhile)."""
        if self._pool is None:
            return
        held = {signal.SIGINT, signal.SIGTERM}
        masked = hasattr(signal, "pthread_sigmask")
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, held) if masked else set()
        try:
            known = dict(getattr(self._pool, "_processes", None) or {})  # the executor's own list
            self._pool.shutdown(wait=False, cancel_futures=True)
            workers = [p for p in multiprocessing.active_children() if p not in self._before]
            workers += [p for p in known.values() if p not in workers]
            kill_process_trees(workers)
        finally:
            if masked:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)
            self._pool = None


def kill_process_trees(workers: Iterable[BaseProcess]) -> None:
    """SIGKILL each process and every process it started (found before the kill), then reap them."""
    workers = [p for p in workers if p.pid is not None]
    for proc in workers:
        assert proc.pid is not None
        for pid in [proc.pid, *descendants(proc.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    for proc in workers:
        proc.join(timeout=5)


def descendants(pid: int) -> list[int]:
    """Children, grandchildren, ... of ``pid`` from /proc (empty where /proc does not list them)."""
    out: list[int] = []
    stack = [pid]
    while stack:
        parent = stack.pop()
        for task in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = [int(c) for c in task.read_text().split()]
            except OSError:
                continue
            out += children
            stack += children
    return out
