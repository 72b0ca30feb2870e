"""What every importer shares: the result type, file reading and located integer parsing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from schedbench.datasets.files import read_text, split_lines
from schedbench.problems.errors import SchedbenchError

INSTANCE_SCHEMA = "schedbench/instance/v1"


@dataclass
class ImportResult:
    """Instances read from one or more files, and the ones left out with the reason why."""

    instances: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def extend(self, other: ImportResult) -> None:
        self.instances.extend(other.instances)
        self.skipped.extend(other.skipped)


def read_lines(path: str) -> list[str]:
    """The file's lines (without line ends); a missing or unreadable file is a `SchedbenchError`."""
    return split_lines(read_text(path))


_INT = re.compile(r"[+-]?\d+")


def int_tokens(text: str) -> list[int] | None:
    """All whitespace-separated tokens of `text` as integers, or None if any token is not an integer."""
    tokens = text.split()
    if not all(_INT.fullmatch(tok) for tok in tokens):
        return None
    return [int(tok) for tok in tokens]


def expect_ints(text: str, count: int | None, *, source: str, line: int, field: str) -> list[int]:
    """Parse a line of integers, insisting on exactly `count` of them when `count` is given."""
    values = int_tokens(text)
    if values is None:
        bad = next(tok for tok in text.split() if not _INT.fullmatch(tok))
        raise SchedbenchError(f"expected integers, found {bad!r}", source=source, line=line, field=field)
    if count is not None and len(values) != count:
        raise SchedbenchError(
            f"expected {count} integers, found {len(values)}", source=source, line=line, field=field
        )
    return values


def source_meta(fmt: str, path: str, provenance: str, **extra: Any) -> dict[str, Any]:
    """The `meta["source"]` block: format, the file path as given, where the data comes from."""
    return {"format": fmt, "file": path, "provenance": provenance, **extra}


def family_prefix(stem: str) -> str:
    """The letters an instance name starts with (`ft06` -> `ft`, `swv01` -> `swv`)."""
    match = re.match(r"[A-Za-z]+", stem)
    return match.group(0).lower() if match else stem
