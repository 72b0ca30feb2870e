"""OR-Library job shop files -> jssp instances.

Layout: a line `n m`, then one line per job of m `machine duration` pairs (machines 0-based).
Lines with words (OR-Library's `instance ft06` banners and descriptions) are skipped, so the
multi-instance `jobshop1.txt` reads too; numbers must come in exactly the declared counts.
Jobs are named `J1`..`Jn` in file order.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from schedbench.datasets.importers.base import (
    INSTANCE_SCHEMA,
    ImportResult,
    expect_ints,
    family_prefix,
    int_tokens,
    read_lines,
    source_meta,
)
from schedbench.problems.errors import SchedbenchError

FORMAT = "orlib-jssp"
PROVENANCE = "OR-Library job shop format (Beasley)"
SUFFIXES = (".txt", ".jss", ".jsp")


def jssp_instance(
    name: str, machines: int, jobs: list[list[tuple[int, int]]], meta: dict[str, Any]
) -> dict[str, Any]:
    """A jssp instance dict from per-job `(machine, duration)` lists (machines 0-based)."""
    return {
        "schema": INSTANCE_SCHEMA,
        "problem": "jssp",
        "name": name,
        "machines": machines,
        "jobs": [
            {"name": f"J{j + 1}", "operations": [{"machine": m, "duration": d} for m, d in ops]}
            for j, ops in enumerate(jobs)
        ],
        "meta": meta,
    }


def jssp_meta(
    fmt: str, provenance: str, path: str, name: str, n: int, m: int, **extra: Any
) -> dict[str, Any]:
    return {
        "source": source_meta(fmt, path, provenance, **extra),
        "family": family_prefix(name),
        "size": {"jobs": n, "machines": m, "operations": n * m},
    }


def check_operation(machine: int, duration: int, m: int, *, path: str, line: int, job: int) -> None:
    if not 0 <= machine < m:
        raise SchedbenchError(
            f"job {job}: machine {machine} out of range 0..{m - 1}",
            source=path,
            line=line,
            field="operations",
        )
    if duration < 0:
        raise SchedbenchError(
            f"job {job}: negative duration {duration}", source=path, line=line, field="operations"
        )


def read(path: str) -> ImportResult:
    """Read every instance in an OR-Library job shop file."""
    lines = read_lines(path)
    stem = Path(path).stem
    found: list[tuple[str | None, int, int, int, list[list[tuple[int, int]]]]] = []
    banner: str | None = None
    i = 0
    while i < len(lines):
        text = lines[i].strip()
        i += 1
        values = int_tokens(text)
        if not text:
            continue
        if values is None:
            match = re.match(r"instance\s+(\S+)\s*$", text, flags=re.IGNORECASE)
            if match:
                banner = match.group(1)
            continue
        header_line = i
        if len(values) != 2:
            following = next((t.strip() for t in lines[i:] if t.strip()), "")
            hint = " (Taillard layout? use format taillard)" if following.lower().startswith("times") else ""
            raise SchedbenchError(
                f"expected 'n m' (2 integers), found {len(values)}{hint}", source=path, line=i, field="header"
            )
        n, m = values
        if n < 1 or m < 1:
            raise SchedbenchError(
                f"need n >= 1 and m >= 1, found {n} {m}", source=path, line=i, field="header"
            )
        jobs: list[list[tuple[int, int]]] = []
        while len(jobs) < n:
            if i >= len(lines):
                raise SchedbenchError(
                    f"truncated: expected {n} job lines, found {len(jobs)}",
                    source=path,
                    line=len(lines),
                    field="operations",
                )
            text = lines[i].strip()
            i += 1
            if not text:
                continue
            row = expect_ints(text, 2 * m, source=path, line=i, field="operations")
            ops = list(zip(row[0::2], row[1::2]))
            for machine, duration in ops:
                check_operation(machine, duration, m, path=path, line=i, job=len(jobs) + 1)
            jobs.append(ops)
        found.append((banner, header_line, n, m, jobs))
        banner = None
    if not found:
        raise SchedbenchError("no 'n m' header line found (empty file?)", source=path, field="header")

    result = ImportResult()
    for index, (banner_name, line, n, m, jobs) in enumerate(found, 1):
        name = banner_name or (stem if len(found) == 1 else f"{stem}_{index}")
        extra = {} if len(found) == 1 else {"index": index, "line": line}
        meta = jssp_meta(FORMAT, PROVENANCE, path, name, n, m, **extra)
        result.instances.append(jssp_instance(name, m, jobs, meta))
    return result
