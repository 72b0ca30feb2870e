"""`schedbench discover report`: one run (or several side by side) as Markdown and PNG curves.

Everything comes from the run's files (``run.json``, ``events.jsonl``, ``test.json``), through
:func:`discover_view`, which the HTML viewer reads too: best-so-far train and validation fitness against
samples, tokens and cost, outcomes and failure rates by code, the lineage of the pick, the validated
candidates with their train - validation gap, and the pick against every built-in rule (per class, the
paper's metric, win/tie/loss) on the held-out test, with how often the test split was run. A run whose
answers came from ``serve-baseline --mode mutate`` is labelled a dry run.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from schedbench.datasets.files import write_text_atomic
from schedbench.discover.journal import last_stop, read_events
from schedbench.discover.scoring import win_tie_loss
from schedbench.llm_eval.mutate import FINGERPRINT as MUTATE_FINGERPRINT

Event = Mapping[str, Any]

DRY_RUN = (
    "**Dry run, not a model.** The answers came from `schedbench llm serve-baseline --mode mutate`, a "
    "deterministic script that edits the best parent along a fixed ladder of known rules (for SMTT: EDD, "
    "MDD, an MDDC-like urgency, an MDD look-ahead), adds neutral and worsening edits and injects hostile "
    "code. That its pick beats MDD shows that the loop finds, keeps, validates and tests a better rule when "
    "one is offered, and that the sandbox and the failure codes hold; it is no evidence about any LLM."
)


def _json(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _series(events: Sequence[Event]) -> list[dict[str, Any]]:
    """One row per answered request (row 0: the seeds), with running totals and the best fitness of the
    candidates answered so far (a candidate counts at its own answer, a validation at the answer before it)."""
    rows: list[dict[str, Any]] = [{"sample": 0, "tokens": 0, "cost": 0.0}]
    at: dict[str, int] = {}  # request -> its row
    train_gains: list[tuple[int, float]] = []
    val_gains: list[tuple[int, float]] = []
    tokens, cost = 0, 0.0
    for e in events:
        if e["type"] == "seed" and isinstance(e["train"], dict):
            train_gains.append((0, e["train"]["fitness"]))
        elif e["type"] == "llm_response":
            tokens += int(e["prompt_tokens"]) + int(e["completion_tokens"])
            cost += float(e.get("cost") or 0.0)
            at[str(e["req"])] = len(rows)
            rows.append({"sample": len(rows), "tokens": tokens, "cost": round(cost, 8)})
        elif e["type"] == "candidate" and e["status"] == "valid" and isinstance(e["train"], dict):
            train_gains.append((at.get(str(e["req"]), len(rows) - 1), e["train"]["fitness"]))
        elif e["type"] == "validation":
            val_gains += [
                (len(rows) - 1, c["val_fitness"]) for c in e["candidates"] if c["val_fitness"] is not None
            ]
    for key, gains in (("best_train", train_gains), ("best_val", val_gains)):
        best: float | None = None
        by_row: dict[int, float] = {}
        for row, value in gains:
            by_row[row] = min(value, by_row.get(row, value))
        for k, row in enumerate(rows):
            if k in by_row:
                best = by_row[k] if best is None else min(best, by_row[k])
            row[key] = best
    return rows


def _lineage(events: Sequence[Event], pick: str | None, validated: Mapping[str, float | None]) -> list[Any]:
    """The pick, its best parent, that one's best parent, ... down to a seed (pick first)."""
    nodes: dict[str, dict[str, Any]] = {}
    for e in events:
        if e["type"] == "seed" and isinstance(e["train"], dict):
            nodes[str(e["id"])] = {"operator": "seed", "rule": e["rule"], "parents": [], "train": e["train"]}
        elif e["type"] == "candidate" and e["status"] == "valid" and str(e["id"]) not in nodes:
            nodes[str(e["id"])] = {
                "operator": e["operator"],
                "rule": None,
                "parents": [str(p) for p in e["parents"]],
                "train": e["train"],
                "slot": e["slot"],
                "idea": e.get("idea") or "",
            }
    out: list[Any] = []
    node, seen = pick, set()
    while node is not None and node in nodes and node not in seen:
        seen.add(node)
        n = nodes[node]
        out.append(
            {
                "id": node,
                "operator": n["operator"],
                "rule": n["rule"],
                "parents": n["parents"],
                "slot": n.get("slot"),
                "idea": n.get("idea", ""),
                "train_fitness": n["train"]["fitness"],
                "val_fitness": validated.get(node),
            }
        )
        node = n["parents"][-1] if n["parents"] else None  # parents are listed worst to best
    return out


