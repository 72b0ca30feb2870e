"""One transient rich progress bar on stderr, drawn only on a terminal.

The bar starts at its first step, so a command that finishes without reporting progress draws
nothing, and rich is imported only when a bar is actually drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["Bar", "progress"]


class Bar:
    """The handle `progress()` yields: `advance`, `update` and `track` (all no-ops when disabled)."""

    def __init__(self, label: str, total: int | None, enabled: bool) -> None:
        self.label = label
        self.total = total
        self.enabled = enabled
        self._rich: Any = None
        self._task: Any = None

    def _started(self) -> bool:
        if self._rich is None and self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(stderr=True)
            if not console.is_terminal:
                self.enabled = False
                return False
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[info]}"),
            )
            self._rich = Progress(*columns, console=console, transient=True)
            self._rich.start()
            self._task = self._rich.add_task(self.label, total=self.total, info="")
        return self._rich is not None

    def advance(self, steps: int = 1) -> None:
        if self._started():
            self._rich.advance(self._task, steps)

    def update(self, completed: int, total: int | None, counts: Mapping[str, int] | None = None) -> None:
        """Set the position; `counts` (e.g. outcomes so far) is shown after the bar as `k=v` pairs."""
        if self._started():
            info = " ".join(f"{k}={v}" for k, v in sorted((counts or {}).items()))
            self._rich.update(self._task, completed=completed, total=total, info=info)

    def track(self, items: Iterable[T]) -> Iterator[T]:
        """Yield `items`, advancing the bar after each one is consumed."""
        for item in items:
            yield item
            self.advance()

    def close(self) -> None:
        if self._rich is not None:
            self._rich.stop()
            self._rich = None


@contextmanager
def progress(label: str, *, total: int | None = None, enabled: bool = True) -> Iterator[Bar]:
    """A bar named `label` counting to `total` (None: unknown until `update`), removed when done."""
    bar = Bar(label, total, enabled)
    try:
        yield bar
    finally:
        bar.close()
