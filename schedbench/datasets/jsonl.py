"""JSONL reading and writing that never loses or half-writes a file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from schedbench.problems import Instance, SchedbenchError, parse_instance


def dumps(record: Any) -> str:
    """Canonical one-line JSON: fixed key order as given, no spaces, UTF-8 kept."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def iter_jsonl(path: str | os.PathLike[str]) -> Iterator[tuple[int, Any]]:
    """Yield (line number, parsed JSON) for each non-blank line; a single JSON document counts as line 1.

    Errors name the file and line: invalid JSON and truncated lines are reported, never skipped.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchedbenchError("no such file", source=source) from None
    except IsADirectoryError:
        raise SchedbenchError("is a directory, expected a .jsonl or .json file", source=source) from None
    except UnicodeDecodeError as err:
        raise SchedbenchError(f"not UTF-8 text ({err.reason})", source=source) from None
    stripped = text.lstrip()
    if stripped.startswith("{") and not _is_jsonl(text):
        try:
            yield 1, json.loads(text)
            return
        except json.JSONDecodeError:
            pass  # fall through: report the offending line as JSONL
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as err:
            cut = err.pos >= len(line.rstrip()) or err.msg.startswith("Unterminated")
            hint = "truncated line" if cut else "invalid JSON"
            raise SchedbenchError(
                f"{hint}: {err.msg} (column {err.colno})", source=source, line=number
            ) from None


def _is_jsonl(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        return False
    try:
        json.loads(lines[0])
        return True
    except json.JSONDecodeError:
        return False


def read_instances(path: str | os.PathLike[str], *, unique: bool = True) -> list[Instance]:
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


def read_solutions(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Solutions by instance name; the last line wins when an instance appears twice."""
    solutions: dict[str, dict[str, Any]] = {}
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


def write_jsonl_atomic(
    path: str | os.PathLike[str], records: Iterable[Any], *, overwrite: bool = False
) -> int:
    """Write records to a temporary file beside `path`, then rename it into place.

    Refuses to replace an existing file unless `overwrite`; on any error nothing is left behind.
    Returns the number of records written.
    """
    target = Path(path)
    if target.exists() and not overwrite:
        raise SchedbenchError("already exists; choose another name or pass --force", source=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for record in records:
                handle.write(dumps(record))
                handle.write("\n")
                count += 1
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


class JsonlAppender:
    """Append-and-flush writer for long runs: each record is on disk as soon as it is written.

    A torn last line (a run killed mid-write) is cut off on open, so a resumed run appends cleanly.
    """

    def __init__(self, path: str | os.PathLike[str], *, key: str = "instance") -> None:
        self.path = Path(path)
        self.key = key
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._records = self._load_existing()
        self._handle = self.path.open("a", encoding="utf-8")

    def _load_existing(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        data = self.path.read_bytes()
        keep = data if data.endswith(b"\n") or not data else data[: data.rfind(b"\n") + 1]
        records = []
        good = 0
        for raw in keep.splitlines(keepends=True):
            try:
                records.append(json.loads(raw))
                good += len(raw)
            except json.JSONDecodeError:
                break
        if good != len(data):
            with self.path.open("r+b") as handle:
                handle.truncate(good)
        return records

    @property
    def existing(self) -> list[dict[str, Any]]:
        """Records already in the file when it was opened."""
        return list(self._records)

    def done_keys(self, *fields: str) -> set[Any]:
        """Keys of records already written: the `key` field, or a tuple of `fields`."""
        if not fields:
            return {r.get(self.key) for r in self._records}
        return {tuple(r.get(f) for f in fields) for r in self._records}

    def write(self, record: Any) -> None:
        self._handle.write(dumps(record) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> JsonlAppender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
