"""Solve every instance of a JSONL file in parallel, writing each verified result as soon as it exists.

J processes with W CP-SAT workers each (J x W must fit the cores), or any engine of
:mod:`schedbench.datasets.executors` (a Dask cluster, any ``concurrent.futures.Executor``): only this
process writes the output. With an output file the run is resumable: instances already in it are
skipped, and each new line is flushed to disk when written, so a killed run loses at most the instances
that were still being solved. ``shard=(I, N)`` solves every N-th instance; :func:`merge_shards` joins
the shard outputs once they cover the dataset exactly once.
"""

from __future__ import annotations

import dataclasses
import json
import os
import statistics
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from schedbench.datasets import JsonlAppender, dumps, manifest_path_for, read_instances, write_jsonl_atomic
from schedbench.datasets.executors import (
    Engine,
    TaskFailure,
    as_engine,
    cores_available,
    machine_info,
    run_bounded,
)
from schedbench.datasets.files import StrPath
from schedbench.datasets.jsonl import read_jsonl_tolerant
from schedbench.datasets.locks import OutputLock
from schedbench.datasets.manifest import manifest_on_exit
from schedbench.datasets.progress import NO_PROGRESS, ProgressSink
from schedbench.datasets.references import Reference, check_result, read_reference_file, reference_of
from schedbench.datasets.shards import check_cover, check_shard_numbers, parse_shard, select_shard
from schedbench.datasets.workers import sigterm_as_sigint
from schedbench.problems import Instance, SchedbenchError, instance_digest
from schedbench.records import SolveResult, SolverInfo, SolveStatus
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
    """Worker entry point: solve one instance, return its verified result and the machine it ran on."""
    return dataclasses.replace(solve(inst, solver, options), **machine_info())


def _failed(inst: Instance, solver: str, options: SolveOptions, failure: TaskFailure) -> SolveResult:
    """The error record of an instance whose task produced no result (its worker kept dying)."""
    return SolveResult(
        instance=inst.name,
        status=SolveStatus.ERROR,
        solver=SolverInfo(resolve_solver(inst, solver)),
        seed=options.seed,
        message=failure.reason,
        instance_sha256=instance_digest(inst),
    )


def check_parallelism(jobs: int, workers: int) -> None:
    """Refuse to oversubscribe: J processes x W workers must fit the cores this process may use."""
    cores = cores_available()
    if jobs < 1 or workers < 1:
        raise SchedbenchError("--jobs and --workers must be at least 1")
    if jobs * workers > cores:
        raise SchedbenchError(
            f"--jobs {jobs} x --workers {workers} = {jobs * workers} exceeds the {cores} cores of this machine"
        )


def solve_file(
    path: StrPath,
    output: StrPath | None = None,
    *,
    solver: str = "auto",
    options: SolveOptions | None = None,
    jobs: int = 1,
    references: StrPath | None = None,
    retry_errors: bool = False,
    progress: ProgressSink = NO_PROGRESS,
    on_result: Callback | None = None,
    stream: TextIO | None = None,
    executor: Engine | Executor | None = None,
    shard: tuple[int, int] | str | None = None,
) -> BatchSummary:
    """Solve all instances in `path`; write lines to `output` (resuming it) or to `stream` (stdout).

    `options` are the solver's (time limit, threads per solve, seed, ...). Instances are solved in `jobs`
    worker processes. Ctrl-C or SIGTERM stops the run: pending work is
    cancelled, the workers (and any solver process they started) are killed, and results cut short are
    never written, so a resumed run solves those instances again. With ``retry_errors`` an instance whose
    latest result is an ``error`` is solved again (the newer line wins). An output is locked while the run
    writes it (a second run on it is refused) and gets a manifest beside it (`manifest_path_for`).
    ``progress`` hears how many instances are done, with the statuses so far; ``on_result`` gets each
    result as it is recorded.

    ``executor`` runs the solves elsewhere: an :class:`~schedbench.datasets.executors.Engine` (see
    ``open_engine``) or any ``concurrent.futures.Executor``, owned by the caller; ``jobs`` then does not
    apply. A worker that keeps dying on an instance makes it an ``error`` record; the batch goes on.
    ``shard`` ``(I, N)`` or ``"I/N"`` keeps every N-th instance, from the I-th.
    """
    options = options or SolveOptions()
    if isinstance(shard, str):
        shard = parse_shard(shard)
    engine = as_engine(executor, jobs)
    if executor is None:
        check_parallelism(jobs, options.workers)
    if output is not None:
        _refuse_same_file(output, path, "the instance file")
        if references is not None:
            _refuse_same_file(output, references, "the references file")
    instances = select_shard(read_instances(path), shard)
    for inst in instances:
        resolve_solver(inst, solver)  # a bad solver choice fails before anything runs
    engine.check_threads(options.workers)  # a cluster: waits for a worker, refuses what none can run
    table = read_reference_file(references) if references is not None else None
    config = {
        "solver": solver,
        **{k: v for k, v in dataclasses.asdict(options).items() if k != "hint"},
        "jobs": jobs,
        "cluster": engine.name,
        "shard": None if shard is None else f"{shard[0]}/{shard[1]}",
        "references": None if references is None else str(references),
        "retry_errors": retry_errors,
    }
    with sigterm_as_sigint(), engine if executor is None else nullcontext(engine):
        if output is None:
            return _solve(
                instances,
                solver,
                options,
                engine,
                table,
                None,
                stream or sys.stdout,
                progress,
                on_result,
                BatchSummary(),
            )
        with OutputLock.for_file(output):
            appender = _open_output(output, instances)
            summary = BatchSummary()

            def counts() -> dict[str, int]:
                return {"solved_this_run": len(summary.results), "skipped": summary.skipped}

            with manifest_on_exit(
                manifest_path_for(output),
                command="schedbench solve",
                config=config,
                inputs=[p for p in (path, references) if p is not None],
                outputs=[output],
                extra=counts,
            ):
                try:
                    latest = {r.get("instance"): r.get("status") for r in appender.existing}
                    done = {name for name, st in latest.items() if not (retry_errors and st == "error")}
                    todo = [inst for inst in instances if inst.name not in done]
                    summary.skipped = len(instances) - len(todo)
                    _solve(todo, solver, options, engine, table, appender, None, progress, on_result, summary)
                finally:
                    appender.close()
    return summary


