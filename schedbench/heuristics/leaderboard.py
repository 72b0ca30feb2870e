"""Leaderboards: every rule on every instance, scored by the verifier, ranked against references.

One :class:`~schedbench.records.leaderboard.LeaderboardRecord` per rule x instance goes to
``DIR/records.jsonl`` as it comes; a re-run resumes, reusing a record only for the same instance content
(its hash; other content under the same name is refused) and the same plug-in file (a changed plug-in is
re-run). The aggregate (:mod:`~schedbench.heuristics.leaderboard_metrics`) goes to ``DIR/leaderboard.json``;
Markdown, CSV and PNG renderings are written by :func:`schedbench.reports.leaderboard.write_reports`.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, replace
from multiprocessing.util import Finalize
from pathlib import Path

from schedbench.datasets import JsonlAppender, manifest_path_for, read_instances, sha256_file
from schedbench.datasets.executors import (
    Engine,
    LocalEngine,
    TaskFailure,
    as_engine,
    cores_available,
    run_bounded,
)
from schedbench.datasets.files import write_text_atomic
from schedbench.datasets.jsonl import JsonValue, RecordCheck
from schedbench.datasets.labels import InstanceLabels, instance_hash
from schedbench.datasets.locks import OutputLock
from schedbench.datasets.manifest import manifest_on_exit
from schedbench.datasets.progress import NO_PROGRESS, ProgressSink
from schedbench.datasets.references import Reference, gap_pct, load_references
from schedbench.datasets.workers import sigterm_as_sigint, worker_init
from schedbench.heuristics.leaderboard_metrics import summarise, suspect_references
from schedbench.heuristics.plugins import PluginRule
from schedbench.heuristics.registry import get_heuristic, list_heuristics
from schedbench.heuristics.sandbox import Limits, resolved
from schedbench.problems import Instance, SchedbenchError, Verification, verify
from schedbench.records.leaderboard import (
    AGGREGATE_FILE,
    LEGACY_RESULTS_FILE,
    RECORDS_FILE,
    Leaderboard,
    LeaderboardRecord,
    PluginInfo,
    is_leaderboard_record,
    legacy_error,
)

LeaderboardResult = Leaderboard  # the name 0.1 used
CHUNK_MAX = 16  # instances per task at most; fewer when there are few instances per slot


# ---- one instance ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PluginCode:
    """A plug-in as it travels to a worker: its path (its name in records), hash and source text, so
    workers need no shared file system."""

    path: str
    sha256: str
    source: str

    @classmethod
    def read(cls, path: str) -> PluginCode:
        data = Path(path).read_bytes()
        return cls(path, hashlib.sha256(data).hexdigest(), data.decode("utf-8", errors="replace"))

    @property
    def info(self) -> PluginInfo:
        return PluginInfo(self.path, self.sha256)


# per process and thread: (thread, plug-in path) -> loaded rule. Each thread of a multi-threaded worker
# (a Dask worker with --nthreads 2) gets its own sandbox, so no two calls ever share one pipe.
_PLUGINS: dict[tuple[int, str], tuple[PluginRule, PluginInfo]] = {}
_PLUGINS_LOCK = threading.Lock()


def _plugin(plugin: str | PluginCode, limits: Limits) -> tuple[PluginRule, PluginInfo]:
    """The loaded plug-in (a path, or code shipped with the task), reloaded when its content changed."""
    if isinstance(plugin, PluginCode):
        path, info, source = plugin.path, plugin.info, plugin.source
    else:
        path, info, source = plugin, PluginInfo(plugin, sha256_file(plugin)), None
    key = (threading.get_ident(), path)
    with _PLUGINS_LOCK:
        loaded = _PLUGINS.get(key)
    if loaded is None or loaded[1] != info:
        if loaded is not None:
            loaded[0].close()
        loaded = (PluginRule(path, limits, source=source).load(), info)
        with _PLUGINS_LOCK:
            _PLUGINS[key] = loaded
    return loaded


def _close_plugins() -> None:
    """End the sandbox of every plug-in this process loaded."""
    while True:
        with _PLUGINS_LOCK:
            if not _PLUGINS:
                return
            rule = _PLUGINS.popitem()[1][0]
        rule.close()


def evaluate(
    inst: Instance,
    rules: Sequence[str],
    plugins: Sequence[str | PluginCode] = (),
    limits: Limits | None = None,
) -> list[LeaderboardRecord]:
    """Run the named rules and plug-ins (paths, or code shipped along) on one instance; one verified
    record per rule, failures included.

    The records carry no reference yet (see :func:`with_reference`).
    """
    limits = limits or Limits()
    jobs: list[tuple[str, Callable[[Instance], dict[str, JsonValue]], PluginInfo | None, str | None]] = [
        (name, get_heuristic(inst.problem, name), None, None) for name in rules
    ]
    for plugin in plugins:
        plugin_rule, plugin_info = _plugin(plugin, limits)
        jobs.append((plugin_rule.name, plugin_rule.run, plugin_info, plugin_rule.sandbox_level))
    blank = _blank(inst)
    records = []
    for name, run, info, sandbox in jobs:
        started = time.perf_counter()
        error: str | None = None
        check: Verification | None = None
        try:
            solution = run(inst)
            elapsed = time.perf_counter() - started
            check = verify(inst, solution)
        except Exception as err:  # noqa: BLE001 - a failing rule fails on this instance, never the run
            elapsed = time.perf_counter() - started
            error = f"{type(err).__name__}: {err}"[:300]
        records.append(
            replace(
                blank,
                rule=name,
                feasible=check is not None and check.feasible,
                objective=None if check is None else check.objective,
                time_s=elapsed,
                violations={} if check is None else check.counts(),
                plugin=info,
                error=error,
                sandbox=sandbox,
            )
        )
    return records


def evaluate_many(
    instances: Sequence[Instance],
    rules: Sequence[str],
    plugins: Sequence[str | PluginCode] = (),
    limits: Limits | None = None,
) -> list[list[LeaderboardRecord]]:
    """:func:`evaluate` on a few instances in one task (tasks of milliseconds cost more to ship than to run)."""
    return [evaluate(inst, rules, plugins, limits) for inst in instances]


def _blank(inst: Instance) -> LeaderboardRecord:
    return LeaderboardRecord(
        rule="",
        problem=inst.problem,
        instance=inst.name,
        instance_hash=instance_hash(inst),
        labels=InstanceLabels.of(inst),
        feasible=False,
        objective=None,
        time_s=0.0,
    )


def _failed(
    inst: Instance, rules: Sequence[str], plugins: Mapping[str, PluginInfo], failure: TaskFailure
) -> list[LeaderboardRecord]:
    """One error record per rule of an instance whose task produced nothing (its worker kept dying)."""
    blank = replace(_blank(inst), error=failure.reason)
    return [replace(blank, rule=name) for name in rules] + [
        replace(blank, rule=name, plugin=info) for name, info in plugins.items()
    ]


def with_reference(record: LeaderboardRecord, refs: Mapping[str, Reference]) -> LeaderboardRecord:
    """The record with its instance's reference and the gap to it (feasible results only)."""
    ref = refs.get(record.instance)
    gap = None
    if ref is not None and record.feasible:
        gap = gap_pct(record.objective, ref.value)
    return replace(record, reference=ref, gap_pct=gap)


