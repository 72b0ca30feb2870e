"""Result types shared by the three verifiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VIOLATION_CODES = (
    "malformed",
    "missing",
    "unknown",
    "duplicate",
    "non_integer",
    "out_of_range",
    "negative_start",
    "precedence",
    "capacity",
    "downtime",
    "release",
    "deadline",
    "disjunctive",
    "machine_overlap",
    "operation_order",
)

#: largest magnitude of any time, size or weight: a million of them still sum within 64-bit integers
MAX_MAGNITUDE = 10**12

INSTANCE_SCHEMA_ID = "schedbench/instance/v1"
SOLUTION_SCHEMA_ID = "schedbench/solution/v1"


def instance_dict(problem: str, name: str, body: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """An instance's JSON object: schema, problem and name first, then ``body``, then ``meta``."""
    return {"schema": INSTANCE_SCHEMA_ID, "problem": problem, "name": name, **body, "meta": meta}


def solution_dict(instance: str, schedule: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """A solution's JSON object: schema and instance name, the schedule, then any extra keys."""
    return {"schema": SOLUTION_SCHEMA_ID, "instance": instance, **schedule, **extra}


@dataclass(frozen=True)
class Violation:
    """One broken rule: its code, a readable message, how much it is broken by, and who is involved.

    ``at`` is the time interval ``[start, end)`` where the rule is broken and ``resource`` the resource
    (or machine) involved, when the verifier knows them; `to_dict` writes them only then.
    """

    code: str
    message: str
    magnitude: int | float = 1
    names: tuple[str, ...] = ()
    at: tuple[int, int] | None = None
    resource: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "magnitude": self.magnitude,
            "names": list(self.names),
        }
        if self.at is not None:
            out["at"] = [int(self.at[0]), int(self.at[1])]
        if self.resource is not None:
            out["resource"] = self.resource
        return out


@dataclass
class Verification:
    """The verifier's verdict on one solution."""

    instance: str
    feasible: bool
    objective: int | None
    violations: list[Violation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "feasible": self.feasible,
            "objective": self.objective,
            "violations": [v.to_dict() for v in self.violations],
        }

    def counts(self) -> dict[str, int]:
        """Number of violations per code."""
        out: dict[str, int] = {}
        for v in self.violations:
            out[v.code] = out.get(v.code, 0) + 1
        return out
