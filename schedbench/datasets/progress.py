"""How long runs report progress: a `ProgressSink` the caller passes in, a no-op one by default.

Library code calls the sink and never draws anything itself; the command line passes the bars of
:mod:`schedbench.reports.progress`, which satisfy this protocol.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

__all__ = ["NO_PROGRESS", "NoProgress", "ProgressSink"]


class ProgressSink(Protocol):
    """Where a run reports how far it got."""

    def advance(self, steps: int = 1) -> None:
        """``steps`` more units are done."""

    def update(self, completed: int, total: int | None, counts: Mapping[str, int] | None = None) -> None:
        """``completed`` of ``total`` units are done; ``counts`` (e.g. outcomes so far) may be shown."""


class NoProgress:
    """The sink that reports nothing."""

    def advance(self, steps: int = 1) -> None:
        pass

    def update(self, completed: int, total: int | None, counts: Mapping[str, int] | None = None) -> None:
        pass


NO_PROGRESS: ProgressSink = NoProgress()
