"""The demo's LLM step: a baseline endpoint with injected faults, evaluated with `llm eval` like a model.

The endpoint is `llm serve-baseline` on a loopback port: it answers with a heuristic's schedule and, at
fixed rates, with garbage, a truncated answer, an infeasible schedule, a wrong claimed objective, HTTP 429
or 500, so the run shows every outcome and the retry path. A re-run reuses the port the earlier run used,
which is part of a run's identity, so the runs resume instead of starting over.
"""

from __future__ import annotations

import io
import json
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from schedbench.datasets.jsonl import read_jsonl_tolerant
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.config import EvalConfig
from schedbench.llm_eval.runner import run_eval
from schedbench.problems import SchedbenchError
from schedbench.reports.llm import make_report
from schedbench.reports.progress import progress as bar

#: fault rates of the demo's endpoint (the rest are good answers)
FAULTS = {"garbage": 0.06, "truncate": 0.04, "infeasible": 0.15, "lie": 0.05, "429": 0.04, "500": 0.04}
SAMPLES = 3
MODEL = "schedbench-baseline"


@dataclass(frozen=True)
class LlmRun:
    """One `llm eval` run of the demo: a dataset of the demo and the rendering of its prompts."""

    key: str
    rendering: str

    @property
    def name(self) -> str:
        return f"{self.key}-{self.rendering}"


RUNS = (LlmRun("rcpsp", "synthetic"), LlmRun("rcpsp", "domain"), LlmRun("smtt", "auto"))


@dataclass
class LlmResult:
    """What the LLM step produced: the run folders, their outcome counts and the Markdown report."""

    run_dirs: list[Path]
    outcomes: dict[str, dict[str, int]]
    report: Path


def _earlier_port(run_dirs: list[Path]) -> int:
    """The port an earlier demo run used (0 if none), read from a run's manifest."""
    for run_dir in run_dirs:
        try:
            manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
            url = str(manifest["llm"]["identity"]["base_url"])
            return int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            continue
    return 0


def evaluate_llm(out: Path, seed: int, progress: bool) -> LlmResult:
    """Evaluate the faulty baseline endpoint on the demo's RCPSP ladder (both renderings) and SMTT set."""
    run_dirs = [out / "llm" / run.name for run in RUNS]
    port = _earlier_port(run_dirs)
    config = BaselineConfig(faults=FAULTS, seed=seed, model=MODEL)
    outcomes: dict[str, dict[str, int]] = {}
    with ExitStack() as stack:
        try:
            server = stack.enter_context(ServerThread(config, port=port))
        except SchedbenchError as err:
            raise SchedbenchError(
                f"{err}; the earlier LLM runs in this folder used that port: free it, or choose a new --out"
            ) from None
        for run, run_dir in zip(RUNS, run_dirs):
            eval_config = EvalConfig(
                data=str(out / run.key / "instances.jsonl"),
                base_url=server.url,
                model=MODEL,
                run_dir=str(run_dir),
                samples=SAMPLES,
                concurrency=8,
                seed=seed,
                rendering=run.rendering,
                references=str(out / run.key / "references.jsonl"),
                use_cache=False,
                backoff_base_s=0.1,
            )
            with bar(f"llm eval {run.name}", enabled=progress) as sink:
                run_eval(eval_config, lambda done, total, counts: sink.update(done, total, counts))
            counts: dict[str, int] = {}
            for record in read_jsonl_tolerant(run_dir / "samples.jsonl"):
                outcome = str(record.get("outcome"))
                counts[outcome] = counts.get(outcome, 0) + 1
            outcomes[run.name] = counts
    from rich.console import Console

    quiet = Console(file=io.StringIO(), width=180)  # the tables go to report.md, not the terminal
    written = make_report([str(d) for d in run_dirs], out_dir=str(out / "llm" / "report"), console=quiet)
    report = next(p for p in written if p.name == "report.md")
    return LlmResult(run_dirs, outcomes, report)
