"""Leaderboards: every rule on every instance, scored by the verifier, ranked against references.

One :class:`~schedbench.records.leaderboard.LeaderboardRecord` per rule x instance goes to
``DIR/records.jsonl`` as it comes; a re-run resumes, reusing a record only for the same instance content
(its hash; other content under the same name is refused) and the same plug-in file (a changed plug-in is
re-run). The aggregate (:mod:`~schedbench.heuristics.leaderboard_metrics`) goes to ``DIR/leaderboard.json``;
Markdown, CSV and PNG renderings are written by :func:`schedbench.reports.leaderboard.write_reports`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, replace
from multiprocessing.util import Finalize
from pathlib import Path

from schedbench.datasets import JsonlAppender, manifest_path_for, read_instances, sha256_file
from schedbench.datasets.files import write_text_atomic
from schedbench.datasets.jsonl import JsonValue, RecordCheck
from schedbench.datasets.labels import InstanceLabels, instance_hash
from schedbench.datasets.locks import OutputLock
from schedbench.datasets.manifest import manifest_on_exit
from schedbench.datasets.progress import NO_PROGRESS, ProgressSink
from schedbench.datasets.references import Reference, gap_pct, load_references
from schedbench.datasets.workers import WorkerPool, sigterm_as_sigint, worker_init
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

# ---- one instance ----------------------------------------------------------------------------------
_PLUGINS: dict[str, tuple[PluginRule, PluginInfo]] = {}  # per process: plug-in path -> loaded rule


def _plugin(path: str, limits: Limits) -> tuple[PluginRule, PluginInfo]:
    """The loaded plug-in of ``path``, reloaded when the file changed since it was loaded."""
    info = PluginInfo(path, sha256_file(path))
    loaded = _PLUGINS.get(path)
    if loaded is None or loaded[1] != info:
        if loaded is not None:
            loaded[0].close()
        loaded = _PLUGINS[path] = (PluginRule(path, limits).load(), info)
    return loaded


def _close_plugins() -> None:
    """End the sandbox of every plug-in this process loaded."""
    while _PLUGINS:
        _PLUGINS.popitem()[1][0].close()


def evaluate(
    inst: Instance, rules: Sequence[str], plugins: Sequence[str] = (), limits: Limits | None = None
) -> list[LeaderboardRecord]:
    """Run the named rules and plug-ins on one instance; one verified record per rule, failures included.

    The records carry no reference yet (see :func:`with_reference`).
    """
    limits = limits or Limits()
    jobs: list[tuple[str, Callable[[Instance], dict[str, JsonValue]], PluginInfo | None, str | None]] = [
        (name, get_heuristic(inst.problem, name), None, None) for name in rules
    ]
    for path in plugins:
        plugin_rule, plugin_info = _plugin(path, limits)
        jobs.append((plugin_rule.name, plugin_rule.run, plugin_info, plugin_rule.sandbox_level))
    blank = LeaderboardRecord(
        rule="",
        problem=inst.problem,
        instance=inst.name,
        instance_hash=instance_hash(inst),
        labels=InstanceLabels.of(inst),
        feasible=False,
        objective=None,
        time_s=0.0,
    )
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
    paths: Sequence[str], problem: str, rules: Sequence[str], limits: Limits
) -> dict[str, PluginInfo]:
    """Load each plug-in once to check it; its name -> its file."""
    found: dict[str, PluginInfo] = {}
    for path in paths:
        rule = PluginRule(path, limits).load()
        rule.close()
        if rule.problem not in (None, problem):
            raise SchedbenchError(f"plug-in is for {rule.problem}, the data is {problem}", source=path)
        if rule.name in rules or rule.name in found:
            raise SchedbenchError(
                f"plug-in name {rule.name!r} is already taken; set NAME in the file", source=path
            )
        found[rule.name] = PluginInfo(path, sha256_file(path))
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
        plugin_info = _check_plugins(plugin_paths, problem, rules, limits)
        refs = load_references(instances, references)
        config = {
            "heuristics": rules,
            "plugins": [p.to_dict() for p in plugin_info.values()],
            "references": references,
            "workers": workers,
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
            board = _run(instances, out, rules, plugin_info, plugin_paths, refs, limits, workers, progress)
    board.files = [str(out / RECORDS_FILE), str(out / AGGREGATE_FILE)]
    return board


def _run(
    instances: Sequence[Instance],
    out: Path,
    rules: list[str],
    plugin_info: Mapping[str, PluginInfo],
    plugin_paths: Sequence[str],
    refs: Mapping[str, Reference],
    limits: Limits,
    workers: int | None,
    progress: ProgressSink,
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
        for record in _run_all(todo, rules, plugin_paths, limits, workers, progress):
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
    plugin_paths: Sequence[str],
    limits: Limits,
    workers: int | None,
    progress: ProgressSink,
) -> Iterator[LeaderboardRecord]:
    """Every rule on every instance, in this process or in ``workers`` worker processes."""
    workers = max(1, workers or os.cpu_count() or 1)
    done = 0
    if workers == 1 or len(instances) <= 1:
        try:
            for inst in instances:
                yield from evaluate(inst, rules, plugin_paths, limits)
                done += 1
                progress.update(done, len(instances))
        finally:
            _close_plugins()
        return
    with WorkerPool(min(workers, len(instances)), initializer=_worker_init) as pool:
        jobs = ((inst, rules, plugin_paths, limits) for inst in instances)
        for records in pool.imap_unordered(evaluate, jobs):
            yield from records
            done += 1
            progress.update(done, len(instances))
