"""`schedbench discover` costs: evaluating one candidate, starting a sandbox, and the loop around them.

Usage: python benchmarks/bench_discover.py [--instances 10] [--train 200] [--samples 20] [--only-sandbox]

1. Evaluation per candidate (the MDD seed plug-in; EDD's for sequence): ms per instance for SMTT n = 25,
   100, 500 (priority and sequence interfaces), JSSP 15x15 (active Giffler-Thompson) and RCPSP j30-sized
   (30 tasks, serial SGS). References are the MDD (or seed) objective itself: only the cost is measured.
2. Sandbox cost per level (rlimits, netns, seccomp, bwrap; a level this machine lacks says why): a child
   started, locked in, loaded and closed, and one call to it (a 3-job numpy priority), medians.
3. Loop overhead per sample against the instant mutate server on a ``--train``-instance SMTT n = 25 set,
   one request at a time and four in flight: the time from the first request to the last candidate, less
   the time spent evaluating, per sample (building the prompt, the HTTP round trip, parsing, the static
   checks, the event log), next to the evaluation time per candidate. Target: overhead under 5% of one
   evaluation.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from schedbench.datasets import dumps
from schedbench.datasets.references import Reference, ReferenceKind
from schedbench.discover import DiscoverConfig, StopRules, read_events, run_discover
from schedbench.discover.scoring import Split, score_builtin, score_plugin
from schedbench.discover.seeds import seeds
from schedbench.generators.jssp import iter_jssp
from schedbench.generators.rcpsp import iter_rcpsp_ladder
from schedbench.generators.smtt import iter_smtt
from schedbench.heuristics.sandbox import LEVELS, Limits, SandboxProcess, probe_level
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.mutate import MutateConfig
from schedbench.problems import parse_instance

CLASSES = dict(tf=[0.2, 0.4, 0.6, 0.8, 1.0], rdd=[0.2, 0.4, 0.6, 0.8, 1.0])


def _split(dicts: list[dict], folder: Path, name: str, rule: str) -> Split:
    """A split whose references are the given built-in rule's objectives (cost measurement only)."""
    path = folder / f"{name}.jsonl"
    path.write_text("".join(dumps(d) + "\n" for d in dicts))
    instances = [parse_instance(d) for d in dicts]
    split = Split(
        name, str(path), instances, {i.name: Reference(1, ReferenceKind.BEST_KNOWN) for i in instances}
    )
    values = score_builtin(rule, split).objectives
    split.refs = {i.name: Reference(max(v, 1), ReferenceKind.BEST_KNOWN) for i, v in zip(instances, values)}
    return split


