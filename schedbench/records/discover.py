"""Discovery records: one line of a ``discover run``'s ``events.jsonl`` (schema ``schedbench/discover-event/v1``)
and its ``test.json`` (``schedbench/discover-test/v1``).

Every event has ``type``, ``seq`` (its position in the log), ``slot``, ``gen`` and ``island`` (null where
they do not apply), ``t`` (wall-clock time) and ``timing`` (latencies and durations). Everything but ``t``
and ``timing`` is a deterministic function of the run's configuration and the model's answers, so a run
killed and resumed writes the same events as one that was never interrupted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from schedbench.datasets.jsonl import JsonValue

DISCOVER_EVENT = "schedbench/discover-event/v1"
DISCOVER_TEST = "schedbench/discover-test/v1"
DISCOVER_RUN = "schedbench/discover-run/v1"

#: event type -> the fields it must carry (besides the common ones)
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "seed": ("id", "rule", "builtin", "status", "train"),
    "llm_request": ("req", "operator", "parents", "prompt_sha", "prompt_chars", "seed", "max_tokens"),
    "llm_response": ("req", "status", "finish_reason", "prompt_tokens", "completion_tokens", "estimated"),
    "candidate": ("id", "req", "parents", "operator", "ast_hash", "status", "failure", "train"),
    "generation": ("islands", "budget"),
    "validation": ("round", "candidates", "best_val_id"),
    "stop": ("reason", "budget", "pick"),
    "test": ("id", "evaluations", "metrics"),
}
COMMON_FIELDS = ("record", "type", "seq", "slot", "gen", "island", "t", "timing", "sandbox")
CANDIDATE_STATUSES = ("valid", "invalid", "rejected", "duplicate")
STOP_REASONS = (
    "max_samples",
    "max_evals",
    "max_tokens",
    "max_cost",
    "max_wall",
    "patience",
    "target_gap",
    "invalid_streak",
    "transport_failures",
)


def discover_event(
    kind: str,
    seq: int,
    *,
    slot: int | None = None,
    gen: int | None = None,
    island: int | None = None,
    timing: Mapping[str, JsonValue] | None = None,
    sandbox: str = "none",
    **fields: JsonValue,
) -> dict[str, JsonValue]:
    """A typed event line; raises ``ValueError`` for an unknown type or a missing field (a bug of ours)."""
    if kind not in EVENT_FIELDS:
        raise ValueError(f"unknown discover event type {kind!r}")
    missing = [f for f in EVENT_FIELDS[kind] if f not in fields]
    if missing:
        raise ValueError(f"{kind} event lacks {', '.join(missing)}")
    head: dict[str, JsonValue] = {
        "record": DISCOVER_EVENT,
        "type": kind,
        "seq": seq,
        "slot": slot,
        "gen": gen,
        "island": island,
        "t": round(time.time(), 3),
        "timing": dict(timing or {}),
        "sandbox": sandbox,
    }
    return {**head, **fields}


def check_discover_event(record: Mapping[str, JsonValue]) -> str | None:
    """Why a line is not a discover event, or None."""
    if record.get("record") != DISCOVER_EVENT:
        return f"not a {DISCOVER_EVENT} record"
    kind = record.get("type")
    if not isinstance(kind, str) or kind not in EVENT_FIELDS:
        return f"unknown event type {kind!r}"
    missing = [f for f in (*COMMON_FIELDS, *EVENT_FIELDS[kind]) if f not in record]
    return f"{kind} event lacks {', '.join(missing)}" if missing else None


def without_timing(record: Mapping[str, JsonValue]) -> dict[str, JsonValue]:
    """The deterministic part of an event (what resume must reproduce)."""
    return {k: v for k, v in record.items() if k not in ("t", "timing")}
