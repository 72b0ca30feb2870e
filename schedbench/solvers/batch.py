"""Solve every instance of a JSONL file in parallel, writing each verified result as soon as it exists.

J processes with W CP-SAT workers each (J x W must fit the cores). With an output file the run is
resumable: instances already in it are skipped, and each new line is flushed to disk when written, so
a killed run loses at most the instances that were still being solved.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import signal
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from schedbench.datasets import JsonlAppender, dumps, read_instances
from schedbench.datasets.references import check_result, read_reference_file, reference_of
from schedbench.problems import Instance, SchedbenchError, instance_digest
from schedbench.records import SolveResult
from schedbench.solvers import SolveOptions, resolve_solver, solve

Callback = Callable[[SolveResult], None]


@dataclass
class BatchSummary:
    """What a batch run did: results written this run, instances skipped as already done, flags."""

    results: list[SolveResult] = field(default_factory=list)
    skipped: int = 0
    flagged: list[tuple[str, str]] = field(default_factory=list)

    def status_counts(self) -> Counter[str]:
        return Counter(r.status.value for r in self.results)

    def table_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows for the end-of-run table."""
        counts = self.status_counts()
        times = [r.time_s for r in self.results]
        gaps = [r.gap for r in self.results if r.gap is not None]
        rows = [
            ("solved this run", str(len(self.results))),
            ("skipped (already in output)", str(self.skipped)),
        ]
        rows += [
            (f"status {s}", str(counts[s])) for s in ("optimal", "feasible", "infeasible", "unknown", "error")
        ]
        if times:
            rows.append(
                ("time per instance, median / max (s)", f"{statistics.median(times):.2f} / {max(times):.2f}")
            )
        if gaps:
            rows.append(("mean gap (feasible + optimal)", f"{100 * statistics.fmean(gaps):.2f}%"))
        checks = [r.reference_check for r in self.results if r.reference_check is not None]
        if checks:
            notes = [n for c in checks for n in c["notes"]]
            rows.append(("with a reference", str(len(checks))))
            rows.append(("  matching it", str(sum(n.startswith("matches") for n in notes))))
            rows.append(("  improving on it", str(sum(n.startswith("improves") for n in notes))))
        rows.append(("reference contradictions", str(len(self.flagged))))
        return rows


def _solve_one(inst: Instance, solver: str, options: SolveOptions) -> SolveResult:
    """Worker entry point: solve one instance, return its verified result."""
    return solve(inst, solver, options)


def check_parallelism(jobs: int, workers: int) -> None:
    """Refuse to oversubscribe: J processes x W workers must fit the machine's cores."""
    cores = os.cpu_count() or 1
    if jobs < 1 or workers < 1:
        raise SchedbenchError("--jobs and --workers must be at least 1")
    if jobs * workers > cores:
        raise SchedbenchError(
            f"--jobs {jobs} x --workers {workers} = {jobs * workers} exceeds the {cores} cores of this machine"
        )


def solve_file(
    path: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    solver: str = "auto",
    time_limit: float = 10.0,
    workers: int = 1,
    jobs: int = 1,
    seed: int = 0,
    deterministic_time: float | None = None,
    mode: str = "optimize",
    references: str | os.PathLike[str] | None = None,
    progress: bool = True,
    stream: TextIO | None = None,
) -> BatchSummary:
    """Solve all instances in `path`; write lines to `output` (resuming it) or to `stream` (stdout).

    Instances are solved in `jobs` worker processes. Ctrl-C or SIGTERM stops the run: pending work is
    cancelled, the workers (and any solver process they started) are killed, and results cut short are
    never written, so a resumed run solves those instances again.
    """
    check_parallelism(jobs, workers)
    options = SolveOptions(
        time_limit=time_limit, workers=workers, seed=seed, deterministic_time=deterministic_time, mode=mode
    )
    if output is not None:
        _refuse_same_file(output, path, "the instance file")
        if references is not None:
            _refuse_same_file(output, references, "the references file")
    instances = read_instances(path)
    for inst in instances:
        resolve_solver(inst, solver)  # a bad solver choice fails before anything runs
    table = read_reference_file(references) if references is not None else None
    appender = _open_output(output, instances) if output is not None else None
    done = appender.done_keys() if appender is not None else set()
    todo = [inst for inst in instances if inst.name not in done]
    summary = BatchSummary(skipped=len(instances) - len(todo))
    by_name = {inst.name: inst for inst in todo}
    out = stream or sys.stdout

    def record(result: SolveResult) -> None:
        inst = by_name[result.instance]
        ref = reference_of(inst, table)
        if ref is not None:
            check = check_result(result.to_dict(), ref)
            result = dataclasses.replace(result, reference_check=check)
            summary.flagged += [(inst.name, flag) for flag in check["flags"]]
        if appender is not None:
            appender.write(result.to_dict())
        else:
            out.write(dumps(result.to_dict()) + "\n")
            out.flush()
        summary.results.append(result)

    try:
        with _progress(progress, len(todo), summary.skipped) as advance, _sigterm_interrupts():
            _run_pool(todo, solver, options, jobs, record, advance)
    finally:
        if appender is not None:
            appender.close()
    return summary