def evaluation_rows(count: int, folder: Path) -> list[tuple[str, float, float]]:
    cases = []
    for n in (25, 100, 500):
        per_class = max(1, count // 25)
        dicts = list(iter_smtt(jobs=n, per_class=per_class, seed=1, **CLASSES))[:count]
        cases.append((f"smtt n={n} priority", dicts, "smtt", "priority", "mdd", "mdd"))
        cases.append((f"smtt n={n} sequence", dicts, "smtt", "sequence", "mdd", "mdd"))
    jssp = list(iter_jssp(jobs=15, machines=15, count=count, seed=1))
    cases.append(("jssp 15x15 active", jssp, "jssp", "priority", "mwkr", "mwkr-active"))
    rcpsp = list(
        iter_rcpsp_ladder(tasks=30, resources=3, levels=[30], per_level=count, phase="precedence", seed=1)
    )
    cases.append(("rcpsp 30 tasks serial", rcpsp, "rcpsp", "priority", "lft", "lft-serial"))
    rows = []
    for label, dicts, problem, interface, seed_name, rule in cases:
        split = _split(dicts, folder, label.replace(" ", "_"), rule)
        seed = next(s for s in seeds(problem, interface) if s.name == seed_name)
        path = folder / f"{label.replace(' ', '_')}.py"
        path.write_text(seed.source)
        score = score_plugin(str(path), split, Limits(cpu_seconds=60, wall_seconds=120))
        assert score.valid, (label, score.failure)
        rows.append((label, 1000 * score.seconds / len(split.instances), score.seconds))
    return rows


def sandbox_rows(repeat: int = 5) -> list[tuple[str, float | None, float | None, str]]:
    """Per level: median ms to start, lock in, load and close a child; median ms of one call to it."""
    rows: list[tuple[str, float | None, float | None, str]] = []
    for level in LEVELS:
        probes, why = probe_level(level)
        if probes is None:
            rows.append((level, None, None, why))
            continue
        starts, calls = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            with SandboxProcess("<bench>", Limits(sandbox=level), source=_BENCH_PLUGIN) as box:
                box.start()
                starts.append(time.perf_counter() - started)
                deadline = box.begin_instance()
                for _ in range(20):
                    started = time.perf_counter()
                    box.call("priority", deadline, p=[1, 2, 3])
                    calls.append(time.perf_counter() - started)
        rows.append((level, 1000 * statistics.median(starts), 1000 * statistics.median(calls), ""))
    return rows


_BENCH_PLUGIN = "import numpy as np\ndef priority(p):\n    return -np.asarray(p, dtype=float)\n"


def _references(folder: Path) -> Path:
    """A reference CSV with each train and val instance's MDD total (cost measurement only)."""
    refs = folder / "refs.csv"
    rows = ["instance,lower_bound,upper_bound,closed,source"]
    for name in ("train", "val"):
        for line in (folder / f"{name}.jsonl").read_text().splitlines():
            inst = parse_instance(json.loads(line))
            one = Split(name, "", [inst], {inst.name: Reference(1, ReferenceKind.BEST_KNOWN)})
            value = max(1, score_builtin("mdd", one).objectives[0])
            rows.append(f"{inst.name},,{value},false,mdd")
    refs.write_text("\n".join(rows) + "\n")
    return refs


def loop_overhead(train: int, samples: int, folder: Path, concurrency: int) -> dict[str, float]:
    dicts = list(iter_smtt(jobs=25, per_class=max(1, train // 25), seed=1, **CLASSES))[:train]
    val = list(iter_smtt(jobs=30, per_class=1, seed=2, **CLASSES))
    for name, rows in (("train", dicts), ("val", val)):
        (folder / f"{name}.jsonl").write_text("".join(dumps(d) + "\n" for d in rows))
    refs = _references(folder)
    run_dir = folder / f"run{concurrency}"
    with ServerThread(BaselineConfig(mode="mutate", mutate=MutateConfig(hostile_rate=0.0))) as server:
        config = DiscoverConfig(
            train=str(folder / "train.jsonl"),
            val=str(folder / "val.jsonl"),
            references=str(refs),
            run_dir=str(run_dir),
            base_url=server.url,
            model="mutate",
            islands=2,
            pop_size=4,
            val_every=1000,
            concurrency=concurrency,
            stop=StopRules(max_samples=samples),
        )
        started = time.perf_counter()
        run_discover(config)
        wall = time.perf_counter() - started
    events = read_events(str(run_dir))
    first = next(k for k, e in enumerate(events) if e["type"] == "llm_request")
    last = max(k for k, e in enumerate(events) if e["type"] == "candidate")
    span = float(events[last]["t"]) - float(events[first]["t"])  # type: ignore[arg-type]
    loop = events[first : last + 1]
    evaluating = sum(float(e["timing"].get("eval_s", 0.0)) for e in loop)  # type: ignore[union-attr]
    evals = sum(1 for e in loop if e["type"] == "candidate" and "eval_s" in e["timing"])  # type: ignore[operator]
    answered = sum(1 for e in loop if e["type"] == "llm_response")
    return {
        "wall_s": wall,
        "evaluations": evals,
        "eval_s": evaluating / max(evals, 1),
        "overhead_per_sample_s": (span - evaluating) / max(answered, 1),
    }


def _print_sandbox() -> None:
    print(f"{'sandbox level':14} {'start-up ms':>12} {'call ms':>8}  (medians of 5 starts, 100 calls)")
    for level, start_ms, call_ms, why in sandbox_rows():
        if start_ms is None or call_ms is None:
            print(f"{level:14} {'-':>12} {'-':>8}  not available here: {why}")
        else:
            print(f"{level:14} {start_ms:12.1f} {call_ms:8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instances", type=int, default=10, help="instances per evaluation case")
    parser.add_argument("--train", type=int, default=200, help="train instances of the loop-overhead run")
    parser.add_argument("--samples", type=int, default=20, help="samples of the loop-overhead run")
    parser.add_argument("--only-sandbox", action="store_true", help="only the sandbox cost per level")
    args = parser.parse_args()
    if args.only_sandbox:
        _print_sandbox()
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'evaluation case':28} {'ms/instance':>12} {'s/candidate':>12}")
        for label, ms, seconds in evaluation_rows(args.instances, folder):
            print(f"{label:28} {ms:12.2f} {seconds:12.3f}")
        print()
        _print_sandbox()
        print()
        for concurrency in (1, 4):
            loop = loop_overhead(args.train, args.samples, folder, concurrency)
            share = 100 * loop["overhead_per_sample_s"] / max(loop["eval_s"], 1e-9)
            print(
                f"loop, {args.train} train instances, {args.samples} samples, concurrency {concurrency}: "
                f"wall {loop['wall_s']:.1f} s, {loop['evaluations']:.0f} evaluations of "
                f"{loop['eval_s']:.3f} s; harness overhead {1000 * loop['overhead_per_sample_s']:.1f} ms "
                f"per sample = {share:.1f}% of an evaluation"
            )


if __name__ == "__main__":
    main()
