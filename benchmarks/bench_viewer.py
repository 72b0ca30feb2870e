"""HTML report at scale: a synthetic `llm eval` run of N samples (default 100,000) on 12-task RCPSP
instances; export time and folder size, then page-ready, sample-open and filter times in headless Chromium.

    python benchmarks/bench_viewer.py [--samples 100000] [--out DIR] [--chromium /usr/bin/chromium]

The run is written once into DIR/run (reused when present); the report goes to DIR/report.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import time
from pathlib import Path

from schedbench.datasets import sha256_file
from schedbench.datasets.labels import instance_hash
from schedbench.llm_eval.prompts import build_prompt, messages_digest
from schedbench.problems import parse_instance, verify
from schedbench.reports.html import write_html

TASKS = 12
PER_INSTANCE = 50  # samples per instance
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _instance(rng: random.Random, name: str, level: int) -> dict:
    tasks = [
        {
            "name": f"T{i}",
            "duration": rng.randint(1, 9),
            "demands": {"R1": rng.randint(0, 3), "R2": rng.randint(0, 2)},
        }
        for i in range(TASKS)
    ]
    precedences = [
        [f"T{i}", f"T{j}"] for i in range(TASKS) for j in range(i + 1, TASKS) if rng.random() < 0.12
    ]
    return {
        "schema": "schedbench/instance/v1",
        "problem": "rcpsp",
        "name": name,
        "resources": [{"name": "R1", "capacity": 4}, {"name": "R2", "capacity": 3, "downtime": [[20, 24]]}],
        "tasks": tasks,
        "precedences": precedences,
        "meta": {"level": level},
    }


def write_run(root: Path, samples: int, seed: int = 0) -> Path:
    """A run folder of ``samples`` records: each an answer with random start times, verified for real."""
    run = root / "run"
    if (run / "samples.jsonl").exists() and sum(1 for _ in (run / "samples.jsonl").open()) == samples:
        return run
    run.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    n_inst = max(1, samples // PER_INSTANCE)
    objs = [_instance(rng, f"i{k:05d}", 1 + k % 10) for k in range(n_inst)]
    data = root / "data.jsonl"
    data.write_text("".join(json.dumps(o) + "\n" for o in objs))
    parsed = [parse_instance(o) for o in objs]
    prompts = [build_prompt(inst, "synthetic") for inst in parsed]
    lines = []
    for k in range(samples):
        obj, inst, prompt = objs[k % n_inst], parsed[k % n_inst], prompts[k % n_inst]
        spread = 10 + 6 * obj["meta"]["level"]
        starts = {t["name"]: rng.randint(0, spread) for t in obj["tasks"]}
        check = verify(inst, {"starts": starts})
        content = json.dumps({"starts": starts, "objective": check.objective})
        rec = {
            "record": "schedbench/llm-sample/v1",
            "instance": obj["name"],
            "sample": k // n_inst,
            "outcome": "feasible" if check.feasible else "infeasible",
            "problem": "rcpsp",
            "level": obj["meta"]["level"],
            "family": "-",
            "side_families": None,
            "rendering": "synthetic",
            "model": "synthetic",
            "instance_hash": instance_hash(inst),
            "template_id": prompt.template_id,
            "template_hash": prompt.template_hash,
            "request": {"model": "synthetic", "messages_sha256": messages_digest(prompt.messages)},
            "reference": None,
            "reference_kind": None,
            "bound": None,
            "cache_hit": False,
            "attempts": [],
            "latency_s": round(rng.random(), 3),
            "elapsed_s": 0.0,
            "content": content,
            "finish_reason": "stop",
            "usage": {"prompt_tokens": 600, "completion_tokens": 80, "total_tokens": 680},
            "parse_status": "ok",
            "parse_error": None,
            "solution": {"schema": "schedbench/solution/v1", "instance": obj["name"], "starts": starts},
            "violations": [v.to_dict() for v in check.violations],
            "violation_counts": check.counts(),
            "objective": check.objective,
            "claimed_objective": check.objective,
            "claim_status": "match",
            **({"gap_pct": None, "gap_to_bound_pct": None} if check.feasible else {}),
            "repair": {"rounds": [], "feasible_round": 0 if check.feasible else None, "final_outcome": None},
            "time_utc": "2026-01-01T00:00:00Z",
        }
        lines.append(json.dumps(rec, separators=(",", ":")))
    (run / "samples.jsonl").write_text("\n".join(lines) + "\n")
    manifest = {
        "schema": "schedbench/manifest/v1",
        "config": {"data": str(data), "model": "synthetic", "base_url": "http://127.0.0.1:1/v1"},
        "inputs": [{"path": str(data), "sha256": sha256_file(data)}],
    }
    (run / "manifest.json").write_text(json.dumps(manifest))
    return run


def _size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def browse(report: Path, chromium: str, sample: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    url = (report / "index.html").as_uri()
    out: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page()
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith("file:") else outside.append(r.url))
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("html[data-ready]", timeout=60_000)
        out["page ready (s)"] = time.perf_counter() - started
        for label, where in (
            ("sample open, shard not loaded (s)", sample),
            ("next sample, same shard (s)", sample + 1),
        ):
            started = time.perf_counter()
            page.evaluate(f"location.hash = '/sample/{where}'")
            page.wait_for_selector('html[data-ready="sample"]', timeout=60_000)
            out[label] = time.perf_counter() - started
        started = time.perf_counter()
        page.evaluate("location.hash = '/samples?outcome=infeasible&sort=violations&dir=desc'")
        page.wait_for_selector('html[data-ready="samples"]', timeout=60_000)
        out["filter + sort the sample list (s)"] = time.perf_counter() - started
        out["requests leaving the page"] = len(outside)
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--out", default="/tmp/schedbench-bench-viewer")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    root = Path(args.out)
    started = time.perf_counter()
    run = write_run(root, args.samples)
    print(f"synthetic run: {args.samples} samples in {time.perf_counter() - started:.1f} s")
    report = root / "report"
    started = time.perf_counter()
    write_html(report, [run])
    export = time.perf_counter() - started
    files, size = _size(report)
    index = (report / "data" / "index.js").stat().st_size
    rows = [
        ("export (s)", f"{export:.1f}"),
        ("files", str(files)),
        ("folder (MB)", f"{size / 1e6:.1f}"),
        ("index.js (MB)", f"{index / 1e6:.2f}"),
        ("index bytes per sample", f"{index / args.samples:.0f}"),
        ("index.html (KB)", f"{(report / 'index.html').stat().st_size / 1e3:.1f}"),
    ]
    if Path(args.chromium).exists():
        rows += [
            (k, f"{v:.3f}" if isinstance(v, float) else str(v))
            for k, v in browse(report, args.chromium, args.samples // 2).items()
        ]
    else:
        rows.append(("browser", f"not found at {args.chromium}"))
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