def _versus(
    events: Sequence[Event], test: Mapping[str, Any] | None, pick: str | None
) -> dict[str, Any] | None:
    """The pick against the built-in rules: on the test split when it was run, else on train (the seeds
    that mirror a built-in rule)."""
    if test is not None:
        metrics = test["metrics"]
        rules = [
            {
                "rule": rule,
                "fitness": row["fitness"],
                "paper_gap": row["paper_gap"],
                "per_class": row["per_class"],
                **(row.get("pick_vs") or {"win": None, "tie": None, "loss": None}),
            }
            for rule, row in sorted(test["builtins"].items(), key=lambda kv: kv[1]["fitness"])
        ]
        pick_row = {k: metrics[k] for k in ("fitness", "paper_gap", "per_class")}
        return {"split": "test", "instances": test["instances"], "pick": pick_row, "rules": rules}
    train = {
        str(e["id"]): e["train"] for e in events if e.get("train") and e["type"] in ("seed", "candidate")
    }
    if pick is None or pick not in train:
        return None
    mine = train[pick]
    rules = []
    for e in events:
        if e["type"] == "seed" and e.get("builtin") and isinstance(e["train"], dict):
            theirs = e["train"]
            rules.append(
                {
                    "rule": e["builtin"],
                    "fitness": theirs["fitness"],
                    "paper_gap": theirs["paper_gap"],
                    "per_class": theirs["per_class"],
                    **win_tie_loss(mine["objectives"], theirs["objectives"]),
                }
            )
    rules.sort(key=lambda r: r["fitness"])
    pick_row = {k: mine[k] for k in ("fitness", "paper_gap", "per_class")}
    return {"split": "train", "instances": len(mine["objectives"]), "pick": pick_row, "rules": rules}


