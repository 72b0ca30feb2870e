"""Leaderboard records: one verified result per rule x instance, and the folder a leaderboard run writes.

``DIR/records.jsonl`` holds one :class:`LeaderboardRecord` per line (schema
``schedbench/leaderboard-record/v1``, the last line per rule and instance counts), ``DIR/leaderboard.json``
the aggregate (metric rows overall, per class and per size, and the suspect references).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from schedbench.datasets.files import StrPath, read_text
from schedbench.datasets.jsonl import JsonValue, expect_fields, loads, read_jsonl_tolerant
from schedbench.datasets.labels import InstanceLabels
from schedbench.datasets.references import Reference
from schedbench.problems import SchedbenchError

LEADERBOARD_RECORD = "schedbench/leaderboard-record/v1"
RECORDS_FILE = "records.jsonl"
AGGREGATE_FILE = "leaderboard.json"
LEGACY_RESULTS_FILE = "results.jsonl"  # schedbench 0.1: no instance hash, no reference

MetricRow = dict[str, JsonValue]  # one rule x group (or size): the columns of leaderboard.csv


@dataclass(frozen=True)
class PluginInfo:
    """Which plug-in file produced a result: its resolved path and the sha256 of its content."""

    path: str
    sha256: str

    def to_dict(self) -> dict[str, JsonValue]:
        return {"path": self.path, "sha256": self.sha256}


@dataclass(frozen=True)
class LeaderboardRecord:
    """One rule on one instance, judged by the verifier.

    ``violations`` counts the verifier's violation codes; ``reference`` is the one the gap was computed
    against; ``error`` says why the rule produced nothing (an exception, or the sandbox's failure reason);
    ``sandbox`` is the level a plug-in ran at (``rlimits``, ``netns``, ``seccomp``, ``bwrap``; None for
    built-in rules and for records written before levels were recorded).
    """

    rule: str
    problem: str
    instance: str
    instance_hash: str
    labels: InstanceLabels
    feasible: bool
    objective: int | None
    time_s: float
    violations: dict[str, int] = field(default_factory=dict)
    reference: Reference | None = None
    gap_pct: float | None = None
    plugin: PluginInfo | None = None
    error: str | None = None
    sandbox: str | None = None

    def to_dict(self) -> dict[str, JsonValue]:
        ref = self.reference
        out: dict[str, JsonValue] = {
            "record": LEADERBOARD_RECORD,
            "rule": self.rule,
            "problem": self.problem,
            "instance": self.instance,
            "instance_hash": self.instance_hash,
            "labels": self.labels.to_dict(),
            "feasible": self.feasible,
            "objective": self.objective,
            "violations": dict(self.violations),
            "reference": None
            if ref is None
            else {"value": ref.value, "kind": ref.kind.value, "source": ref.source},
            "gap_pct": self.gap_pct,
            "time_s": self.time_s,
        }
        if self.plugin is not None:
            out["plugin"] = self.plugin.to_dict()
        if self.error is not None:
            out["error"] = self.error
        if self.sandbox is not None:
            out["sandbox"] = self.sandbox
        return out

    @classmethod
    def from_dict(cls, data: dict[str, JsonValue]) -> LeaderboardRecord:
        """A record from its dict; a missing field or another record kind is a `SchedbenchError`."""
        if data.get("record") != LEADERBOARD_RECORD:
            raise SchedbenchError(
                f"expected record {LEADERBOARD_RECORD!r}, found {data.get('record')!r}", field="record"
            )
        try:
            ref, plugin = data.get("reference"), data.get("plugin")
            return cls(
                rule=str(data["rule"]),
                problem=str(data["problem"]),
                instance=str(data["instance"]),
                instance_hash=str(data["instance_hash"]),
                labels=InstanceLabels.from_dict(data["labels"]),
                feasible=bool(data["feasible"]),
                objective=data["objective"],
                time_s=float(data["time_s"]),
                violations={str(k): int(v) for k, v in data["violations"].items()},
                reference=None if ref is None else Reference(ref["value"], ref["kind"], ref["source"]),
                gap_pct=data["gap_pct"],
                plugin=None if plugin is None else PluginInfo(plugin["path"], plugin["sha256"]),
                error=data.get("error"),
                sandbox=data.get("sandbox"),
            )
        except KeyError as err:
            raise SchedbenchError(
                f"leaderboard record lacks {err.args[0]!r}", field=str(err.args[0])
            ) from None


@dataclass
class Leaderboard:
    """A leaderboard: its records and the aggregate computed from them (and, after a run, its files)."""

    problem: str
    rows: list[MetricRow]
    size_rows: list[MetricRow]
    suspects: list[MetricRow]
    records: list[LeaderboardRecord]
    files: list[str] = field(default_factory=list)

    @classmethod
    def from_aggregate(cls, doc: dict[str, JsonValue], records: list[LeaderboardRecord]) -> Leaderboard:
        """A leaderboard from its ``leaderboard.json`` document and its records."""
        rows, by_size, suspects = (
            list(doc.get(key) or []) for key in ("rows", "by_size", "suspect_references")
        )
        return cls(str(doc["problem"]), rows, by_size, suspects, records)

    def aggregate(self) -> dict[str, JsonValue]:
        """The ``leaderboard.json`` document."""
        return {
            "problem": self.problem,
            "rows": self.rows,
            "by_size": self.size_rows,
            "suspect_references": self.suspects,
        }


def is_leaderboard_record(record: dict[str, JsonValue]) -> str | None:
    """A record check for `JsonlAppender`: None for a leaderboard record, else what is wrong."""
    return expect_fields(record=LEADERBOARD_RECORD)(record)


def read_records(path: StrPath) -> list[LeaderboardRecord]:
    """The records of a ``records.jsonl`` (a torn final line ignored), the last per rule x instance."""
    lines = read_jsonl_tolerant(path, key="rule", check=is_leaderboard_record, what="leaderboard records")
    latest = {(r["rule"], r["instance"]): r for r in lines}
    return [LeaderboardRecord.from_dict(r) for r in latest.values()]


def legacy_error(folder: StrPath) -> SchedbenchError:
    """The one-line refusal for a 0.1 leaderboard folder (``results.jsonl`` without ``records.jsonl``)."""
    return SchedbenchError(
        f"{LEGACY_RESULTS_FILE} is a schedbench 0.1 leaderboard without instance hashes or references; "
        f"re-run `schedbench leaderboard DATA -o NEW_DIR` to get {RECORDS_FILE} (rules are cheap to re-run)",
        source=str(Path(folder) / LEGACY_RESULTS_FILE),
    )


def read_leaderboard(folder: StrPath) -> Leaderboard:
    """The records and the aggregate of a leaderboard folder, for reports."""
    folder = Path(folder)
    if not (folder / RECORDS_FILE).exists() and (folder / LEGACY_RESULTS_FILE).exists():
        raise legacy_error(folder)
    records = read_records(folder / RECORDS_FILE)
    path = folder / AGGREGATE_FILE
    try:
        doc = loads(read_text(path, expected="a leaderboard.json"), strict=False)
    except ValueError as err:
        raise SchedbenchError(f"invalid JSON: {err}", source=str(path)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("problem"), str):
        raise SchedbenchError("expected a leaderboard object with a 'problem'", source=str(path))
    return Leaderboard.from_aggregate(doc, records)
