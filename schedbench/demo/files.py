"""The demo's files: instances written once (or checked byte for byte on a re-run) and solved as they go."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from schedbench.datasets import dumps, read_instances, write_jsonl_atomic
from schedbench.datasets.jsonl import read_jsonl_tolerant
from schedbench.datasets.progress import ProgressSink
from schedbench.problems import SchedbenchError
from schedbench.solvers import SolveOptions
from schedbench.solvers.batch import solve_file


def write_instances(path: Path, instances: list[dict[str, Any]]) -> None:
    """Write instances, or check that an earlier run wrote exactly the same bytes."""
    if path.exists():
        expected = "".join(dumps(obj) + "\n" for obj in instances)
        if path.read_text(encoding="utf-8") != expected:
            raise SchedbenchError(
                "exists with other content (another seed or version); choose a new --out folder",
                source=str(path),
            )
        return
    write_jsonl_atomic(path, instances)


def solve_all(
    instances_path: Path, out_path: Path, time_limit: float, seed: int, progress: ProgressSink
) -> list[dict[str, Any]]:
    """Solve each instance for a reference, appending as we go (`solve_file`).

    On a re-run, instances with a result are skipped; those whose solver failed (status `error`) are retried
    and the newer line wins.
    """
    workers = min(2, os.cpu_count() or 1)
    solve_file(
        instances_path,
        out_path,
        options=SolveOptions(time_limit=time_limit, workers=workers, seed=seed),
        retry_errors=True,
        progress=progress,
    )
    latest = {r.get("instance"): r for r in read_jsonl_tolerant(out_path)}
    return [latest[inst.name] for inst in read_instances(instances_path)]