# ---- a whole run -----------------------------------------------------------------------------------
def resolve_rules(problem: str, names: str | Iterable[str]) -> list[str]:
    """``"all"``, a comma-separated string or a list -> validated built-in rule names."""
    if isinstance(names, str):
        if names.strip() == "all":
            return [h.name for h in list_heuristics(problem)]
        names = [n.strip() for n in names.split(",") if n.strip()]
    out = [get_heuristic(problem, n).name for n in names]
    return list(dict.fromkeys(out))


def _check_plugins(
    codes: Sequence[PluginCode], problem: str, rules: Sequence[str], limits: Limits
) -> dict[str, PluginInfo]:
    """Load each plug-in once to check it; its name -> its file."""
    found: dict[str, PluginInfo] = {}
    for code in codes:
        path = code.path
        rule = PluginRule(path, limits, source=code.source).load()
        rule.close()
        if rule.problem not in (None, problem):
            raise SchedbenchError(f"plug-in is for {rule.problem}, the data is {problem}", source=path)
        if rule.name in rules or rule.name in found:
            raise SchedbenchError(
                f"plug-in name {rule.name!r} is already taken; set NAME in the file", source=path
            )
        found[rule.name] = code.info
    return found


def _resume_check(instances: Sequence[Instance]) -> RecordCheck:
    """Refuse a records file whose record for an instance name was made on other content."""
    hashes = {inst.name: instance_hash(inst) for inst in instances}

    def check(record: dict[str, JsonValue]) -> str | None:
        problem = is_leaderboard_record(record)
        if problem:
            return problem
        name, found = record.get("instance"), record.get("instance_hash")
        if name in hashes and found != hashes[name]:
            return (
                f"instance {name!r} here has other content (hash {found}) than in the data ({hashes[name]}): "
                "another dataset with the same names"
            )
        return None

    return check


