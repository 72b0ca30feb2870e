"""The run's record files: ``samples.jsonl`` (appended as samples finish) and the retry audit trail.

Each record is flushed as soon as it is written, so a killed process loses nothing; a background thread
fsyncs at most every ``sync_interval_s`` so an OS crash or power cut loses at most that much.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from schedbench.datasets.files import fsync_dir
from schedbench.datasets.jsonl import dumps
from schedbench.datasets.locks import OutputLock

RETRIED_FILE = "retried_errors.jsonl"


class RecordWriter:
    """Append one JSON line per record, flush it, and fsync from a background thread now and then."""

    def __init__(self, path: str | os.PathLike[str], *, sync_interval_s: float = 0.5) -> None:
        from schedbench.datasets import JsonlAppender

        loader = JsonlAppender(path, key="instance")  # reads existing records and cuts a torn last line
        self.existing = loader.existing
        loader.close()
        self.path = Path(path)
        self.sync_interval_s = sync_interval_s
        self._handle = self.path.open("a", encoding="utf-8")
        self._written = 0
        self._synced = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sync_loop, name="samples-fsync", daemon=True)
        self._thread.start()

    @property
    def written(self) -> int:
        """Records written by this writer."""
        return self._written

    @property
    def synced(self) -> int:
        """Records known to be on stable storage (fsync'd)."""
        return self._synced

    def write(self, record: dict[str, Any]) -> None:
        self._handle.write(dumps(record) + "\n")
        self._handle.flush()
        self._written += 1

    def sync(self) -> None:
        """fsync if anything was written since the last sync (safe from any thread)."""
        with self._lock:
            target = self._written
            if target != self._synced and not self._handle.closed:
                os.fsync(self._handle.fileno())
                self._synced = target

    def _sync_loop(self) -> None:
        while not self._stop.wait(self.sync_interval_s):
            self.sync()

    def close(self) -> None:
        if self._handle.closed:
            return
        self._stop.set()
        self._thread.join()
        self._handle.flush()
        self.sync()
        self._handle.close()


def is_request_error(record: dict[str, Any]) -> bool:
    """True when the sample ended on a failed request (round 0, or a repair round cut short)."""
    repair = record.get("repair")
    final = repair.get("final_outcome") if isinstance(repair, dict) else None
    return record.get("outcome") == "request_error" or final == "request_error"


def set_aside_request_errors(samples: Path, audit: Path) -> int:
    """Move request-error records from ``samples`` to the end of ``audit``; return how many moved.

    The audit file is appended and fsync'd first, then ``samples`` is replaced atomically (temp file +
    ``os.replace``) by its other lines, byte for byte, so a crash at any point loses no record.
    """
    if not samples.exists():
        return 0
    data = samples.read_bytes()
    lines = data.splitlines(keepends=True)
    if lines and not lines[-1].endswith(b"\n"):
        try:
            json.loads(lines[-1])
        except ValueError:
            lines.pop()  # the torn last line of a killed run; the writer would cut it anyway
    keep: list[bytes] = []
    moved: list[dict[str, Any]] = []
    for raw in lines:
        try:
            record = json.loads(raw)
        except ValueError:
            keep.append(raw)  # not ours to judge; never drop data
            continue
        if isinstance(record, dict) and is_request_error(record):
            moved.append(record)
        else:
            keep.append(raw if raw.endswith(b"\n") else raw + b"\n")
    if not moved:
        return 0
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with audit.open("a", encoding="utf-8") as handle:
        for record in moved:
            handle.write(dumps({**record, "set_aside_utc": stamp}) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp = samples.with_name(f".{samples.name}.tmp")
    with tmp.open("wb") as handle:
        handle.writelines(keep)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, samples)
    fsync_dir(samples.parent)
    return len(moved)


RunLock = OutputLock.for_dir  # the exclusive lock on a RUN_DIR
