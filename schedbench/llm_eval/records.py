"""The run's record files: ``samples.jsonl`` (appended as samples finish), the retry audit trail, and
`read_run`, which reads a finished or killed run back as typed records.

Each record is flushed as soon as it is written, so a killed process loses nothing; a background thread
fsyncs at most every ``sync_interval_s`` so an OS crash or power cut loses at most that much.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from schedbench.datasets.files import StrPath, write_text_atomic
from schedbench.datasets.jsonl import JsonlAppender, JsonValue, dumps, read_jsonl_tolerant
from schedbench.datasets.locks import OutputLock
from schedbench.llm_eval.config import RunFiles
from schedbench.problems.errors import SchedbenchError
from schedbench.records.sample import SampleRecord, sample_kind_problem, sample_problem

_WHAT = "an llm eval samples file"
CONTENT_REF = "$content"  # in a stored response body: where the record's `content` was cut out


def compact_response(body: dict[str, JsonValue], content: str | None) -> dict[str, JsonValue]:
    """The response body as a record stores it: the message content, which the record already holds as
    ``content``, is replaced by a reference to it (`full_response` puts it back).

    A string becomes ``{"$content": [0, len]}``, each text part of a content list ``{"$content": [a, b]}``
    (its slice of ``content``), any other JSON value ``{"$content": "json"}``. A body whose content does
    not match ``content`` is kept whole.
    """
    message = _message(body)
    if message is None or content is None or "content" not in message:
        return body
    value = message["content"]
    if isinstance(value, str):
        if value != content:
            return body
        stored: JsonValue = {CONTENT_REF: [0, len(content)]}
    elif isinstance(value, list):
        stored, at = [], 0
        for part in value:
            text = part.get("text") if isinstance(part, dict) else None
            if isinstance(text, str):
                part = {**part, "text": {CONTENT_REF: [at, at + len(text)]}}
                at += len(text)
            stored.append(part)
        if at != len(content):
            return body
    elif value is not None and json.dumps(value) == content:
        stored = {CONTENT_REF: "json"}
    else:
        return body
    return _with_message_content(body, stored)


def full_response(body: dict[str, JsonValue] | None, content: str | None) -> dict[str, JsonValue] | None:
    """The response body as received, from a stored body and the record's ``content`` (0.1 records,
    which store the body whole, come back unchanged)."""
    message = _message(body) if body is not None else None
    if message is None or content is None:
        return body
    value = message.get("content")

    def restore(ref: JsonValue) -> JsonValue:
        span = ref.get(CONTENT_REF) if isinstance(ref, dict) and len(ref) == 1 else None
        if span == "json":
            return json.loads(content)
        if isinstance(span, list) and len(span) == 2:
            return content[span[0] : span[1]]
        return ref

    if isinstance(value, list):
        parts = [
            {**p, "text": restore(p["text"])} if isinstance(p, dict) and "text" in p else p for p in value
        ]
        return _with_message_content(body, parts)
    restored = restore(value)
    return body if restored is value else _with_message_content(body, restored)


def _message(body: JsonValue) -> dict[str, JsonValue] | None:
    choices = body.get("choices") if isinstance(body, dict) else None
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else None
    message = choice.get("message") if choice is not None else None
    return message if isinstance(message, dict) else None


def _with_message_content(body: dict[str, JsonValue], content: JsonValue) -> dict[str, JsonValue]:
    """A copy of ``body`` (copied only along the path) whose first choice's message content is ``content``."""
    choices = list(body["choices"])
    choice = dict(choices[0])
    choice["message"] = {**choice["message"], "content": content}
    choices[0] = choice
    return {**body, "choices": choices}


class RecordWriter:
    """Append one JSON line per record, flush it, and fsync from a background thread now and then."""

    def __init__(self, path: StrPath, *, sync_interval_s: float = 0.5) -> None:
        # reads the existing records (refusing a file of another kind) and cuts a torn last line
        loader = JsonlAppender(path, key="instance", check=sample_kind_problem, what=_WHAT)
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

    def write(self, record: dict[str, JsonValue]) -> None:
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


def read_sample_dicts(path: StrPath) -> list[dict[str, JsonValue]]:
    """The records of a samples file as written (a torn final line of a killed run is left out)."""
    return read_jsonl_tolerant(path, key="instance", check=sample_problem, what=_WHAT)


def read_samples(path: StrPath) -> list[SampleRecord]:
    """The records of a samples file, typed; 0.1 files (no ``"record"`` key) read too."""
    return [SampleRecord.from_dict(d) for d in read_sample_dicts(path)]


def is_request_error(record: dict[str, JsonValue]) -> bool:
    """True when the sample ended on a failed request (round 0, or a repair round cut short)."""
    repair = record.get("repair")
    final = repair.get("final_outcome") if isinstance(repair, dict) else None
    return record.get("outcome") == "request_error" or final == "request_error"


def set_aside_request_errors(samples: Path, audit: Path) -> int:
    """Move request-error records from ``samples`` to the end of ``audit``; return how many moved.

    The audit file is appended and fsync'd first, then ``samples`` is replaced atomically by its other
    lines, byte for byte, so a crash at any point loses no record. A torn final line is dropped (the
    writer would cut it anyway); any other bad line is refused before anything moves.
    """
    records = read_sample_dicts(samples)
    if not records:
        return 0
    lines = [line for line in samples.read_bytes().split(b"\n") if line.strip()][: len(records)]
    keep = [raw.decode("utf-8") + "\n" for raw, rec in zip(lines, records) if not is_request_error(rec)]
    moved = [rec for rec in records if is_request_error(rec)]
    if not moved:
        return 0
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with JsonlAppender(audit, key="instance") as trail:
        for record in moved:
            trail.write({**record, "set_aside_utc": stamp})
    write_text_atomic(samples, "".join(keep))
    return len(moved)


RunLock = OutputLock.for_dir  # the exclusive lock on a RUN_DIR (`RunFiles.output_lock`)


@dataclass
class Run:
    """One run folder read back: its manifest (empty if none was written) and its records."""

    dir: Path
    manifest: dict[str, JsonValue]
    records: list[SampleRecord]

    @property
    def model(self) -> str:
        config = self.manifest.get("config")
        model = config.get("model") if isinstance(config, dict) else None
        return model or (self.records[0].model if self.records else None) or "?"

    @property
    def label(self) -> str:
        """``model@folder``, how reports name the run."""
        return f"{self.model}@{self.dir.name}"

    def rows(self) -> list[dict[str, JsonValue]]:
        """The records as JSON objects, the form the metrics read."""
        return [r.to_dict() for r in self.records]


def read_run(run_dir: StrPath) -> Run:
    """Read a run folder: manifest and records; tolerant of a torn final line, refusing any other bad
    line with its number; files written by 0.1 read too."""
    files = RunFiles(run_dir)
    if not files.samples.exists():
        raise SchedbenchError(
            "no samples.jsonl here; is this a RUN_DIR of `schedbench llm eval`?", source=str(files.dir)
        )
    return Run(
        dir=files.dir, manifest=read_manifest(files.manifest) or {}, records=read_samples(files.samples)
    )


def read_manifest(path: StrPath) -> dict[str, JsonValue] | None:
    """The manifest at ``path`` (a run's ``RunFiles.manifest``), or None when there is none yet."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SchedbenchError(f"unreadable manifest ({err.msg})", source=str(path)) from None