def run_leaderboard(
    data: str,
    out_dir: str,
    *,
    heuristics: str | Iterable[str] = "all",
    plugins: Sequence[str] = (),
    references: str | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
    progress: ProgressSink = NO_PROGRESS,
    executor: Engine | Executor | None = None,
) -> Leaderboard:
    """Run (or resume) and summarise the leaderboard of one dataset (one problem) into ``out_dir``.

    Writes ``records.jsonl``, ``leaderboard.json`` and the run's manifest (``records.manifest.json``);
    ``references`` is a reference.csv, a solve output or a JSONL of instances (see
    :func:`~schedbench.datasets.references.load_references`). The folder is locked while the run writes
    it. Ctrl-C or SIGTERM stops the run: the workers and every plug-in sandbox are killed, and what was
    recorded stays for a resume. ``progress`` hears how many instances are done. Plug-ins run at
    ``limits.sandbox`` (``auto``: the strongest level this machine gives, see
    :func:`~schedbench.heuristics.sandbox.choose_level`); every plug-in record names the level, and a
    record made at another level is re-run.

    ``executor`` (an :class:`~schedbench.datasets.executors.Engine` or any ``concurrent.futures.Executor``,
    owned by the caller) runs the instances elsewhere, a Dask cluster for one; plug-ins travel with each
    task as source. An instance whose worker keeps dying gets an error record for every rule.
    """
    instances = read_instances(data)
    problems = {inst.problem for inst in instances}
    if len(problems) > 1:
        raise SchedbenchError(
            f"one problem per leaderboard; found {', '.join(sorted(problems))}", source=data
        )
    problem = instances[0].problem
    rules = resolve_rules(problem, heuristics)
    plugin_paths = [str(Path(p).resolve()) for p in plugins]
    limits = limits or Limits()
    if plugin_paths:  # a level this machine lacks stops the run here; auto becomes the level it stands for
        limits = resolved(limits)
    out = Path(out_dir)
    if not (out / RECORDS_FILE).exists() and (out / LEGACY_RESULTS_FILE).exists():
        raise legacy_error(out)
    with sigterm_as_sigint(), OutputLock.for_dir(out):
        try:
            codes = [PluginCode.read(p) for p in plugin_paths]
        except OSError as err:
            raise SchedbenchError(f"cannot read the plug-in: {err.strerror}", source=err.filename) from None
        plugin_info = _check_plugins(codes, problem, rules, limits)
        refs = load_references(instances, references)
        config = {
            "heuristics": rules,
            "plugins": [p.to_dict() for p in plugin_info.values()],
            "references": references,
            "workers": workers,
            "cluster": "local" if executor is None else as_engine(executor).name,
            "limits": asdict(limits),
        }
        records = out / RECORDS_FILE
        with manifest_on_exit(
            manifest_path_for(records),
            command="schedbench leaderboard",
            config=config,
            inputs=[p for p in (data, references, *plugin_paths) if p],
            outputs=[records, out / AGGREGATE_FILE],
        ):
            board = _run(instances, out, rules, plugin_info, codes, refs, limits, workers, progress, executor)
    board.files = [str(out / RECORDS_FILE), str(out / AGGREGATE_FILE)]
    return board


