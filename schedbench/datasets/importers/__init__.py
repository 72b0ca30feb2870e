"""Importers for public benchmark files: PSPLIB, OR-Library job shop, Taillard, OR-Library weighted
tardiness and the EDDC/MDDC paper's SMTT sets, each turned into schedbench instance dicts.

`import_files(format, paths, references=None)` is the entry point; `list_importers()` gives the
formats (`IMPORTER_REGISTRY`; `IMPORTERS` maps a name to its one-file reader). Every instance's `meta`
holds `source` (format, file as given, provenance, and `index`/`line` for files holding several instances), `family` (`j30`, `ta`, `wt40`, `n20_uniform`, ...),
`size`, and `reference` when one is known (see `references`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from schedbench.datasets.importers import orlib_jssp, orlib_wt, psplib_sm, smtt_paper, taillard
from schedbench.datasets.importers.base import ImportResult
from schedbench.datasets.importers.references import attach_references
from schedbench.problems import parse_instance
from schedbench.problems.errors import SchedbenchError
from schedbench.registry import Registry, canonical

__all__ = [
    "IMPORTERS",
    "IMPORTER_REGISTRY",
    "ImportResult",
    "ImporterEntry",
    "attach_references",
    "expand_paths",
    "import_files",
    "list_importers",
]

Reader = Callable[[str], ImportResult]


@dataclass(frozen=True)
class ImporterEntry:
    """One import format: its name, the problem its files hold, a one-line description, the one-file
    reader and the file name endings looked for when a folder is given."""

    name: str
    problems: tuple[str, ...]
    description: str
    read: Reader
    suffixes: tuple[str, ...]


IMPORTER_REGISTRY: Registry[ImporterEntry] = Registry("import format")
for _entry in (
    ImporterEntry("psplib", ("rcpsp",), "PSPLIB single-mode RCPSP (.sm)", psplib_sm.read, psplib_sm.SUFFIXES),
    ImporterEntry(
        "orlib-jssp",
        ("jssp",),
        "OR-Library job shop (jobshop1.txt layout)",
        orlib_jssp.read,
        orlib_jssp.SUFFIXES,
    ),
    ImporterEntry(
        "taillard", ("jssp",), "Taillard job shop (times, then machines)", taillard.read, taillard.SUFFIXES
    ),
    ImporterEntry(
        "orlib-wt", ("smtt",), "OR-Library weighted tardiness (wt40/50/100)", orlib_wt.read, orlib_wt.SUFFIXES
    ),
    ImporterEntry(
        "smtt-paper", ("smtt",), "EDDC/MDDC paper's SMTT sets (JSONL)", smtt_paper.read, smtt_paper.SUFFIXES
    ),
):
    IMPORTER_REGISTRY.register(_entry)


def list_importers(problem: str | None = None) -> list[ImporterEntry]:
    """The import formats, optionally only those producing ``problem`` instances."""
    return IMPORTER_REGISTRY.entries(problem)


# The older views of the registry: format name -> reader, and -> file endings.
IMPORTERS: dict[str, Reader] = {e.name: e.read for e in IMPORTER_REGISTRY.entries()}
SUFFIXES: dict[str, tuple[str, ...]] = {e.name: e.suffixes for e in IMPORTER_REGISTRY.entries()}

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
        suffixes = IMPORTER_REGISTRY.get(fmt).suffixes
        files = [
            p
            for p in path.iterdir()
            if p.is_file() and p.name.endswith(suffixes) and not p.name.startswith(("wtopt", "wtbest"))
        ]
        if canonical(fmt) == "orlib-wt":
            files = [p for p in files if re.fullmatch(r"[A-Za-z]*\d+", p.stem)]
        if not files:
            raise SchedbenchError(f"no {'/'.join(suffixes)} files for format {fmt}", source=str(raw))
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
    entry = IMPORTER_REGISTRY.get(format)
    files = expand_paths(entry.name, paths)
    if not files:
        raise SchedbenchError("no input files given")
    reader = entry.read
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
        for inst in result.instances:
            origin = inst["meta"]["source"]
            parse_instance(inst, source=origin["file"], line=origin.get("line"))
    return result
