"""`schedbench discover report`: one run (or several side by side) as Markdown, from its events and test.

Best-so-far train fitness against samples and tokens, outcomes and failure rates by code, the lineage of
the pick, the validated candidates with their train - validation gap, and the held-out test against every
built-in rule (the paper's metric and win/tie/loss), with how often the test split was run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from schedbench.datasets.files import write_text_atomic
from schedbench.datasets.jsonl import JsonValue
from schedbench.discover.journal import last_stop, read_events

Event = Mapping[str, JsonValue]


def _f(value: object, digits: int = 3) -> str:
    """A table cell: '-' for missing, floats rounded."""
    return "-" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_f(c) for c in row) + " |" for row in rows]
    return out + [""]


def run_overview(run_dir: str) -> dict[str, JsonValue]:
    """The numbers of one run that the report and `--compare` show."""
    events = read_events(run_dir)
    run = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
    stop = last_stop(events)
    test_path = Path(run_dir) / "test.json"
    test = json.loads(test_path.read_text(encoding="utf-8")) if test_path.exists() else None
    best = None
    curve: list[JsonValue] = []
    samples = tokens = 0
    outcomes: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for e in events:
        if e["type"] == "seed" and isinstance(e["train"], dict):
            fitness = e["train"]["fitness"]
            best = fitness if best is None or fitness < best else best  # type: ignore[operator]
        elif e["type"] == "llm_response":
            samples += 1
            tokens += int(e["prompt_tokens"]) + int(e["completion_tokens"])  # type: ignore[arg-type]
        elif e["type"] == "candidate":
            outcomes[str(e["status"])] += 1
            if isinstance(e["failure"], dict):
                failures[str(e["failure"]["code"]).split(":")[0]] += 1
            if e["status"] == "valid" and isinstance(e["train"], dict):
                fitness = e["train"]["fitness"]
                if best is None or fitness < best:  # type: ignore[operator]
                    best = fitness
                    curve.append({"samples": samples, "tokens": tokens, "train_fitness": best})
    config = run["config"]
    return {
        "run_dir": run_dir,
        "strategy": config["strategy"],
        "model": config["model"],
        "problem": run["problem"],
        "sandbox": run["sandbox"]["level"],
        "template": run["template"]["hash"],
        "stop": None if stop is None else stop["reason"],
        "pick": None if stop is None else stop["pick"],
        "pick_val": None if stop is None else stop.get("pick_val"),
        "samples": samples,
        "tokens": tokens,
        "best_train": best,
        "curve": curve,
        "outcomes": dict(outcomes),
        "failures": dict(failures),
        "test_fitness": None if test is None else test["metrics"]["fitness"],
        "test_paper_gap": None if test is None else test["metrics"]["paper_gap"],
        "test_evaluations": None if test is None else test["evaluations"],
    }


def _lineage(events: Sequence[Event], pick: str | None) -> list[str]:
    parents: dict[str, tuple[str, list[str]]] = {}
    for e in events:
        if e["type"] == "seed":
            parents[str(e["id"])] = (f"seed {e['rule']}", [])
        elif e["type"] == "candidate" and e["status"] == "valid":
            parents.setdefault(str(e["id"]), (str(e["operator"]), [str(p) for p in e["parents"]]))  # type: ignore[union-attr]
    out: list[str] = []
    node, seen = pick, set()
    while node is not None and node in parents and node not in seen:
        seen.add(node)
        how, ps = parents[node]
        out.append(f"{node} ({how})")
        node = ps[-1] if ps else None
    return out


def markdown(run_dir: str, compare: Sequence[str] = ()) -> str:
    """The report of one run, with other runs (control arms) side by side."""
    events = read_events(run_dir)
    overview = run_overview(run_dir)
    lines = [f"# discover run {run_dir}", ""]
    lines += [
        f"- problem {overview['problem']}, strategy {overview['strategy']}, model {overview['model']}, "
        f"sandbox {overview['sandbox']}, template {overview['template']}",
        f"- stopped: {overview['stop']}; {overview['samples']} samples, {overview['tokens']} tokens",
        f"- pick {overview['pick']} (validation fitness {_f(overview['pick_val'])})",
        "",
        "## Best train fitness so far",
        "",
    ]
    lines += _table(
        ["samples", "tokens", "train fitness %"],
        [(c["samples"], c["tokens"], c["train_fitness"]) for c in overview["curve"]],  # type: ignore[index,union-attr]
    )
    lines += ["## Candidates by outcome and failure code", ""]
    lines += _table(["outcome", "count"], sorted(overview["outcomes"].items()))  # type: ignore[union-attr]
    lines += _table(["failure code", "count"], sorted(overview["failures"].items()))  # type: ignore[union-attr]
    lines += ["## Validated candidates (train - validation)", ""]
    rows = []
    for e in events:
        if e["type"] == "validation":
            for c in e["candidates"]:  # type: ignore[union-attr]
                train, val = c["train_fitness"], c["val_fitness"]  # type: ignore[index]
                gap = None if train is None or val is None else train - val
                rows.append((c["id"], train, val, gap))  # type: ignore[index]
    lines += _table(["candidate", "train %", "val %", "train - val"], rows)
    lines += ["## Lineage of the pick", ""]
    lines += [f"{k + 1}. {step}" for k, step in enumerate(_lineage(events, overview["pick"]))]  # type: ignore[arg-type]
    lines.append("")
    test_path = Path(run_dir) / "test.json"
    if test_path.exists():
        test = json.loads(test_path.read_text(encoding="utf-8"))
        metrics = test["metrics"]
        lines += [
            "## Held-out test",
            "",
            f"The test split was run {test['evaluations']} time(s); {test['instances']} instances.",
            "",
        ]
        head = ["rule", "fitness %", "paper gap %", "pick win", "tie", "loss"]
        rows = [("pick " + test["pick"], metrics["fitness"], metrics["paper_gap"], "", "", "")]
        for rule, row in sorted(test["builtins"].items(), key=lambda kv: kv[1]["fitness"]):
            wtl = row.get("pick_vs") or {}
            rows.append(
                (rule, row["fitness"], row["paper_gap"], wtl.get("win"), wtl.get("tie"), wtl.get("loss"))
            )
        lines += _table(head, rows)
        meta = test.get("metamorphic_on_val")
        if meta:
            lines += [
                f"Metamorphic checks of the pick on validation ({meta['instances']} instances): relabelled jobs "
                f"changed {meta['changed']['relabel']}, doubled times changed {meta['changed']['scale']} "
                f"(flags: {', '.join(meta['flags']) or 'none'}).",
                "",
            ]
    if compare:
        lines += ["## Runs side by side", ""]
        head = ["run", "strategy", "samples", "stop", "best train %", "pick val %", "test %", "test runs"]
        rows = []
        for other in (run_dir, *compare):
            o = run_overview(other)
            rows.append(
                (
                    other,
                    o["strategy"],
                    o["samples"],
                    o["stop"],
                    o["best_train"],
                    o["pick_val"],
                    o["test_fitness"],
                    o["test_evaluations"],
                )
            )
        lines += _table(head, rows)
    return "\n".join(lines) + "\n"


def write_report(run_dir: str, compare: Sequence[str] = (), out: str | None = None) -> Path:
    """Write ``report.md`` (into the run directory unless ``out`` names a file)."""
    return write_text_atomic(out or Path(run_dir) / "report.md", markdown(run_dir, compare))
