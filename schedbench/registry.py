"""One pattern for "which named algorithm?": a registry of frozen entries looked up by name.

Solvers, heuristics and importers each keep a module-level ``Registry``. Names are canonical lower case
and matched case-insensitively; an entry serves the problems it lists, and one name may be used by
entries of different problems (a lookup then needs the problem).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from enum import Enum
from typing import Generic, Protocol, TypeVar

from schedbench.problems import SchedbenchError


class Word(str, Enum):
    """A closed set of words written into records (statuses, kinds): compares and prints as its value."""

    def __str__(self) -> str:
        return str(self.value)


class Entry(Protocol):
    """What every registry entry has: a canonical name, the problems it serves, a one-line description."""

    @property
    def name(self) -> str: ...

    @property
    def problems(self) -> tuple[str, ...]: ...

    @property
    def description(self) -> str: ...


E = TypeVar("E", bound=Entry)


def canonical(name: str) -> str:
    """The registry spelling of a name: stripped, lower case."""
    return name.strip().lower()


class Registry(Generic[E]):
    """Entries of one kind (``kind`` names it in errors, e.g. "solver").

    ``loader``, when given, is called once before the first lookup to register built-in entries that
    live in modules not imported yet.
    """

    def __init__(self, kind: str, loader: Callable[[], None] | None = None) -> None:
        self.kind = kind
        self._entries: list[E] = []
        self._loader = loader
        self._loaded = loader is None
        self._lock = threading.RLock()  # a second thread waits for the loader instead of seeing no entries

    def _load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loader is not None:  # None here: loading already, in this thread (a nested lookup)
                loader, self._loader = self._loader, None
                loader()
                self._loaded = True

    def register(self, entry: E, *, replace: bool = False) -> E:
        """Add ``entry``; a name already used for one of its problems is refused unless ``replace``."""
        if entry.name != canonical(entry.name) or not entry.name:
            raise SchedbenchError(f"{self.kind} name {entry.name!r} is not canonical (lower case, no spaces)")
        clashes = [e for e in self._entries if e.name == entry.name and set(e.problems) & set(entry.problems)]
        if clashes and not replace and clashes != [entry]:
            problems = ", ".join(sorted(set(clashes[0].problems) & set(entry.problems)))
            raise SchedbenchError(f"{self.kind} {entry.name!r} is already registered for {problems}")
        self._entries = [e for e in self._entries if e not in clashes] + [entry]
        return entry

    def entries(self, problem: str | None = None) -> list[E]:
        """Entries serving ``problem`` (all without one), in registration order."""
        self._load()
        return [e for e in self._entries if problem is None or problem in e.problems]

    def names(self, problem: str | None = None) -> list[str]:
        """Canonical names of the entries serving ``problem``, without repeats."""
        return list(dict.fromkeys(e.name for e in self.entries(problem)))

    def get(self, name: str, problem: str | None = None) -> E:
        """The entry called ``name`` (any case) serving ``problem``; a one-line error listing the known names."""
        key = canonical(name)
        found = [e for e in self.entries(problem) if e.name == key]
        if len(found) == 1:
            return found[0]
        if found:
            problems = ", ".join(p for e in found for p in e.problems)
            raise SchedbenchError(
                f"{self.kind} {key!r} exists for {problems}; name the problem", field=self.kind
            )
        where = f"{problem} " if problem else ""
        known = ", ".join(self.names(problem)) or "none"
        raise SchedbenchError(f"unknown {where}{self.kind} {name!r}; known: {known}", field=self.kind)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and canonical(name) in self.names()

    def __iter__(self) -> Iterator[E]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self.entries())
