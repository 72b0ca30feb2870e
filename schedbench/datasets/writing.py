"""Writing instance sets: an atomic JSONL file plus the manifest beside it, for generated and imported sets.

`write_dataset` is what `schedbench generate` runs, `import_dataset` what `schedbench import` runs; both
refuse to replace an existing file unless `force`, and leave nothing behind when anything fails.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schedbench.datasets.importers import expand_paths, import_files
from schedbench.datasets.jsonl import write_jsonl_atomic
from schedbench.datasets.manifest import manifest_path_for, write_manifest
from schedbench.problems.errors import SchedbenchError

StrPath = str | os.PathLike[str]

__all__ = ["ImportedDataset", "import_dataset", "refuse_existing", "write_dataset"]


def refuse_existing(path: StrPath, *, force: bool) -> None:
    """Raise the one-line "already exists" error unless `path` is new or `force` is given."""
    if Path(path).exists() and not force:
        raise SchedbenchError("already exists; choose another name or pass --force", source=str(path))


def write_dataset(
    path: StrPath,
    records: Iterable[Mapping[str, Any]],
    *,
    command: str,
    config: Mapping[str, Any],
    inputs: Iterable[StrPath] = (),
    force: bool = False,
) -> tuple[int, Path]:
    """Write `records` atomically to `path`, then `PATH.manifest.json` naming `command`, `config`,
    the `inputs` and the output with their hashes. Returns (records written, manifest path)."""
    refuse_existing(path, force=force)
    count = write_jsonl_atomic(path, records, overwrite=force)
    manifest = write_manifest(
        manifest_path_for(path), command=command, config=dict(config), inputs=list(inputs), outputs=[path]
    )
    return count, manifest


@dataclass(frozen=True)
class ImportedDataset:
    """What `import_dataset` wrote: counts, the files read, the instances left out and the manifest."""

    output: str
    written: int
    files: list[str]
    with_reference: int
    manifest: Path
    skipped: list[tuple[str, str]] = field(default_factory=list)


def import_dataset(
    format: str,
    paths: Sequence[StrPath],
    output: StrPath,
    *,
    references: Sequence[StrPath] = (),
    force: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    on_skipped: Callable[[str, str], None] | None = None,
) -> ImportedDataset:
    """Import public benchmark files (files or folders) in `format` into one instance file with a
    manifest. `on_progress(files_read, files)` is called after each file; `on_skipped(name, reason)`
    for each instance the importer must leave out (also before the error raised when none is left)."""
    refuse_existing(output, force=force)
    files = expand_paths(format, paths)
    read = itertools.count(1)

    def file_read(_path: str) -> None:
        if on_progress is not None:
            on_progress(next(read), len(files))

    result = import_files(format, files, [str(p) for p in references], on_file=file_read)
    if on_skipped is not None:
        for name, reason in result.skipped:
            on_skipped(name, reason)
    if not result.instances:
        raise SchedbenchError("no instances left to write (all were skipped)")
    config = {
        "format": format,
        "paths": [str(p) for p in paths],
        "references": [str(p) for p in references],
        "skipped": [{"name": name, "reason": reason} for name, reason in result.skipped],
    }
    written, manifest = write_dataset(
        output,
        result.instances,
        command=f"import {format}",
        config=config,
        inputs=[*files, *references],
        force=force,
    )
    return ImportedDataset(
        output=str(output),
        written=written,
        files=files,
        with_reference=sum(1 for inst in result.instances if "reference" in inst["meta"]),
        manifest=manifest,
        skipped=list(result.skipped),
    )
