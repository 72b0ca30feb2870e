"""Leaderboards: every rule on every instance, scored by the verifier, ranked against references.

Metrics per rule and group ("all" and each instance class):

- ``feasible`` / ``feasible_share``: schedules the verifier accepts (failures and violations count against);
- ``mean_gap_pct``: the EDDC/MDDC paper's metric, the mean over feasible results with reference > 0 of
  ``100 (H - ref) / ref``;
- ``ratio_gap_pct``: ``100 (sum H - sum ref) / sum ref`` over feasible results with a reference;
- ``zero_ref_positive``: instances with reference 0 where the rule is above 0;
- ``beats_reference``: instances where the rule is strictly below a reference that claims to be optimal
  (or a lower bound); such a reference is wrong and every gap against it is suspect;
- ``improves_reference``: strictly below a best-known / upper-bound reference (a new best solution);
- ``wins``: instances where the rule has the best objective among all rules (ties count for each);
- ``mean_time_ms``: mean wall time per instance of the rule (building the schedule, not verifying it).

Results go to ``results.jsonl`` as they come (a re-run resumes), then Markdown, CSV, ``leaderboard.json``
and PNG plots are written by :mod:`schedbench.reports.leaderboard_report`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schedbench.heuristics.registry import get_heuristic, list_heuristics
from schedbench.heuristics.sandbox import Limits
from schedbench.problems import SchedbenchError, verify

CONTRADICTED_KINDS = ("optimal", "lower_bound")  # a heuristic strictly below these proves them wrong
IMPROVABLE_KINDS = ("best_known", "upper_bound")


@dataclass(frozen=True)
class Reference:
    """A reference objective value for one instance and what it claims to be."""

    value: int | None
    kind: str  # optimal | best_known | lower_bound | upper_bound
    source: str = ""


def reference_from_meta(meta: dict[str, Any]) -> Reference | None:
    """``meta["reference"]`` as importers attach it, or the smtt-paper's ``reference_total_tardiness``."""
    ref = meta.get("reference")
    if isinstance(ref, dict) and ref.get("kind"):
        value = ref.get("value")
        if value is None and ref.get("kind") == "lower_bound":
            value = ref.get("lower_bound")
        return Reference(None if value is None else int(value), str(ref["kind"]), str(ref.get("source", "")))
    value = meta.get("reference_total_tardiness")
    if isinstance(value, int) and not isinstance(value, bool):
        return Reference(value, "optimal", "meta.reference_total_tardiness (claimed optimal)")
    return None


def load_references(instances: Sequence[Any], solved_path: str | None = None) -> dict[str, Reference]:
    """References by instance name: a verified solve output first, else the instances' ``meta``.

    A solve-output solution is re-verified against its instance; an infeasible one is ignored. Its kind is
    ``optimal`` when its status says so, otherwise ``upper_bound``.
    """
    refs: dict[str, Reference] = {}
    for inst in instances:
        ref = reference_from_meta(inst.meta)
        if ref is not None:
            refs[inst.name] = ref
    if solved_path:
        from schedbench.datasets import read_solutions

        by_name = {inst.name: inst for inst in instances}
        for name, solution in read_solutions(solved_path).items():
            inst = by_name.get(name)
            if inst is None:
                continue
            check = verify(inst, solution)
            if not check.feasible or check.objective is None:
                continue
            kind = "optimal" if str(solution.get("status", "")).lower() == "optimal" else "upper_bound"
            refs[name] = Reference(
                check.objective, kind, f"{Path(solved_path).name} ({solution.get('solver', '?')})"
            )
    return refs


def instance_group(inst: Any) -> str:
    """The class label of an instance: ``meta["class"]``, else ``rdd=..,tf=..``, else its size."""
    meta = inst.meta
    if isinstance(meta.get("class"), str):
        return meta["class"]
    if "rdd" in meta and "tf" in meta:
        return f"rdd={meta['rdd']},tf={meta['tf']}"
    return size_label(inst)


def size_label(inst: Any) -> str:
    if inst.problem == "jssp":
        return f"{inst.num_jobs}x{inst.num_machines}"
    return f"n={instance_size(inst)}"


def instance_size(inst: Any) -> int:
    """Jobs (SMTT), operations (JSSP) or tasks (RCPSP)."""
    return {"smtt": lambda: inst.n, "jssp": lambda: inst.num_operations, "rcpsp": lambda: inst.num_tasks}[
        inst.problem
    ]()


# ---- running -----------------------------------------------------------------------------------------
_PLUGINS: dict[str, Any] = {}  # per worker process: plug-in path -> loaded PluginRule