def _run(
    instances: Sequence[Instance],
    out: Path,
    rules: list[str],
    plugin_info: Mapping[str, PluginInfo],
    codes: Sequence[PluginCode],
    refs: Mapping[str, Reference],
    limits: Limits,
    workers: int | None,
    progress: ProgressSink,
    executor: Engine | Executor | None,
) -> Leaderboard:
    """Resume ``out``'s records, run what is missing and write the aggregate (the folder is locked)."""
    problem = instances[0].problem
    wanted = rules + list(plugin_info)
    labels = {inst.name: InstanceLabels.of(inst) for inst in instances}
    appender = JsonlAppender(
        out / RECORDS_FILE,
        key="rule",
        check=_resume_check(instances),
        what="leaderboard records of this data",
    )
    try:
        kept: dict[tuple[str, str], LeaderboardRecord] = {}
        for line in appender.existing:
            old = LeaderboardRecord.from_dict(line)
            plugin = plugin_info.get(old.rule)
            same_plugin = plugin is None or (old.plugin == plugin and old.sandbox == limits.sandbox)
            if old.rule in wanted and old.instance in labels and same_plugin:
                kept[(old.rule, old.instance)] = old
        for key, old in kept.items():
            fresh = with_reference(replace(old, labels=labels[old.instance]), refs)
            if fresh.to_dict() != old.to_dict():  # a new reference or labels: the newer line wins on reading
                appender.write(fresh.to_dict())
            kept[key] = fresh
        todo = [inst for inst in instances if any((h, inst.name) not in kept for h in wanted)]
        for record in _run_all(todo, rules, plugin_info, codes, limits, workers, progress, executor):
            key = (record.rule, record.instance)
            if key not in kept:
                kept[key] = with_reference(record, refs)
                appender.write(kept[key].to_dict())
    finally:
        appender.close()
    order = {inst.name: k for k, inst in enumerate(instances)}
    records = sorted(kept.values(), key=lambda r: (order[r.instance], wanted.index(r.rule)))
    board = Leaderboard(
        problem,
        summarise(records, refs),
        summarise(records, refs, by="size"),
        suspect_references(records, refs),
        records,
    )
    write_text_atomic(out / AGGREGATE_FILE, _json(board.aggregate()))
    return board


def _json(doc: JsonValue) -> str:
    return json.dumps(doc, indent=1, default=str) + "\n"


def _worker_init() -> None:
    """A leaderboard worker: a pool worker whose plug-in sandboxes end when it exits."""
    worker_init()
    Finalize(None, _close_plugins, exitpriority=10)


def _run_all(
    instances: Sequence[Instance],
    rules: Sequence[str],
    plugin_info: Mapping[str, PluginInfo],
    codes: Sequence[PluginCode],
    limits: Limits,
    workers: int | None,
    progress: ProgressSink,
    executor: Engine | Executor | None = None,
) -> Iterator[LeaderboardRecord]:
    """Every rule on every instance: in this process, in ``workers`` local worker processes, or on the
    caller's ``executor``."""
    workers = max(1, workers or cores_available())
    done = 0
    if executor is None and (workers == 1 or len(instances) <= 1):
        try:
            for inst in instances:
                yield from evaluate(inst, rules, codes, limits)
                done += 1
                progress.update(done, len(instances))
        finally:
            _close_plugins()
        return
    if executor is None:
        engine: Engine = LocalEngine(min(workers, len(instances)), initializer=_worker_init)
        owned: AbstractContextManager[Engine] = engine
    else:
        engine = as_engine(executor)
        owned = nullcontext(engine)
    with owned:
        engine.check_threads(1)
        size = max(1, min(CHUNK_MAX, len(instances) // (4 * engine.slots())))
        chunks = [list(instances[i : i + size]) for i in range(0, len(instances), size)]
        again: list[Instance] = []
        for singles in (False, True):
            tasks = [(chunk, rules, codes, limits) for chunk in chunks]
            for index, outcome in run_bounded(engine, evaluate_many, tasks):
                chunk = chunks[index]
                if isinstance(outcome, TaskFailure) and len(chunk) > 1:
                    again += chunk  # one instance per task next, so only the culprit fails
                    continue
                if isinstance(outcome, TaskFailure):
                    yield from _failed(chunk[0], rules, plugin_info, outcome)
                else:
                    for records in outcome:
                        yield from records
                done += len(chunk)
                progress.update(done, len(instances))
            if singles or not again:
                break
            chunks = [[inst] for inst in again]