def discover_view(run_dir: str) -> dict[str, Any]:
    """A run's discovery data as plain JSON-able dicts (for the report, ``--compare`` and the HTML viewer).

    Keys:

    - ``run``: ``run_dir``, ``problem``, ``interface``, ``strategy``, ``model``, ``sandbox`` (level),
      ``template`` (prompt template hash), ``concurrency``, ``budget`` (the stop rules:
      ``max_samples``, ``max_tokens``, ...), ``stop`` (reason, None while running), ``pick`` (candidate
      id or None), ``pick_val`` (its validation fitness), ``spent`` (the counters at the stop:
      ``samples``, ``evals``, ``tokens``, ``cost``, ``duplicates``, ``invalid``, ...), ``dry_run`` (True
      when an answer came from the mutate server), ``priced`` (whether a price table gave costs).
    - ``series``: one dict per answered request, in order, row 0 being the seeds before any request:
      ``sample`` (requests answered so far), ``tokens`` and ``cost`` (running totals; cost 0 without a
      price table), ``best_train`` and ``best_val`` (best train / validation fitness so far, percent; None
      before the first validation).
    - ``outcomes``: candidate status -> count (``valid``, ``invalid``, ``rejected``, ``duplicate``);
      ``failures``: failure code (``infeasible:...`` folded into ``infeasible``) -> count;
      ``candidates``: the number of answers that held a candidate.
    - ``lineage``: the pick first, then its best parent, down to a seed: dicts with ``id``, ``operator``
      (``seed``, ``e1`` ... ``m3``, ``repair``), ``rule`` (the seed's name, else None), ``parents`` (ids,
      worst to best), ``slot``, ``idea``, ``train_fitness``, ``val_fitness`` (None if not validated).
    - ``pick_code``: the pick's plug-in file (None without a pick).
    - ``validated``: every validated candidate: ``id``, ``train``, ``val``, ``train_minus_val``.
    - ``versus``: the pick against the built-in rules, None without a pick: ``split`` (``test`` when
      ``discover test`` ran, else ``train``, against the seeds that mirror a built-in), ``instances``,
      ``pick`` (``fitness``, ``paper_gap``, ``per_class``) and ``rules``: dicts with ``rule``,
      ``fitness``, ``paper_gap``, ``per_class``, and the pick's ``win``/``tie``/``loss`` against it.
    - ``test``: None, or ``evaluations`` (how often the test split was run), ``instances``, ``fitness``,
      ``paper_gap``, ``zero_opt_misses``, ``train_fitness``, ``val_fitness``, ``train_minus_val``,
      ``metamorphic`` (``instances``, ``changed`` {``relabel``, ``scale``}, ``flags``).

    Fitness is the class-balanced ratio-of-sums gap to the references in percent (lower is better); the
    paper's metric is the mean per-instance gap over instances with a reference above 0.
    """
    events = read_events(run_dir)
    run = json.loads((Path(run_dir) / "run.json").read_text(encoding="utf-8"))
    test = _json(Path(run_dir) / "test.json")
    stop = last_stop(events)
    config = run["config"]
    validated: dict[str, float | None] = {}
    rows = []
    for e in events:
        if e["type"] == "validation":
            for c in e["candidates"]:
                validated[str(c["id"])] = c["val_fitness"]
                train, val = c["train_fitness"], c["val_fitness"]
                gap = None if train is None or val is None else train - val
                rows.append({"id": c["id"], "train": train, "val": val, "train_minus_val": gap})
    outcomes: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for e in events:
        if e["type"] == "candidate":
            outcomes[str(e["status"])] += 1
            if e["status"] in ("invalid", "rejected") and isinstance(e["failure"], dict):
                failures[str(e["failure"]["code"]).split(":")[0]] += 1
    pick = None if stop is None else stop["pick"]
    pick_file = Path(run_dir) / "candidates" / f"{pick}.py"
    dry = any(e["type"] == "llm_response" and e.get("fingerprint") == MUTATE_FINGERPRINT for e in events)
    return {
        "run": {
            "run_dir": run_dir,
            "problem": run["problem"],
            "interface": config.get("interface"),
            "strategy": config["strategy"],
            "model": config["model"],
            "sandbox": run["sandbox"]["level"],
            "template": run["template"]["hash"],
            "concurrency": config.get("concurrency", 1),
            "budget": config.get("stop", {}),
            "stop": None if stop is None else stop["reason"],
            "pick": pick,
            "pick_val": None if stop is None else stop.get("pick_val"),
            "spent": None if stop is None else stop["budget"],
            "dry_run": dry,
            "priced": bool(config.get("price_table")),
        },
        "series": _series(events),
        "outcomes": dict(sorted(outcomes.items())),
        "failures": dict(sorted(failures.items())),
        "candidates": sum(outcomes.values()),
        "lineage": _lineage(events, pick, validated),
        "pick_code": pick_file.read_text(encoding="utf-8") if pick and pick_file.exists() else None,
        "validated": rows,
        "versus": _versus(events, test, pick),
        "test": None
        if test is None
        else {
            "evaluations": test["evaluations"],
            "instances": test["instances"],
            **{k: test["metrics"][k] for k in ("fitness", "paper_gap", "zero_opt_misses")},
            **{k: test.get(k) for k in ("train_fitness", "val_fitness", "train_minus_val")},
            "metamorphic": test.get("metamorphic_on_val"),
        },
    }


# ---- Markdown ------------------------------------------------------------------------------------


def _f(value: object, digits: int = 3) -> str:
    """A table cell: '-' for missing, floats rounded."""
    return "-" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_f(c) for c in row) + " |" for row in rows]
    return out + [""]


def _improvements(series: Sequence[Mapping[str, Any]], priced: bool) -> list[tuple[object, ...]]:
    """The rows of the series where a best-so-far value changed (and the last one)."""
    out: list[tuple[object, ...]] = []
    last: tuple[object, object] | None = None
    for k, row in enumerate(series):
        now = (row["best_train"], row["best_val"])
        if now != last or k == len(series) - 1:
            cost = f"{row['cost']:.5f}" if priced else "-"
            out.append((row["sample"], row["tokens"], cost, row["best_train"], row["best_val"]))
            last = now
    return out


