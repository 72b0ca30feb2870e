"""One writer per output: an exclusive `flock` that the OS releases if the holder dies."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

from schedbench.datasets.files import StrPath
from schedbench.problems import SchedbenchError


class OutputLock:
    """An exclusive lock on an output (a file or a run folder) for one process.

    `OutputLock.for_file(path)` locks `.NAME.lock` beside a file, `OutputLock.for_dir(path)` locks
    `.lock` inside a folder. A second process trying the same output gets a one-line error naming the pid
    that holds it. Where the platform has no `flock`, the lock is a no-op.
    """

    def __init__(self, lock_path: StrPath, target: StrPath) -> None:
        self.path = Path(lock_path)
        self.target = Path(target)
        self._handle: IO[str] | None = None

    @classmethod
    def for_file(cls, path: StrPath) -> OutputLock:
        target = Path(path)
        return cls(target.with_name(f".{target.name}.lock"), target)

    @classmethod
    def for_dir(cls, path: StrPath) -> OutputLock:
        return cls(Path(path) / ".lock", path)

    def acquire(self) -> None:
        """Take the lock or raise a one-line error naming the process that holds it."""
        try:
            import fcntl
        except ImportError:  # no flock on this platform: run unlocked
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = self.path.open("a+", encoding="utf-8")
        except OSError as err:
            raise SchedbenchError(f"cannot write: {err.strerror}", source=str(self.path)) from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            owner = handle.read().strip() or "?"
            handle.close()
            raise SchedbenchError(
                f"another schedbench process (pid {owner}) is writing to {self.target}; "
                "wait for it or choose another output"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock
            self._handle = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