def _refuse_same_file(output: str | os.PathLike[str], other: str | os.PathLike[str], what: str) -> None:
    if Path(output).exists() and Path(other).exists() and os.path.samefile(output, other):
        raise SchedbenchError(f"the output is {what}; choose another output file", source=str(output))


def _open_output(output: str | os.PathLike[str], instances: list[Instance]) -> JsonlAppender:
    """Open the output for appending. Every line must be a solve result; one for an instance whose
    content has changed since is refused, as resuming would mix results of two instance sets. Records
    without a hash (schedbench 0.1) are trusted by name, as 0.1 did."""
    digests = {inst.name: instance_digest(inst) for inst in instances}

    def check(obj: dict[str, Any]) -> str | None:
        try:
            result = SolveResult.from_dict(obj)
        except SchedbenchError as err:
            return str(err)
        stored = result.instance_sha256
        if stored is not None and result.instance in digests and stored != digests[result.instance]:
            return f"instance {result.instance!r} was solved from different content (instance_sha256 differs)"
        return None

    return JsonlAppender(output, check=check, what="solve results of these instances")


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, as Ctrl-C does (main thread only; elsewhere nothing changes)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
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


def _worker_init() -> None:
    """Pool worker setup: Ctrl-C is left to the parent (which ends the workers), and on Linux a worker
    dies with its parent instead of waiting for work that never comes."""
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


def _run_pool(
    todo: list[Instance], solver: str, options: SolveOptions, jobs: int, record: Callback, advance: Callback
) -> None:
    if not todo:
        return
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_worker_init)
    pending: set[Future[SolveResult]] = set()
    queue = list(reversed(todo))
    try:
        # keep only a few tasks in flight so an interrupted run has little unfinished work
        while queue or pending:
            while queue and len(pending) < 2 * jobs:
                pending.add(pool.submit(_solve_one, queue.pop(), solver, options))
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                result = fut.result()
                record(result)
                advance(result)
    except BaseException:
        workers = [p for p in multiprocessing.active_children() if p not in before]
        pool.shutdown(wait=False, cancel_futures=True)
        _kill(workers)
        raise
    pool.shutdown(wait=True)


def _kill(workers: list[multiprocessing.process.BaseProcess]) -> None:
    """SIGKILL each worker and the processes it started (CBC runs as one), then reap the workers."""
    for proc in workers:
        if proc.pid is None:
            continue
        descendants = _descendants(proc.pid)
        for pid in [proc.pid, *descendants]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    for proc in workers:
        proc.join(timeout=5)


def _descendants(pid: int) -> list[int]:
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


class _progress:
    """A rich progress bar on stderr (or nothing), yielding an `advance(result)` callback."""

    def __init__(self, enabled: bool, total: int, skipped: int) -> None:
        self.enabled = enabled and total > 0
        self.total = total
        self.skipped = skipped
        self.bar: Any = None

    def __enter__(self) -> Callback:
        if not self.enabled:
            return lambda result: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("[bold]solving"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
        )
        self.bar.start()
        task = self.bar.add_task("", total=self.total)
        counts: Counter[str] = Counter()

        def advance(result: SolveResult) -> None:
            counts[result.status.value] += 1
            text = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            self.bar.update(task, advance=1, description=f"{result.instance}: {result.status}  [{text}]")
            for flag in (result.reference_check or {}).get("flags", []):
                self.bar.console.print(
                    f"[bold red]REFERENCE CONTRADICTION[/] {result.instance}: {flag}", soft_wrap=True
                )
            if result.status == "error":
                self.bar.console.print(f"[bold red]ERROR[/] {result.instance}: {result.message}")

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def print_summary(summary: BatchSummary, console: Any = None) -> None:
    """The end-of-run table, and every reference contradiction in red."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(stderr=True)
    table = Table(title="solve summary", show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for label, value in summary.table_rows():
        table.add_row(label, value)
    console.print(table)
    for name, flag in summary.flagged:
        console.print(f"[bold red]REFERENCE CONTRADICTION[/] {name}: {flag}", soft_wrap=True)