def _versus_lines(versus: Mapping[str, Any]) -> list[str]:
    where = "held-out test" if versus["split"] == "test" else "train (no test run yet; seeds only)"
    lines = [f"On the {where}, {versus['instances']} instances:", ""]
    pick = versus["pick"]
    rows: list[Sequence[object]] = [("pick", pick["fitness"], pick["paper_gap"], "", "", "")]
    rows += [
        (r["rule"], r["fitness"], r["paper_gap"], r["win"], r["tie"], r["loss"]) for r in versus["rules"]
    ]
    lines += _table(["rule", "fitness %", "paper gap %", "pick win", "tie", "loss"], rows)
    classes = sorted(pick["per_class"])
    if classes:
        lines += ["Gap % per class (ratio of sums):", ""]
        head = ["class", "pick", *(r["rule"] for r in versus["rules"])]
        body = [
            (c, pick["per_class"].get(c), *(r["per_class"].get(c) for r in versus["rules"])) for c in classes
        ]
        lines += _table(head, body)
    return lines


def markdown(run_dir: str, compare: Sequence[str] = (), plots: Sequence[str] = ()) -> str:
    """The report of one run, with other runs (control arms) side by side."""
    view = discover_view(run_dir)
    run = view["run"]
    spent = run["spent"] or {}
    lines = [f"# discover run {run_dir}", ""]
    if run["dry_run"]:
        lines += [DRY_RUN, ""]
    lines += [
        f"- problem {run['problem']} ({run['interface']}), strategy {run['strategy']}, model {run['model']}, "
        f"sandbox {run['sandbox']}, template {run['template']}, {run['concurrency']} request(s) in flight",
        f"- stopped: {run['stop']}; {spent.get('samples', 0)} samples, {spent.get('evals', 0)} evaluations, "
        f"{spent.get('tokens', 0)} tokens, "
        + (f"{spent.get('cost', 0):.4f} USD" if run["priced"] else "no price table"),
        f"- pick {run['pick']} (validation fitness {_f(run['pick_val'])})",
        "",
        "## Best fitness so far",
        "",
    ]
    lines += [f"![{Path(p).stem}]({Path(p).name})" for p in plots] + ([""] if plots else [])
    lines += _table(
        ["samples", "tokens", "cost USD", "best train %", "best val %"],
        _improvements(view["series"], run["priced"]),
    )
    lines += ["## Candidates by outcome and failure code", ""]
    total = max(view["candidates"], 1)
    lines += _table(
        ["outcome", "count", "share %"], [(k, v, 100.0 * v / total) for k, v in view["outcomes"].items()]
    )
    lines += _table(
        ["failure code", "count", "share of answers %"],
        [(k, v, 100.0 * v / total) for k, v in view["failures"].items()],
    )
    lines += ["## Validated candidates (train - validation)", ""]
    lines += _table(
        ["candidate", "train %", "val %", "train - val"],
        [(r["id"], r["train"], r["val"], r["train_minus_val"]) for r in view["validated"]],
    )
    lines += ["## Lineage of the pick", ""]
    for k, step in enumerate(view["lineage"]):
        how = f"seed {step['rule']}" if step["operator"] == "seed" else step["operator"]
        idea = f": {step['idea']}" if step["idea"] else ""
        lines.append(
            f"{k + 1}. `{step['id']}` ({how}; train {_f(step['train_fitness'])}%, "
            f"val {_f(step['val_fitness'])}%){idea}"
        )
    lines.append("")
    lines += ["## The pick against the built-in rules", ""]
    if view["versus"] is None:
        lines += ["No pick yet.", ""]
    else:
        test = view["test"]
        if test is not None:
            lines += [
                f"The test split was run {test['evaluations']} time(s). Pick: train {_f(test['train_fitness'])}%, "
                f"validation {_f(test['val_fitness'])}%, train - validation {_f(test['train_minus_val'])}; "
                f"test {_f(test['fitness'])}% (paper metric {_f(test['paper_gap'])}%, "
                f"{test['zero_opt_misses']} zero-optimum misses).",
                "",
            ]
        lines += _versus_lines(view["versus"])
        meta = None if test is None else test["metamorphic"]
        if meta:
            lines += [
                f"Metamorphic checks of the pick on validation ({meta['instances']} instances): relabelled jobs "
                f"changed {meta['changed']['relabel']}, doubled times changed {meta['changed']['scale']} "
                f"(flags: {', '.join(meta['flags']) or 'none'}).",
                "",
            ]
    if compare:
        lines += _compare_lines([view, *(discover_view(other) for other in compare)])
    return "\n".join(lines) + "\n"