def _solve(
    todo: list[Instance],
    solver: str,
    options: SolveOptions,
    engine: Engine,
    table: dict[str, Reference] | None,
    appender: JsonlAppender | None,
    out: TextIO | None,
    progress: ProgressSink,
    on_result: Callback | None,
    summary: BatchSummary,
) -> BatchSummary:
    """Solve `todo` on the engine, recording each result (into `summary` too) as it comes."""
    counts: Counter[str] = Counter()
    if not todo:
        return summary
    for index, outcome in run_bounded(engine, _solve_one, [(inst, solver, options) for inst in todo]):
        inst = todo[index]
        if isinstance(outcome, TaskFailure):
            result = _failed(inst, solver, options, outcome)
        else:
            result = outcome
        ref = reference_of(inst, table)
        if ref is not None:
            check = check_result(result.to_dict(), ref)
            result = dataclasses.replace(result, reference_check=check)
            summary.flagged += [(inst.name, flag) for flag in check["flags"]]
        if appender is not None:
            appender.write(result.to_dict())
        elif out is not None:
            out.write(dumps(result.to_dict()) + "\n")
            out.flush()
        summary.results.append(result)
        counts[result.status.value] += 1
        progress.update(len(summary.results), len(todo), counts)
        if on_result is not None:
            on_result(result)
    return summary


def _refuse_same_file(output: StrPath, other: StrPath, what: str) -> None:
    if Path(output).exists() and Path(other).exists() and os.path.samefile(output, other):
        raise SchedbenchError(f"the output is {what}; choose another output file", source=str(output))


def _open_output(output: StrPath, instances: list[Instance]) -> JsonlAppender:
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


def merge_shards(
    path: StrPath, shards: Sequence[StrPath], output: StrPath, *, overwrite: bool = False
) -> int:
    """Join the outputs of ``solve --shard I/N`` runs on the instances in ``path`` into ``output``, in
    the dataset's order (an instance's latest line in its shard wins). Refused in one line unless the
    shards cover every instance exactly once: a shard missing or given twice (by the shards' manifests,
    when they have them), an instance in two shards or in none, a line for other content. Returns the
    number of records written."""
    instances = read_instances(path)
    digests = {inst.name: instance_digest(inst) for inst in instances}
    _check_shard_numbers(shards)
    found: dict[str, list[str]] = {}
    latest: dict[str, dict[str, Any]] = {}
    for shard in shards:
        if not Path(shard).is_file():
            raise SchedbenchError("shard output not found", source=str(shard))
        _refuse_same_file(output, shard, "a shard")
        lines: dict[str, dict[str, Any]] = {}
        for obj in read_jsonl_tolerant(shard, what="solve results"):
            result = SolveResult.from_dict(obj)
            stored = result.instance_sha256
            if stored is not None and result.instance in digests and stored != digests[result.instance]:
                raise SchedbenchError(
                    f"instance {result.instance!r} was solved from other content than the dataset's",
                    source=str(shard),
                )
            lines[result.instance] = obj
        found[str(shard)] = list(lines)
        latest.update(lines)
    check_cover([inst.name for inst in instances], found)
    return write_jsonl_atomic(output, [latest[inst.name] for inst in instances], overwrite=overwrite)


def _check_shard_numbers(shards: Sequence[StrPath]) -> None:
    """With manifests beside the shards, their ``I/N`` must be 1/N .. N/N, each once."""
    labels: list[tuple[str, str | None]] = []
    for shard in shards:
        try:
            config = json.loads(manifest_path_for(shard).read_text(encoding="utf-8")).get("config") or {}
            text = config.get("shard")
        except (OSError, ValueError, AttributeError):
            text = None
        labels.append((str(shard), text if isinstance(text, str) else None))
    check_shard_numbers(labels)