def _plugin(path: str, limits: Limits) -> Any:
    from schedbench.heuristics.plugins import PluginRule

    rule = _PLUGINS.get(path)
    if rule is None:
        rule = _PLUGINS[path] = PluginRule(path, limits).load()
    return rule


def evaluate(
    inst: Any, rules: Sequence[str], plugins: Sequence[str] = (), limits: Limits | None = None
) -> list[dict]:
    """Run the named rules and plug-ins on one instance; one verified record per rule, failures included."""
    limits = limits or Limits()
    base = {"instance": inst.name, "group": instance_group(inst), "size": instance_size(inst)}
    jobs: list[tuple[str, Any]] = [(name, get_heuristic(inst.problem, name)) for name in rules]
    for path in plugins:
        rule = _plugin(path, limits)
        jobs.append((rule.name, rule.run))
    records = []
    for name, run in jobs:
        record: dict[str, Any] = {"heuristic": name, **base}
        started = time.perf_counter()
        try:
            solution = run(inst)
            record["time_s"] = time.perf_counter() - started
            check = verify(inst, solution)
            record.update(feasible=check.feasible, objective=check.objective, violations=check.counts())
        except Exception as err:  # noqa: BLE001 - a failing rule fails on this instance, never the run
            record.update(
                time_s=time.perf_counter() - started,
                feasible=False,
                objective=None,
                violations={},
                error=f"{type(err).__name__}: {err}"[:300],
            )
        records.append(record)
    return records


def resolve_rules(problem: str, names: str | Iterable[str]) -> list[str]:
    """``"all"``, a comma-separated string or a list -> validated built-in rule names."""
    if isinstance(names, str):
        if names.strip() == "all":
            return [h.name for h in list_heuristics(problem)]
        names = [n.strip() for n in names.split(",") if n.strip()]
    out = [get_heuristic(problem, n).name for n in names]
    return list(dict.fromkeys(out))


@dataclass
class LeaderboardResult:
    problem: str
    rows: list[dict[str, Any]]
    size_rows: list[dict[str, Any]]
    suspects: list[dict[str, Any]]
    records: list[dict[str, Any]]
    files: list[str] = field(default_factory=list)


def run_leaderboard(
    data: str,
    out_dir: str,
    *,
    heuristics: str | Iterable[str] = "all",
    plugins: Sequence[str] = (),
    references: str | None = None,
    workers: int | None = None,
    limits: Limits | None = None,
    progress: bool = True,
    plots: bool = True,
) -> LeaderboardResult:
    """Run, resume, summarise and write the leaderboard for one dataset (one problem)."""
    from schedbench.datasets import JsonlAppender, read_instances

    instances = read_instances(data)
    if not instances:
        raise SchedbenchError("no instances", source=data)
    problems = {inst.problem for inst in instances}
    if len(problems) > 1:
        raise SchedbenchError(
            f"one problem per leaderboard; found {', '.join(sorted(problems))}", source=data
        )
    problem = instances[0].problem
    rules = resolve_rules(problem, heuristics)
    plugin_paths = [str(Path(p).resolve()) for p in plugins]
    limits = limits or Limits()
    plugin_names = _check_plugins(plugin_paths, problem, rules, limits)
    refs = load_references(instances, references)

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    appender = JsonlAppender(out / "results.jsonl")
    done = appender.done_keys("heuristic", "instance")
    wanted = rules + plugin_names
    todo = [inst for inst in instances if any((h, inst.name) not in done for h in wanted)]
    fresh: list[dict[str, Any]] = []
    try:
        for record in _run_all(todo, rules, plugin_paths, limits, workers, progress):
            if (record["heuristic"], record["instance"]) not in done:
                appender.write(record)
                done.add((record["heuristic"], record["instance"]))
                fresh.append(record)
    finally:
        appender.close()
    names = {inst.name for inst in instances}
    records = [r for r in appender.existing + fresh if r["heuristic"] in wanted and r["instance"] in names]
    records = list({(r["heuristic"], r["instance"]): r for r in records}.values())
    rows = summarise(records, refs)
    size_rows = summarise(records, refs, by="size")
    suspects = suspect_references(records, refs)
    result = LeaderboardResult(problem, rows, size_rows, suspects, records)
    from schedbench.reports.leaderboard_report import write_reports

    result.files = write_reports(result, out, plots=plots)
    return result


