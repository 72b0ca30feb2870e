"""Reading text files with located errors, and the one atomic write (temp file, fsync, rename)."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from schedbench.problems import SchedbenchError

StrPath = str | os.PathLike[str]

_umask_lock = threading.Lock()


def read_text(path: StrPath, *, expected: str = "a file") -> str:
    """The whole file as UTF-8 text; a missing, unreadable or binary file is a `SchedbenchError`."""
    source = str(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchedbenchError("no such file", source=source) from None
    except IsADirectoryError:
        raise SchedbenchError(f"is a directory, expected {expected}", source=source) from None
    except UnicodeDecodeError as err:
        raise SchedbenchError(f"not UTF-8 text ({err.reason})", source=source) from None
    except OSError as err:
        raise SchedbenchError(f"cannot read: {err.strerror}", source=source) from None


def split_lines(text: str) -> list[str]:
    """Lines split on "\\n" only (a trailing "\\r" dropped): U+2028, U+2029 and U+0085 stay inside names."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def _current_umask() -> int:
    with _umask_lock:
        mask = os.umask(0)
        os.umask(mask)
    return mask


def fsync_dir(path: StrPath) -> None:
    """fsync a directory so a rename in it survives a power cut (a no-op where refused)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse a directory fsync
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_writer(path: StrPath, *, overwrite: bool = True) -> Iterator[IO[str]]:
    """A text handle on a temporary file beside `path`, renamed into place when the block ends cleanly.

    On any error (a full disk included) the temporary file is removed and `path` is left as it was. The
    file gets the usual mode (0666 less the umask), not the 0600 of a temporary file. An OSError becomes a
    one-line `SchedbenchError` naming the file.
    """
    target = Path(path)
    if not overwrite and target.exists():
        raise SchedbenchError("already exists; choose another name or pass --force", source=str(target))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise SchedbenchError(f"cannot write: {err.strerror}", source=str(target)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise SchedbenchError(f"cannot write: {err.strerror}", source=str(target)) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: StrPath, text: str, *, overwrite: bool = True) -> Path:
    """Write `text` to `path` atomically (see `atomic_writer`); returns the path."""
    with atomic_writer(path, overwrite=overwrite) as handle:
        handle.write(text)
    return Path(path)
