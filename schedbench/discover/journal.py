"""A run's ``events.jsonl`` (replayed on resume, appended otherwise) and its content-addressed files."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from schedbench.datasets import JsonlAppender
from schedbench.datasets.files import write_text_atomic
from schedbench.datasets.jsonl import JsonValue, read_jsonl_tolerant
from schedbench.problems import SchedbenchError
from schedbench.records.discover import check_discover_event, discover_event


class Journal:
    """``events.jsonl``: replays logged steps in order on resume, appends new ones."""

    def __init__(self, path: Path, sandbox: str) -> None:
        self.path = path
        self.sandbox = sandbox
        self.old = read_jsonl_tolerant(path, key="record", check=check_discover_event, what="discover events")
        self.pos = 0
        self.appender = JsonlAppender(path, key="record", check=check_discover_event, what="discover events")
        self.seq = len(self.old)
        self.answered = {str(e["req"]) for e in self.old if e["type"] == "llm_response"}

    def logged_requests(self) -> list[dict[str, JsonValue]] | None:
        """The ``llm_request`` events logged next (end-of-run events passed by), when the log goes on
        after them: those requests were all sent, so a resumed run sends exactly these. None when the
        log ends there (or before): the run was killed while sending, and plans the requests afresh."""
        pos = self.pos
        while pos < len(self.old) and self._skippable(self.old[pos], "llm_request", 0):
            pos += 1
        end = pos
        while end < len(self.old) and self.old[end]["type"] == "llm_request":
            end += 1
        return self.old[pos:end] if end < len(self.old) else None

    def has_answer(self, req: str) -> bool:
        """Whether the log holds the response to request ``req`` (a resumed run does not send it again)."""
        return req in self.answered

    @staticmethod
    def _skippable(old: Mapping[str, JsonValue], kind: str, gen: int | None) -> bool:
        """An end-of-run event (stop, test, final validation) that a run resumed with larger budgets
        passes by: it continues where the earlier run ended."""
        if old["type"] in ("stop", "test"):
            return kind != old["type"]
        final = old["type"] == "validation" and old.get("final") is True
        return final and not (kind == "validation" and gen is None)

    def _peek(self) -> dict[str, JsonValue] | None:
        return self.old[self.pos] if self.pos < len(self.old) else None

    def emit(
        self,
        kind: str,
        compute: Callable[[], tuple[dict[str, JsonValue], dict[str, JsonValue]]],
        *,
        slot: int | None = None,
        gen: int | None = None,
        island: int | None = None,
    ) -> dict[str, JsonValue]:
        """The logged event of this step, or a new one from ``compute() -> (fields, timing)``."""
        while (old := self._peek()) is not None:
            if self._skippable(old, kind, gen):
                self.pos += 1
                continue
            if old["type"] != kind or old.get("slot") != slot:
                raise SchedbenchError(
                    f"event {self.pos + 1} is a {old['type']} of slot {old.get('slot')}, but this run's "
                    f"configuration next makes a {kind} of slot {slot}: the log belongs to another run",
                    source=str(self.path),
                )
            self.pos += 1
            return old
        data, timing = compute()
        event = discover_event(
            kind, self.seq, slot=slot, gen=gen, island=island, timing=timing, sandbox=self.sandbox, **data
        )
        self.appender.write(event)
        self.seq += 1
        return event

    def append(self, kind: str, **data: JsonValue) -> dict[str, JsonValue]:
        """An event outside the replayed loop (the test)."""
        event = discover_event(kind, self.seq, sandbox=self.sandbox, **data)
        self.appender.write(event)
        self.seq += 1
        return event

    def close(self) -> None:
        self.appender.close()


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def store_text(folder: Path, text: str, suffix: str = ".txt") -> str:
    """Write ``text`` content-addressed into ``folder``; returns its sha256."""
    digest = sha256_text(text)
    path = folder / f"{digest[:16]}{suffix}"
    if not path.exists():
        write_text_atomic(path, text)
    return digest


def read_events(run_dir: str) -> list[dict[str, JsonValue]]:
    return read_jsonl_tolerant(
        Path(run_dir) / "events.jsonl", key="record", check=check_discover_event, what="discover events"
    )


def last_stop(events: Sequence[Mapping[str, JsonValue]]) -> Mapping[str, JsonValue] | None:
    stops = [e for e in events if e["type"] == "stop"]
    return stops[-1] if stops else None
