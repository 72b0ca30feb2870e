"""The end of a discovery run: the one scoring of the pick on the held-out test split, and the export of
the best rules as plug-in files that `schedbench leaderboard --plugin` runs."""

from __future__ import annotations

import json
from concurrent.futures import Executor
from pathlib import Path

from schedbench.datasets.executors import Engine
from schedbench.datasets.files import write_text_atomic
from schedbench.datasets.jsonl import JsonValue
from schedbench.datasets.locks import OutputLock
from schedbench.discover.config import choose_sandbox, read_run_config
from schedbench.discover.journal import Journal, last_stop, read_events
from schedbench.discover.scoring import (
    builtin_rules,
    load_splits,
    metamorphic_check,
    score_builtin,
    score_plugin,
    win_tie_loss,
)
from schedbench.problems import SchedbenchError


def run_test(
    run_dir: str, *, force: bool = False, executor: Engine | Executor | None = None
) -> dict[str, JsonValue]:
    """Score the run's pick, the seeds and every built-in rule on the held-out test split, once.

    A second call needs ``force`` and counts up ``evaluations`` (the report shows it)."""
    config = read_run_config(run_dir)
    if not config.test:
        raise SchedbenchError("the run has no test split (start it with --test)", source=run_dir)
    out = Path(run_dir) / "test.json"
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() else None
    if previous is not None and not force:
        raise SchedbenchError(
            f"the test split was already run {previous['evaluations']} time(s); every look at it weakens it "
            "as a held-out set: pass --force to run it again (counted)",
            source=str(out),
        )
    events = read_events(run_dir)
    stop = last_stop(events)
    if stop is None or stop.get("pick") is None:
        raise SchedbenchError("the run has not stopped with a pick yet (resume it first)", source=run_dir)
    pick = str(stop["pick"])
    train_fitness = next(
        (e["train"]["fitness"] for e in events if e.get("id") == pick and isinstance(e.get("train"), dict)),  # type: ignore[index]
        None,
    )
    val_fitness = stop.get("pick_val")
    with OutputLock.for_dir(run_dir):
        loaded = load_splits(
            {"train": config.train, "val": config.val, "test": config.test}, config.references
        )
        test = loaded["test"]
        level, probes, _ = choose_sandbox(config.sandbox)
        limits = config.limits()
        pick_path = str(Path(run_dir) / "candidates" / f"{pick}.py")
        score = score_plugin(pick_path, test, limits, executor=executor)
        rows: dict[str, JsonValue] = {}
        for rule in builtin_rules(test.problem):
            theirs = score_builtin(rule, test)
            if not theirs.valid:
                continue
            row = {"fitness": theirs.fitness, "paper_gap": theirs.paper_gap, "per_class": theirs.per_class}
            if score.valid:
                row["pick_vs"] = win_tie_loss(score.objectives, theirs.objectives)
            rows[rule] = row  # type: ignore[assignment]
        result: dict[str, JsonValue] = {
            "record": "schedbench/discover-test/v1",
            "pick": pick,
            "evaluations": 1 if previous is None else int(previous["evaluations"]) + 1,
            "sandbox": level,
            "instances": len(test.instances),
            "metrics": {
                "valid": score.valid,
                "failure": None if score.failure is None else score.failure.to_dict(),
                "fitness": score.fitness,
                "paper_gap": score.paper_gap,
                "zero_opt_misses": score.zero_opt_misses,
                "per_class": score.per_class,  # type: ignore[dict-item]
            },
            "builtins": rows,
            "train_fitness": train_fitness,
            "val_fitness": val_fitness,
            "train_minus_val": None
            if train_fitness is None or val_fitness is None
            else float(train_fitness) - float(val_fitness),  # type: ignore[arg-type]
            "metamorphic_on_val": metamorphic_check(pick_path, loaded["val"], limits),
        }
        journal = Journal(Path(run_dir) / "events.jsonl", level)
        try:
            journal.append("test", id=pick, evaluations=result["evaluations"], metrics=result["metrics"])
        finally:
            journal.close()
        write_text_atomic(out, json.dumps(result, indent=1) + "\n")
    return result


def export_rules(run_dir: str, out_dir: str, *, top: int = 3) -> list[Path]:
    """The best ``top`` validated candidates as plug-in files named ``discovered-<id>`` (for
    ``schedbench leaderboard --plugin``), best validation fitness first."""
    scores: dict[str, float] = {}
    for event in read_events(run_dir):
        if event["type"] == "validation":
            for row in event["candidates"]:  # type: ignore[union-attr]
                if row["val_fitness"] is not None:  # type: ignore[index]
                    scores[str(row["id"])] = float(row["val_fitness"])  # type: ignore[index,arg-type]
    if not scores:
        raise SchedbenchError("the run has no validated candidate yet", source=run_dir)
    written = []
    for cid in sorted(scores, key=lambda i: (scores[i], i))[:top]:
        source = (Path(run_dir) / "candidates" / f"{cid}.py").read_text(encoding="utf-8")
        text = source + f'NAME = "discovered-{cid}"  # validation fitness {scores[cid]:.4f}%\n'
        written.append(write_text_atomic(Path(out_dir) / f"discovered_{cid}.py", text))
    return written
