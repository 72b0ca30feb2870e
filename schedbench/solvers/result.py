"""What a solver backend hands back to the front door before verification."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from schedbench.records import SolveStatus

STATUSES = tuple(s.value for s in SolveStatus)


@dataclass
class RawResult:
    """A backend's unverified answer.

    `solution` is a solution dict (sequence or starts) or None; `objective` is the value the backend
    claims for it, computed from its own model, and must equal the verifier's; `bound` is the best proven
    lower bound on the optimum (None if unknown).
    """

    status: str
    name: str
    version: str
    params: dict[str, Any]
    solution: dict[str, Any] | None = None
    objective: int | None = None
    bound: int | None = None
    infeasible_proven: bool = False
    message: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
