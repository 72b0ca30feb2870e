"""Solve every instance of a JSONL file in parallel, writing each verified result as soon as it exists.

J processes with W CP-SAT workers each (J x W must fit the cores). With an output file the run is
resumable: instances already in it are skipped, and each new line is flushed to disk when written, so
a killed run loses at most the instances that were still being solved.
"""

from __future__ import annotations

import os
import statistics
import sys
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, TextIO

from schedbench.problems import SchedbenchError, parse_instance


@dataclass
class BatchSummary:
    """What a batch run did: results written this run, instances skipped as already done, flags."""

    results: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0
    flagged: list[tuple[str, str]] = field(default_factory=list)

    def status_counts(self) -> Counter[str]:
        return Counter(r["status"] for r in self.results)

    def table_rows(self) -> list[tuple[str, str]]:
        """(label, value) rows for the end-of-run table."""
        counts = self.status_counts()
        times = [r["time_s"] for r in self.results]
        gaps = [r["gap"] for r in self.results if r.get("gap") is not None]
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
        checks = [r["reference_check"] for r in self.results if "reference_check" in r]
        if checks:
            notes = [n for c in checks for n in c["notes"]]
            rows.append(("with a reference", str(len(checks))))
            rows.append(("  matching it", str(sum(n.startswith("matches") for n in notes))))
            rows.append(("  improving on it", str(sum(n.startswith("improves") for n in notes))))
        rows.append(("reference contradictions", str(len(self.flagged))))
        return rows


def _solve_one(obj: dict[str, Any], solver: str, options: dict[str, Any]) -> dict[str, Any]:
    """Worker entry point: parse, solve, return the verified solution dict."""
    from schedbench.solvers import solve

    return solve(parse_instance(obj), solver, **options)


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
    """Solve all instances in `path`; write lines to `output` (resuming it) or to `stream` (stdout)."""
    from schedbench.datasets import JsonlAppender, dumps, read_instances
    from schedbench.datasets.references import check_result, reference_of
    from schedbench.datasets.references import read_reference_file as load_references
    from schedbench.solvers import MODES, resolve_solver

    check_parallelism(jobs, workers)
    if mode not in MODES:
        raise SchedbenchError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
    instances = read_instances(path)
    for inst in instances:
        resolve_solver(inst, solver)  # a bad solver choice fails before anything runs
    table = load_references(references) if references is not None else None
    appender = JsonlAppender(output) if output is not None else None
    done = appender.done_keys() if appender is not None else set()
    todo = [inst for inst in instances if inst.name not in done]
    summary = BatchSummary(skipped=len(instances) - len(todo))
    by_name = {inst.name: inst for inst in todo}
    options = {
        "time_limit": time_limit,
        "workers": workers,
        "seed": seed,
        "deterministic_time": deterministic_time,
        "mode": mode,
    }
    out = stream or sys.stdout

    def record(result: dict[str, Any]) -> None:
        inst = by_name[result["instance"]]
        ref = reference_of(inst, table)
        if ref is not None:
            check = check_result(result, ref)
            result["reference_check"] = check
            summary.flagged += [(inst.name, flag) for flag in check["flags"]]
        if appender is not None:
            appender.write(result)
        else:
            out.write(dumps(result) + "\n")
            out.flush()
        summary.results.append(result)

    try:
        with _progress(progress, len(todo), summary.skipped) as advance:
            if jobs == 1:
                for inst in todo:
                    result = _solve_one(inst.to_dict(), solver, options)
                    record(result)
                    advance(result)
            else:
                _run_pool(todo, solver, options, jobs, record, advance)
    finally:
        if appender is not None:
            appender.close()
    return summary


def _run_pool(
    todo: list[Any], solver: str, options: dict[str, Any], jobs: int, record: Any, advance: Any
) -> None:
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"))
    pending: set[Future[dict[str, Any]]] = set()
    queue = list(reversed(todo))
    try:
        # keep only a few tasks in flight so an interrupted run has little unfinished work
        while queue or pending:
            while queue and len(pending) < 2 * jobs:
                pending.add(pool.submit(_solve_one, queue.pop().to_dict(), solver, options))
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                result = fut.result()
                record(result)
                advance(result)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


class _progress:
    """A rich progress bar on stderr (or nothing), yielding an `advance(result)` callback."""

    def __init__(self, enabled: bool, total: int, skipped: int) -> None:
        self.enabled = enabled and total > 0
        self.total = total
        self.skipped = skipped
        self.bar: Any = None

    def __enter__(self) -> Any:
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

        def advance(result: dict[str, Any]) -> None:
            counts[result["status"]] += 1
            text = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            self.bar.update(
                task, advance=1, description=f"{result['instance']}: {result['status']}  [{text}]"
            )
            for flag in (result.get("reference_check") or {}).get("flags", []):
                self.bar.console.print(
                    f"[bold red]REFERENCE CONTRADICTION[/] {result['instance']}: {flag}", soft_wrap=True
                )
            if result["status"] == "error":
                self.bar.console.print(f"[bold red]ERROR[/] {result['instance']}: {result.get('message')}")

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
