"""Discovery test data: small generated splits solved to certified references, through the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers.paths import REPO
from schedbench.discover import DiscoverConfig, StopRules
from schedbench.discover.config import BUDGET_FIELDS

SMTT_SPLITS = {
    "train": ["smtt", "--jobs", "10", "--tf", "0.4,0.6,0.8", "--rdd", "0.2,0.6", "--per-class", "2", "--seed", "1"],
    "val": ["smtt", "--jobs", "12", "--tf", "0.4,0.6,0.8", "--rdd", "0.2,0.6", "--per-class", "2", "--seed", "2"],
    "test": ["smtt", "--jobs", "14", "--per-class", "1", "--seed", "3"],
}  # fmt: skip


def cli(
    *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m schedbench.cli ARGS` with this tree's package."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "schedbench.cli", *args], capture_output=True, text=True, env=environment
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}: {done.stderr}")
    return done


def solved_splits(folder: Path, splits: dict[str, list[str]], solver: str = "auto") -> dict[str, str]:
    """Generate each split (``generate`` arguments), solve them all together; the paths by split name and
    ``references``."""
    paths = {}
    for name, generate in splits.items():
        path = folder / f"{name}.jsonl"
        cli("generate", *generate, "-o", str(path), "--no-progress")
        paths[name] = str(path)
    together = folder / "all.jsonl"
    together.write_text("".join(Path(p).read_text() for p in paths.values()))
    refs = folder / "refs.jsonl"
    cli("solve", str(together), "--solver", solver, "-o", str(refs), "--no-progress", "--time-limit", "5")
    paths["references"] = str(refs)
    return paths


def mutate_config(splits: dict[str, str], url: str, run_dir: Path, **over: object) -> DiscoverConfig:
    """A small run against the mutate server (2 islands of 3, 24 samples); budget fields and any other
    field of DiscoverConfig can be overridden by name."""
    base: dict[str, object] = dict(
        train=splits["train"],
        val=splits["val"],
        test=splits.get("test"),
        references=splits["references"],
        run_dir=str(run_dir),
        base_url=url,
        model="mutate",
        islands=2,
        pop_size=3,
        api_key_env="DISCOVER_TEST_KEY",
    )
    stop = {"max_samples": 24, **{k: over.pop(k) for k in list(over) if k in BUDGET_FIELDS}}
    base.update(over)
    return DiscoverConfig(**base, stop=StopRules(**stop))  # type: ignore[arg-type]
