"""Typed, versioned records: what schedbench writes, one dataclass and one JSON Schema per kind.

Every record dict carries ``"record": "<schema id>"``; the schemas are files in ``schemas/`` (draft 2020-12),
read with :func:`record_schema`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from schedbench.problems import SchedbenchError
from schedbench.records.leaderboard import (
    LEADERBOARD_RECORD,
    Leaderboard,
    LeaderboardRecord,
    PluginInfo,
    read_leaderboard,
)
from schedbench.records.sample import (
    OUTCOMES,
    SAMPLE_RECORD,
    Repair,
    RoundResult,
    SampleRecord,
    sample_kind_problem,
    sample_problem,
    sample_schema,
)
from schedbench.records.solve import (
    SOLVE_RESULT_ID,
    SolveResult,
    SolverInfo,
    SolveStatus,
)

__all__ = [
    "LEADERBOARD_RECORD",
    "Leaderboard",
    "LeaderboardRecord",
    "PluginInfo",
    "read_leaderboard",
    "OUTCOMES",
    "SAMPLE_RECORD",
    "SOLVE_RESULT_ID",
    "Repair",
    "RoundResult",
    "SampleRecord",
    "SolveResult",
    "SolveStatus",
    "SolverInfo",
    "record_schema",
    "sample_kind_problem",
    "sample_problem",
    "sample_schema",
]


@cache
def record_schema(record_id: str) -> dict[str, Any]:
    """The JSON Schema published for a record id such as ``schedbench/solve-result/v1``."""
    kind, _, version = record_id.removeprefix("schedbench/").rpartition("/")
    path = resources.files("schedbench.records") / "schemas" / f"{kind}.{version}.json"
    if not kind or not path.is_file():
        raise SchedbenchError(f"no published schema for record {record_id!r}", field="record")
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema
