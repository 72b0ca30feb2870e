"""A response cache keyed by endpoint, model, messages and generation parameters (sqlite, stdlib).

The sample index is part of the key, so K samples of one prompt stay K distinct draws.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from schedbench.datasets.jsonl import loads
from schedbench.llm_eval.client import check_body


def default_cache_path() -> Path:
    """``$SCHEDBENCH_CACHE_DIR/llm-responses.sqlite`` or under ``~/.cache/schedbench``."""
    root = os.environ.get("SCHEDBENCH_CACHE_DIR") or Path.home() / ".cache" / "schedbench"
    return Path(root) / "llm-responses.sqlite"


def cache_key(base_url: str, params: dict[str, Any], sample: int) -> str:
    """sha256 of the canonical JSON of everything that shapes the response."""
    canonical = json.dumps(
        {"endpoint": base_url.rstrip("/"), "params": params, "sample": sample},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    """Successful response bodies by key; safe to share between runs and processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body TEXT NOT NULL)")

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached body, or None; an entry that is no longer a usable chat completion is a miss."""
        row = self._db.execute("SELECT body FROM responses WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            body = loads(row[0], strict=False)
            check_body(body)
        except ValueError:
            return None
        return body

    def put(self, key: str, body: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO responses (key, body) VALUES (?, ?)",
            (key, json.dumps(body, separators=(",", ":"), ensure_ascii=False)),
        )

    def close(self) -> None:
        self._db.close()
