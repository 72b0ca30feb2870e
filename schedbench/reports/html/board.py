"""The page data of a leaderboard: its metric rows (recomputed from ``records.jsonl`` by the
leaderboard's own metrics), one compact row per rule x instance, and, when the instances are given, each
built-in rule's schedule re-built for the drill-down (rules are deterministic and fast)."""

from __future__ import annotations

from schedbench.datasets import read_instances
from schedbench.datasets.files import StrPath
from schedbench.datasets.jsonl import JsonValue
from schedbench.datasets.labels import instance_hash
from schedbench.heuristics import list_heuristics, run_heuristic
from schedbench.heuristics.leaderboard_metrics import summarise, suspect_references
from schedbench.problems import Instance, verify
from schedbench.records.leaderboard import Leaderboard
from schedbench.reports.html.schedule import schedule_view
from schedbench.reports.leaderboard import COLUMNS

Json = dict[str, JsonValue]
SCHEDULE_SHARD = 100  # instances per schedule file

RECORD_COLUMNS = (
    "rule",
    "instance",
    "group",
    "size",
    "feasible",
    "objective",
    "reference",
    "reference_kind",
    "gap_pct",
    "time_ms",
    "violations",
    "error",
    "shard",
)


def _schedules(
    board: Leaderboard, instances: dict[str, Instance]
) -> tuple[dict[str, int], list[dict[str, JsonValue]]]:
    """Per instance, its shard; per shard, instance -> rule -> {schedule, violations}."""
    builtin = {h.name for h in list_heuristics(board.problem)}
    by_instance: dict[str, dict[str, JsonValue]] = {}
    for rec in board.records:
        inst = instances.get(rec.instance)
        if rec.rule not in builtin or inst is None or instance_hash(inst) != rec.instance_hash:
            continue
        solution = run_heuristic(inst, rec.rule)
        check = verify(inst, solution)
        by_instance.setdefault(rec.instance, {})[rec.rule] = {
            "schedule": schedule_view(inst, solution),
            "objective": check.objective,
            "violations": [v.to_dict() for v in check.violations],
        }
    where: dict[str, int] = {}
    shards: list[dict[str, JsonValue]] = []
    for name, rules in by_instance.items():
        if not shards or len(shards[-1]) >= SCHEDULE_SHARD:
            shards.append({})
        shards[-1][name] = rules
        where[name] = len(shards) - 1
    return where, shards


def board_payload(
    board: Leaderboard, b_i: int, label: str, data: StrPath | None
) -> tuple[Json, dict[str, JsonValue]]:
    """The index part of one leaderboard and its schedule shards (name -> payload)."""
    refs = {r.instance: r.reference for r in board.records if r.reference is not None}
    rows = summarise(board.records, refs)
    size_rows = summarise(board.records, refs, by="size")
    instances = {inst.name: inst for inst in read_instances(data)} if data else {}
    where, shard_list = _schedules(board, instances) if instances else ({}, [])
    records = [
        [
            r.rule,
            r.instance,
            r.labels.group,
            r.labels.size,
            r.feasible,
            r.objective,
            None if r.reference is None else r.reference.value,
            None if r.reference is None else r.reference.kind.value,
            r.gap_pct,
            1000.0 * r.time_s,
            dict(r.violations),
            r.error,
            where.get(r.instance),
        ]
        for r in board.records
    ]
    part: Json = {
        "label": label,
        "problem": board.problem,
        "columns": list(COLUMNS),
        "rows": [{c: row.get(c) for c in COLUMNS} for row in rows],
        "size_columns": ["size" if c == "group" else c for c in COLUMNS],
        "size_rows": [
            {("size" if c == "group" else c): row.get(c if c != "group" else "size") for c in COLUMNS}
            for row in size_rows
        ],
        "suspects": suspect_references(board.records, refs),
        "record_columns": list(RECORD_COLUMNS),
        "records": records,
        "schedules": "built" if shard_list else "pass --data to draw each rule's schedule",
    }
    shards = {f"b{b_i}-{k:04d}": shard for k, shard in enumerate(shard_list)}
    return part, shards
