"""JSONL reading and writing that never loses, deletes or half-writes a record.

One strict JSON reader for user input (duplicate keys, non-standard constants, numbers that round to an
integer and nesting beyond Python's limits are located errors, never tracebacks), one tolerant reader for
our own append-only files (a torn final line is ignored, any other bad line is refused), and the appender
that long runs resume from.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from schedbench.datasets.files import StrPath, atomic_writer, read_text, split_lines
from schedbench.problems import Instance, SchedbenchError, parse_instance

JsonValue = Any  # what json.loads returns: dict, list, str, int, float, bool or None


def dumps(record: JsonValue) -> str:
    """Canonical one-line JSON: fixed key order as given, no spaces, UTF-8 kept."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def _no_duplicate_keys(pairs: list[tuple[str, JsonValue]]) -> dict[str, JsonValue]:
    record = dict(pairs)
    if len(record) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return record


def _exact_float(text: str) -> float:
    value = float(text)
    if value.is_integer():
        try:
            exact = Decimal(text)
        except InvalidOperation:
            return value
        if exact != Decimal(value):
            raise ValueError(f"number {text} is not an integer but rounds to {int(value)} in floating point")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not standard JSON")


def _no_lone_surrogates(value: JsonValue) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            "a string holds a lone surrogate (\\ud800-\\udfff), which is not Unicode text"
        ) from None


def loads(text: str | bytes, *, strict: bool = True) -> JsonValue:
    """Parse one JSON document; `strict` refuses duplicate keys, NaN/Infinity and numbers that round to an
    integer. Every failure is a ValueError (json.JSONDecodeError for syntax) with a one-line message."""
    try:
        if strict:
            value = json.loads(
                text,
                object_pairs_hook=_no_duplicate_keys,
                parse_float=_exact_float,
                parse_constant=_no_constant,
            )
            escapes = text if isinstance(text, str) else text.decode("utf-8", "replace")
            if "\\ud" in escapes.lower():  # only an escape can smuggle in a lone surrogate
                _no_lone_surrogates(value)
            return value
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    except json.JSONDecodeError:
        raise
    except ValueError as err:  # Python's int-digit limit and the hooks above
        raise ValueError(str(err).split("\n")[0]) from None


def _decode_error(err: ValueError) -> str:
    if isinstance(err, json.JSONDecodeError):
        hint = (
            "truncated line"
            if err.msg.startswith("Unterminated") or err.pos >= len(err.doc.rstrip())
            else "invalid JSON"
        )
        return f"{hint}: {err.msg} (column {err.colno})"
    return f"invalid JSON: {err}"


def iter_jsonl(path: StrPath) -> Iterator[tuple[int, JsonValue]]:
    """Yield (line number, parsed JSON) for each non-blank line; a single JSON document counts as line 1.

    Lines are split on "\\n" only. Errors name the file and line: invalid JSON and truncated lines are
    reported, never skipped.
    """
    source = str(path)
    text = read_text(path, expected="a .jsonl or .json file")
    lines = split_lines(text)
    if text.lstrip().startswith("{") and not _first_line_is_json(lines):
        try:
            yield 1, loads(text)
            return
        except json.JSONDecodeError as err:
            raise SchedbenchError(_decode_error(err), source=source, line=err.lineno) from None
        except ValueError as err:
            raise SchedbenchError(_decode_error(err), source=source, line=1) from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = loads(line)
        except ValueError as err:
            raise SchedbenchError(_decode_error(err), source=source, line=number) from None
        yield number, value


def _first_line_is_json(lines: list[str]) -> bool:
    for line in lines:
        if line.strip():
            try:
                json.loads(line)
            except (ValueError, RecursionError):
                return False
            return True
    return False


def read_instances(path: StrPath, *, unique: bool = True) -> list[Instance]:
    """Read and check every instance of a .jsonl (or single .json) file."""
    instances: list[Instance] = []
    seen: dict[str, int] = {}
    for line, obj in iter_jsonl(path):
        inst = parse_instance(obj, source=str(path), line=line)
        if unique and inst.name in seen:
            raise SchedbenchError(
                f"instance name {inst.name!r} already used on line {seen[inst.name]}",
                source=str(path),
                line=line,
                field="name",
            )
        seen[inst.name] = line
        instances.append(inst)
    if not instances:
        raise SchedbenchError("no instances in file", source=str(path))
    return instances


def read_solutions(path: StrPath) -> dict[str, dict[str, JsonValue]]:
    """Solutions by instance name; the last line wins when an instance appears twice."""
    solutions: dict[str, dict[str, JsonValue]] = {}
    for line, obj in iter_jsonl(path):
        if not isinstance(obj, dict) or not isinstance(obj.get("instance"), str):
            raise SchedbenchError(
                "expected a solution object with an 'instance' name",
                source=str(path),
                line=line,
                field="instance",
            )
        solutions[obj["instance"]] = obj
    return solutions


