"""Importers for public benchmark files: PSPLIB, OR-Library job shop, Taillard, OR-Library weighted
tardiness and the EDDC/MDDC paper's SMTT sets, each turned into schedbench instance dicts.

`import_files(format, paths, references=None)` is the entry point; `IMPORTERS` maps a format name to
its one-file reader. Every instance's `meta` holds `source` (format, file as given, provenance, and
`index`/`line` for files holding several instances), `family` (`j30`, `ta`, `wt40`, `n20_uniform`, ...),
`size`, and `reference` when one is known (see `references`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from schedbench.datasets.importers import orlib_jssp, orlib_wt, psplib_sm, smtt_paper, taillard
from schedbench.datasets.importers.base import ImportResult
from schedbench.datasets.importers.references import attach_references
from schedbench.problems.errors import SchedbenchError

__all__ = ["IMPORTERS", "ImportResult", "attach_references", "expand_paths", "import_files"]

Reader = Callable[[str], ImportResult]

IMPORTERS: dict[str, Reader] = {
    "psplib": psplib_sm.read,
    "orlib-jssp": orlib_jssp.read,
    "taillard": taillard.read,
    "orlib-wt": orlib_wt.read,
    "smtt-paper": smtt_paper.read,
}

# File name endings looked for when a folder is given instead of files.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "psplib": psplib_sm.SUFFIXES,
    "orlib-jssp": orlib_jssp.SUFFIXES,
    "taillard": taillard.SUFFIXES,
    "orlib-wt": orlib_wt.SUFFIXES,
    "smtt-paper": smtt_paper.SUFFIXES,
}

StrPath = str | PathLike[str]


def _natural_key(path: Path) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def expand_paths(fmt: str, paths: Iterable[StrPath]) -> list[str]:
    """Files to read: given files as they are, folders replaced by their files of the format's
    endings in natural order (`j301_2` before `j301_10`). OR-Library weighted tardiness value
    lists (`wtopt*`, `wtbest*`) in a folder are left out: pass them with `--references`."""
    out: list[str] = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            out.append(str(raw))
            continue
        files = [
            p
            for p in path.iterdir()
            if p.is_file() and p.name.endswith(SUFFIXES[fmt]) and not p.name.startswith(("wtopt", "wtbest"))
        ]
        if fmt == "orlib-wt":
            files = [p for p in files if re.fullmatch(r"[A-Za-z]*\d+", p.stem)]
        if not files:
            raise SchedbenchError(f"no {'/'.join(SUFFIXES[fmt])} files for format {fmt}", source=str(raw))
        out.extend(str(p) for p in sorted(files, key=_natural_key))
    return out


def import_files(
    format: str,
    paths: Sequence[StrPath],
    references: StrPath | Sequence[StrPath] | None = None,
    *,
    on_file: Callable[[str], None] | None = None,
    validate: bool = True,
) -> ImportResult:
    """Read `paths` (files or folders) in `format` into instance dicts, attach `references`, and
    check every instance with `parse_instance`. Raises `SchedbenchError` (naming file, line and
    field) on any malformed input and on instance names repeated across files. `on_file(path)` is
    called after each file, for progress display."""
    if format not in IMPORTERS:
        raise SchedbenchError(f"unknown import format {format!r}; choose one of {', '.join(IMPORTERS)}")
    files = expand_paths(format, paths)
    if not files:
        raise SchedbenchError("no input files given")
    reader = IMPORTERS[format]
    result = ImportResult()
    seen: dict[str, str] = {}
    for path in files:
        part = reader(path)
        for inst in part.instances:
            if inst["name"] in seen:
                raise SchedbenchError(
                    f"instance {inst['name']!r} also comes from {seen[inst['name']]}",
                    source=path,
                    field="name",
                )
            seen[inst["name"]] = path
        result.extend(part)
        if on_file is not None:
            on_file(path)

    if references is not None:
        ref_paths = [references] if isinstance(references, (str, PathLike)) else list(references)
        if ref_paths:
            attach_references(result.instances, [str(p) for p in ref_paths])

    if validate:
        from schedbench.problems import parse_instance

        for inst in result.instances:
            origin = inst["meta"]["source"]
            parse_instance(inst, source=origin["file"], line=origin.get("line"))
    return result
