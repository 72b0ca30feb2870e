"""Shared checks for parsing instances and reading solutions."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any, Protocol, TypeVar

import numpy as np

from schedbench.problems.base import MAX_MAGNITUDE, Verification, Violation
from schedbench.problems.errors import SchedbenchError
from schedbench.problems.schemas import INSTANCE_SCHEMAS, SOLUTION_SCHEMAS


@cache
def _validator(schema_key: str, problem: str):
    import jsonschema

    schema = (INSTANCE_SCHEMAS if schema_key == "instance" else SOLUTION_SCHEMAS)[problem]
    return jsonschema.Draft202012Validator(schema)


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def check_schema(obj: dict[str, Any], problem: str, kind: str = "instance") -> None:
    """Raise SchedbenchError naming the field of the most relevant schema violation."""
    import jsonschema

    validator = _validator(kind, problem)
    error = jsonschema.exceptions.best_match(validator.iter_errors(obj))
    if error is None:
        return
    field = _path(error.absolute_path) or None
    message = error.message
    if len(message) > 160:
        message = message[:157] + "..."
    raise SchedbenchError(message, field=field)


def index_names(names: Sequence[str], field: str) -> dict[str, int]:
    """Map names to positions; a repeated name is an error naming its field."""
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in index:
            raise SchedbenchError(f"duplicate name {name!r}", field=f"{field}[{i}].name")
        index[name] = i
    return index


def as_int(value: Any) -> int | None:
    """The integer value of a JSON number, or None if it is not an integer (bools are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def read_start(
    value: Any, names: tuple[str, ...], violations: list[Violation], what: str = "start"
) -> int | None:
    """Check one start time; record non_integer / out_of_range / negative_start violations and return it
    if usable."""
    start = as_int(value)
    if start is None:
        violations.append(
            Violation("non_integer", f"{what} of {'/'.join(names)} is {value!r}, not an integer", 1, names)
        )
        return None
    if abs(start) > MAX_MAGNITUDE:
        message = f"{what} of {'/'.join(names)} is {start}, beyond the largest time {MAX_MAGNITUDE}"
        violations.append(Violation("out_of_range", message, 1, names))
        return None
    if start < 0:
        violations.append(
            Violation(
                "negative_start", f"{what} of {'/'.join(names)} is {start} < 0", -start, names, at=(start, 0)
            )
        )
    return start


class _Named(Protocol):
    @property
    def name(self) -> str: ...


InstanceT = TypeVar("InstanceT", bound=_Named)
Check = Callable[[InstanceT, np.ndarray, np.ndarray, list[Violation]], None]


def verify_starts(
    inst: InstanceT,
    solution: dict[str, Any],
    shape: str,
    read: Callable[[InstanceT, dict[str, Any], list[Violation]], np.ndarray | None],
    durations: np.ndarray,
    checks: Sequence[Check[InstanceT]],
    objective: Callable[[InstanceT, np.ndarray], int],
) -> Verification:
    """Read the ``starts`` object (``shape`` says what it maps) and, once the start times are complete, run
    every check on them and their end times and recompute the objective."""
    violations: list[Violation] = []
    raw = solution.get("starts")
    if not isinstance(raw, dict):
        violations.append(Violation("malformed", f"solution has no 'starts' object of {shape}", 1))
        return Verification(inst.name, False, None, violations)
    starts = read(inst, raw, violations)
    if starts is None:
        return Verification(inst.name, False, None, violations)
    ends = starts + durations
    for check in checks:
        check(inst, starts, ends, violations)
    return Verification(inst.name, not violations, objective(inst, starts), violations)
