"""Taillard's job shop layout (Taillard 1993) -> jssp instances.

Per instance: a header line of words (`Nb of jobs, Nb of Machines, Time seed, ...`), a line
`n m [time_seed machine_seed upper_bound lower_bound]`, then `Times` and n rows of m durations,
then `Machines` and n rows of m machines **numbered from 1** (stored 0-based here). A file may hold
several instances (Taillard's `tai15_15.txt` holds ten); they are then named `<stem>_1`, `<stem>_2`, ...
The header numbers, when present, are kept in `meta["taillard"]`; its 1993 bounds are not used as
references (pass `--references` for current ones).
"""

from __future__ import annotations

from pathlib import Path

from schedbench.datasets.importers.base import ImportResult, expect_ints, int_tokens, read_lines
from schedbench.datasets.importers.orlib_jssp import jssp_instance, jssp_meta
from schedbench.problems.errors import SchedbenchError

FORMAT = "taillard"
PROVENANCE = "Taillard (1993) job shop layout"
SUFFIXES = (".txt", ".jss", ".jsp")
_HEADER_KEYS = ("time_seed", "machine_seed", "upper_bound", "lower_bound")


class _Cursor:
    """Non-blank lines of a file with their 1-based numbers."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.rows = [(k, t.strip()) for k, t in enumerate(read_lines(path), 1) if t.strip()]
        self.pos = 0
        self.last_line = self.rows[-1][0] if self.rows else 0

    def done(self) -> bool:
        return self.pos >= len(self.rows)

    def next(self, what: str) -> tuple[int, str]:
        if self.done():
            raise SchedbenchError(
                f"truncated: expected {what}", source=self.path, line=self.last_line, field=what
            )
        row = self.rows[self.pos]
        self.pos += 1
        return row

    def matrix(self, n: int, m: int, what: str) -> list[tuple[int, list[int]]]:
        out = []
        for _ in range(n):
            line, text = self.next(what)
            out.append((line, expect_ints(text, m, source=self.path, line=line, field=what)))
        return out

    def keyword(self, word: str) -> None:
        line, text = self.next(word)
        if text.rstrip(":").strip().lower() != word.lower():
            raise SchedbenchError(
                f"expected {word!r}, found {text[:40]!r}", source=self.path, line=line, field=word
            )


def read(path: str) -> ImportResult:
    """Read every instance in a Taillard-layout job shop file."""
    cursor = _Cursor(path)
    found = []
    while not cursor.done():
        line, text = cursor.next("header")
        values = int_tokens(text)
        if values is None:
            continue  # the 'Nb of jobs, Nb of Machines, ...' caption
        if len(values) < 2:
            raise SchedbenchError(
                f"expected 'n m ...' (at least 2 integers), found {len(values)}",
                source=path,
                line=line,
                field="header",
            )
        n, m = values[:2]
        if n < 1 or m < 1:
            raise SchedbenchError(
                f"need n >= 1 and m >= 1, found {n} {m}", source=path, line=line, field="header"
            )
        header = dict(zip(_HEADER_KEYS, values[2:]))
        cursor.keyword("Times")
        times = cursor.matrix(n, m, "times")
        cursor.keyword("Machines")
        machines = cursor.matrix(n, m, "machines")
        jobs = []
        for j, ((t_line, durations), (m_line, order)) in enumerate(zip(times, machines), 1):
            if min(durations) < 0:
                raise SchedbenchError(f"job {j}: negative duration", source=path, line=t_line, field="times")
            if not all(1 <= machine <= m for machine in order):
                bad = next(machine for machine in order if not 1 <= machine <= m)
                raise SchedbenchError(
                    f"job {j}: machine {bad} out of range 1..{m}", source=path, line=m_line, field="machines"
                )
            jobs.append([(machine - 1, duration) for machine, duration in zip(order, durations)])
        found.append((line, n, m, header, jobs))
    if not found:
        raise SchedbenchError("no instance found (empty file?)", source=path, field="header")

    stem = Path(path).stem
    result = ImportResult()
    for index, (line, n, m, header, jobs) in enumerate(found, 1):
        name = stem if len(found) == 1 else f"{stem}_{index}"
        extra = {} if len(found) == 1 else {"index": index, "line": line}
        meta = jssp_meta(FORMAT, PROVENANCE, path, name, n, m, **extra)
        if header:
            meta["taillard"] = header
        result.instances.append(jssp_instance(name, m, jobs, meta))
    return result
