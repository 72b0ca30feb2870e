"""Typed, versioned records: what schedbench writes, one dataclass and one JSON Schema per kind."""

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

__all__ = [
    "OUTCOMES",
    "SAMPLE_RECORD",
    "Repair",
    "RoundResult",
    "SampleRecord",
    "sample_kind_problem",
    "sample_problem",
    "sample_schema",
]
