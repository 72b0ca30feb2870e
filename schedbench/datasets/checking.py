"""Check whole files: validate instances, verify a file of solutions against a file of instances."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import Any

from schedbench.datasets.jsonl import iter_jsonl, read_instances
from schedbench.problems import SchedbenchError, Verification, verify


@dataclass(frozen=True)
class CheckedSolution:
    """One solution line, its verdict, and what the producer claimed."""

    line: int
    verification: Verification
    claimed_objective: Any = None

    @property
    def objective_mismatch(self) -> bool:
        claimed = self.claimed_objective
        return (
            claimed is not None
            and self.verification.objective is not None
            and claimed != self.verification.objective
        )

    def to_dict(self) -> dict[str, Any]:
        out = self.verification.to_dict()
        if self.claimed_objective is not None:
            out["claimed_objective"] = self.claimed_objective
            out["objective_mismatch"] = self.objective_mismatch
        return out


def validate_file(path: str | os.PathLike[str]) -> Counter[str]:
    """Check every instance of a file (schema and meaning); return the count per problem."""
    return Counter(inst.problem for inst in read_instances(path))


def verify_file(
    instances_path: str | os.PathLike[str], solutions_path: str | os.PathLike[str]
) -> list[CheckedSolution]:
    """Verify each solution line against the instance it names."""
    instances = {inst.name: inst for inst in read_instances(instances_path)}
    checked = []
    for line, obj in iter_jsonl(solutions_path):
        name = obj.get("instance") if isinstance(obj, dict) else None
        if not isinstance(name, str):
            raise SchedbenchError(
                "expected a solution object naming its 'instance'",
                source=str(solutions_path),
                line=line,
                field="instance",
            )
        if name not in instances:
            raise SchedbenchError(
                f"instance {name!r} is not in {instances_path}",
                source=str(solutions_path),
                line=line,
                field="instance",
            )
        checked.append(CheckedSolution(line, verify(instances[name], obj), obj.get("objective")))
    return checked
