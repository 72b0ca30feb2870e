"""The demo's discovery step: a dry run of `discover` on SMTT, evolution against a random-sampling arm.

The answers come from `llm serve-baseline --mode mutate` on a loopback port, which edits the seed rules
instead of asking a model, so the step shows the loop (sandboxed candidates, validation, the one test of
the pick, the control arm), not a model's skill; the report says so. The splits are small generated SMTT
sets with exact references. A re-run resumes both runs, which have already stopped, and keeps their test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from schedbench.demo.files import solve_all, write_instances
from schedbench.discover import DiscoverConfig, RunSummary, StopRules, resume_discover, run_discover
from schedbench.generators import generate_smtt
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.reports.progress import progress as bar

#: jobs per instance of each split (sizes differ, so no instance can be in two splits)
SPLITS = {"train": 20, "val": 24, "test": 28}
STRATEGIES = ("evolve", "random")
SAMPLES = 24


@dataclass
class DiscoverResult:
    """The two runs of the discovery step, by strategy."""

    runs: dict[str, RunSummary]

    @property
    def run_dirs(self) -> list[Path]:
        return [Path(r.run_dir) for r in self.runs.values()]


def _splits(folder: Path, seed: int, progress: bool) -> dict[str, str]:
    """Generate the train, validation and test splits and solve them to exact references."""
    paths = {}
    for k, (name, jobs) in enumerate(SPLITS.items()):
        path = folder / f"{name}.jsonl"
        write_instances(
            path,
            generate_smtt(jobs=jobs, tf=[0.4, 0.6, 0.8], rdd=[0.2, 0.6], per_class=2, seed=seed + 10 + k),
        )
        paths[name] = str(path)
    refs = folder / "references.jsonl"
    for name in SPLITS:
        with bar(f"solve discover {name}", enabled=progress) as sink:
            solve_all(Path(paths[name]), refs, 5.0, seed, sink)
    paths["references"] = str(refs)
    return paths


def discover_step(out: Path, seed: int, progress: bool) -> DiscoverResult:
    """Run (or resume) the dry-run discovery of SMTT priority rules: evolve, then random on the same budget."""
    folder = out / "discover"
    folder.mkdir(exist_ok=True)
    splits = _splits(folder, seed, progress)
    runs: dict[str, RunSummary] = {}
    with ServerThread(BaselineConfig(mode="mutate", seed=seed)) as server:
        for strategy in STRATEGIES:
            run_dir = folder / strategy
            with bar(f"discover {strategy} (dry run)", enabled=progress) as sink:
                if (run_dir / "run.json").exists():
                    runs[strategy] = resume_discover(str(run_dir), base_url=server.url)
                else:
                    config = DiscoverConfig(
                        train=splits["train"],
                        val=splits["val"],
                        test=splits["test"] if strategy == "evolve" else None,
                        references=splits["references"],
                        run_dir=str(run_dir),
                        base_url=server.url,
                        model="mutate",
                        strategy=strategy,
                        islands=2,
                        pop_size=4,
                        seed=seed,
                        stop=StopRules(max_samples=SAMPLES),
                    )
                    runs[strategy] = run_discover(config)
                sink.update(1, 1, {runs[strategy].stop_reason: 1})
    return DiscoverResult(runs)