def _check_plugins(paths: Sequence[str], problem: str, rules: Sequence[str], limits: Limits) -> list[str]:
    from schedbench.heuristics.plugins import PluginRule

    names = []
    for path in paths:
        rule = PluginRule(path, limits).load()
        rule.close()
        if rule.problem not in (None, problem):
            raise SchedbenchError(f"plug-in is for {rule.problem}, the data is {problem}", source=path)
        if rule.name in rules or rule.name in names:
            raise SchedbenchError(
                f"plug-in name {rule.name!r} is already taken; set NAME in the file", source=path
            )
        names.append(rule.name)
    return names


def _run_all(instances, rules, plugin_paths, limits, workers, progress) -> Iterable[dict]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    workers = max(1, workers or os.cpu_count() or 1)
    columns = (TextColumn("leaderboard"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, disable=not progress, transient=False) as bar:
        task = bar.add_task("instances", total=len(instances))
        if workers == 1 or len(instances) <= 1:
            for inst in instances:
                yield from evaluate(inst, rules, plugin_paths, limits)
                bar.advance(task)
            return
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(evaluate, inst, rules, plugin_paths, limits) for inst in instances]
            for future in as_completed(futures):
                yield from future.result()
                bar.advance(task)


# ---- metrics -----------------------------------------------------------------------------------------
def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def summarise(
    records: Sequence[dict], refs: dict[str, Reference], *, by: str = "group"
) -> list[dict[str, Any]]:
    """Rows per (heuristic, group): ``by="group"`` gives "all" plus each class; ``by="size"`` one per size."""
    best: dict[str, int] = {}
    for r in records:
        if r.get("feasible") and r.get("objective") is not None:
            best[r["instance"]] = min(best.get(r["instance"], r["objective"]), r["objective"])
    buckets: dict[tuple[str, Any], list[dict]] = {}
    heuristics = list(dict.fromkeys(r["heuristic"] for r in records))
    for r in records:
        keys = ["all", r["group"]] if by == "group" else [r["size"]]
        for key in dict.fromkeys(keys):
            buckets.setdefault((r["heuristic"], key), []).append(r)
    groups = list(dict.fromkeys(key for _, key in buckets))
    if by == "size":
        groups.sort()
    rows = []
    for group in groups:
        for h in heuristics:
            rs = buckets.get((h, group))
            if rs:
                rows.append(_row(h, group, rs, refs, best, by))
    return rows


def _row(
    heuristic: str, group: Any, rs: list[dict], refs: dict[str, Reference], best: dict[str, int], by: str
):
    feasible = [r for r in rs if r.get("feasible") and r.get("objective") is not None]
    gaps, sum_h, sum_ref = [], 0, 0
    zero_pos = beats = improves = with_ref = 0
    for r in feasible:
        ref = refs.get(r["instance"])
        if ref is None or ref.value is None:
            continue
        h, v = r["objective"], ref.value
        with_ref += 1
        sum_h += h
        sum_ref += v
        if v > 0:
            gaps.append(100.0 * (h - v) / v)
        elif h > 0:
            zero_pos += 1
        if h < v:
            beats += ref.kind in CONTRADICTED_KINDS
            improves += ref.kind in IMPROVABLE_KINDS
    mean_gap = _mean(gaps)
    return {
        "heuristic": heuristic,
        ("group" if by == "group" else "size"): group,
        "instances": len(rs),
        "feasible": len(feasible),
        "feasible_share": len(feasible) / len(rs),
        "failures": sum(1 for r in rs if r.get("error")),
        "with_reference": with_ref,
        "mean_gap_pct": mean_gap,
        "ratio_gap_pct": 100.0 * (sum_h - sum_ref) / sum_ref if sum_ref > 0 else None,
        "zero_ref_positive": zero_pos,
        "beats_reference": beats,
        "improves_reference": improves,
        "wins": sum(1 for r in feasible if r["objective"] == best.get(r["instance"])),
        "mean_time_ms": 1000.0 * _mean([float(r.get("time_s", 0.0)) for r in rs]) if rs else math.nan,
    }


def suspect_references(records: Sequence[dict], refs: dict[str, Reference]) -> list[dict[str, Any]]:
    """Every (instance, rule) where a feasible heuristic result is strictly below an optimal/lower-bound claim."""
    out = []
    for r in records:
        ref = refs.get(r["instance"])
        if (
            ref is not None
            and ref.value is not None
            and ref.kind in CONTRADICTED_KINDS
            and r.get("feasible")
            and r.get("objective") is not None
            and r["objective"] < ref.value
        ):
            out.append(
                {
                    "instance": r["instance"],
                    "heuristic": r["heuristic"],
                    "objective": r["objective"],
                    "reference": ref.value,
                    "kind": ref.kind,
                    "source": ref.source,
                }
            )
    return sorted(out, key=lambda s: (s["instance"], s["objective"], s["heuristic"]))
