"""Shared checks for parsing instances and reading solutions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from schedbench.problems.base import MAX_MAGNITUDE, Violation
from schedbench.problems.errors import SchedbenchError


@cache
def _validator(schema_key: str, problem: str):
    import jsonschema

    from schedbench.problems.schemas import INSTANCE_SCHEMAS, SOLUTION_SCHEMAS

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
            Violation("negative_start", f"{what} of {'/'.join(names)} is {start} < 0", -start, names)
        )
    return start


def check_names_present(
    given: Iterable[str], index: dict[str, int], kind: str, violations: list[Violation]
) -> None:
    """Record unknown names that the solution mentions and names it leaves out."""
    seen = set()
    for name in given:
        seen.add(name)
        if name not in index:
            violations.append(Violation("unknown", f"unknown {kind} {name!r}", 1, (str(name),)))
    for name in index:
        if name not in seen:
            violations.append(Violation("missing", f"{kind} {name!r} has no start", 1, (name,)))