def write_jsonl_atomic(path: StrPath, records: Iterable[JsonValue], *, overwrite: bool = False) -> int:
    """Write records to a temporary file beside `path`, then rename it into place.

    Refuses to replace an existing file unless `overwrite`; on any error nothing is left behind.
    Returns the number of records written.
    """
    count = 0
    with atomic_writer(path, overwrite=overwrite) as handle:
        for record in records:
            handle.write(dumps(record))
            handle.write("\n")
            count += 1
    return count


RecordCheck = Callable[[dict[str, JsonValue]], str | None]


def expect_fields(**expected: JsonValue) -> RecordCheck:
    """A record check: each named field must hold the given value (e.g. ``schema="schedbench/solution/v1"``)."""

    def check(record: dict[str, JsonValue]) -> str | None:
        for name, value in expected.items():
            if record.get(name) != value:
                return f"expected {name} {value!r}, found {record.get(name)!r}"
        return None

    return check


class _Scan:
    """The records of an append-only JSONL file, and where its torn final line (if any) starts."""

    def __init__(self, path: Path, *, key: str, check: RecordCheck | None, what: str) -> None:
        self.records: list[dict[str, JsonValue]] = []
        self.cut_at: int | None = None  # byte offset of a torn final line to drop
        self.complete_last = False  # the final line is a whole record that lacks its "\n"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as err:
            raise SchedbenchError(f"cannot read: {err.strerror}", source=str(path)) from None
        *lines, tail = data.split(b"\n")
        for number, raw in enumerate(lines, start=1):
            self._take(raw, number, path, key=key, check=check, what=what)
        if tail.strip():
            try:
                self._take(tail, len(lines) + 1, path, key=key, check=check, what=what)
                self.complete_last = True
            except SchedbenchError:
                if not tail.lstrip().startswith(b"{"):
                    raise
                self.cut_at = len(data) - len(tail)

    def _take(
        self, raw: bytes, number: int, path: Path, *, key: str, check: RecordCheck | None, what: str
    ) -> None:
        if not raw.strip():
            return
        refuse = f"; {path.name} is not {what}, so nothing was appended or deleted (move it away or choose another output)"
        try:
            record = loads(raw.decode("utf-8"), strict=False)
        except (ValueError, UnicodeDecodeError) as err:
            reason = _decode_error(err) if isinstance(err, ValueError) else "not UTF-8 text"
            raise SchedbenchError(reason + refuse, source=str(path), line=number) from None
        if not isinstance(record, dict) or key not in record:
            raise SchedbenchError(
                f"expected a JSON object with {key!r}" + refuse, source=str(path), line=number
            )
        problem = check(record) if check is not None else None
        if problem:
            raise SchedbenchError(problem + refuse, source=str(path), line=number)
        self.records.append(record)


def read_jsonl_tolerant(
    path: StrPath,
    *,
    key: str = "instance",
    check: RecordCheck | None = None,
    what: str = "schedbench records",
) -> list[dict[str, JsonValue]]:
    """All records of an append-only file written by a run: a torn final line (a killed writer) is ignored,
    any other unreadable line is a located `SchedbenchError`. A missing file has no records."""
    return _Scan(Path(path), key=key, check=check, what=what).records


class JsonlAppender:
    """Append-and-flush writer for long runs: each record is on disk as soon as it is written.

    On open only a torn final line (a run killed mid-write: no "\\n", starts like a record) is cut off.
    Any other line that is not a record of the expected kind makes the open fail with its line number,
    and nothing in the file is changed.
    """

    def __init__(
        self,
        path: StrPath,
        *,
        key: str = "instance",
        check: RecordCheck | None = None,
        what: str = "schedbench records",
    ) -> None:
        self.path = Path(path)
        self.key = key
        scan = _Scan(self.path, key=key, check=check, what=what)
        self._records = scan.records
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if scan.cut_at is not None:
                with self.path.open("r+b") as handle:
                    handle.truncate(scan.cut_at)
            self._handle = self.path.open("a", encoding="utf-8")
            if scan.complete_last:
                self._handle.write("\n")
                self._handle.flush()
        except OSError as err:
            raise SchedbenchError(f"cannot write: {err.strerror}", source=str(self.path)) from None

    @property
    def existing(self) -> list[dict[str, JsonValue]]:
        """Records already in the file when it was opened."""
        return list(self._records)

    def done_keys(self, *fields: str) -> set[JsonValue]:
        """Keys of records already written: the `key` field, or a tuple of `fields`."""
        if not fields:
            return {r.get(self.key) for r in self._records}
        return {tuple(r.get(f) for f in fields) for r in self._records}

    def write(self, record: JsonValue) -> None:
        """Append one record, flush it and fsync it."""
        try:
            self._handle.write(dumps(record) + "\n")
            self._handle.flush()
            os.fsync(self._handle.fileno())
        except OSError as err:
            raise SchedbenchError(f"cannot write: {err.strerror}", source=str(self.path)) from None

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