def _compare_lines(views: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["## Runs side by side", ""]
    budgets = {json.dumps(v["run"]["budget"], sort_keys=True) for v in views}
    if len(budgets) == 1:
        rules = {k: b for k, b in views[0]["run"]["budget"].items() if b is not None}
        lines += ["Same budget for every run: " + ", ".join(f"{k} {b}" for k, b in rules.items()) + ".", ""]
    else:
        lines += ["**The runs had different budgets** (see each run's `run.json`): compare with care.", ""]
    head = [
        "run",
        "strategy",
        "samples",
        "tokens",
        "stop",
        "best train %",
        "pick val %",
        "test %",
        "test runs",
    ]
    rows = []
    for v in views:
        run, spent, test = v["run"], v["run"]["spent"] or {}, v["test"] or {}
        best = v["series"][-1]["best_train"] if v["series"] else None
        rows.append(
            (
                run["run_dir"],
                run["strategy"],
                spent.get("samples"),
                spent.get("tokens"),
                run["stop"],
                best,
                run["pick_val"],
                test.get("fitness"),
                test.get("evaluations"),
            )
        )
    return lines + _table(head, rows)


# ---- plots ---------------------------------------------------------------------------------------


def plot_curves(views: Sequence[Mapping[str, Any]], path: Path) -> list[Path]:
    """Best train (solid) and validation (dashed) fitness so far against samples, tokens and cost; one
    colour per run. The cost panel is left out when no run has a price table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    axes_keys = [("sample", "samples"), ("tokens", "tokens")]
    if any(row["cost"] for v in views for row in v["series"]):
        axes_keys.append(("cost", "cost (USD)"))
    fig, axes = plt.subplots(1, len(axes_keys), figsize=(4.2 * len(axes_keys), 3.6), squeeze=False)
    for ax, (key, label) in zip(axes[0], axes_keys):
        for k, v in enumerate(views):
            colour = f"C{k % 10}"
            folder = Path(v["run"]["run_dir"]).name
            name = v["run"]["strategy"] + ("" if folder == v["run"]["strategy"] else f" ({folder})")
            xs = [row[key] for row in v["series"]]
            for field, style in (("best_train", "-"), ("best_val", "--")):
                points = [(x, row[field]) for x, row in zip(xs, v["series"]) if row[field] is not None]
                if points:
                    ax.step(
                        [p[0] for p in points],
                        [p[1] for p in points],
                        where="post",
                        linestyle=style,
                        color=colour,
                        label=f"{name} {field.split('_')[1]}",
                    )
        ax.set_xlabel(label)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.set_ylabel("best fitness so far (gap %)")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=6)
    fig.suptitle("best so far: train (solid), validation (dashed)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def write_report(
    run_dir: str, compare: Sequence[str] = (), out: str | None = None, *, plots: bool = True
) -> Path:
    """Write ``report.md`` (into the run directory unless ``out`` names a file) and, beside it, the
    best-so-far curves (``curves.png``; ``compare.png`` with ``compare``)."""
    target = Path(out) if out else Path(run_dir) / "report.md"
    drawn: list[Path] = []
    if plots:
        target.parent.mkdir(parents=True, exist_ok=True)
        drawn += plot_curves([discover_view(run_dir)], target.parent / "curves.png")
        if compare:
            views = [discover_view(d) for d in (run_dir, *compare)]
            drawn += plot_curves(views, target.parent / "compare.png")
    return write_text_atomic(target, markdown(run_dir, compare, [str(p) for p in drawn]))
