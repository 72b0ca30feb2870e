"""Reproduce Tables 2, 4 and 5 of the EDDC/MDDC paper (arXiv 2510.24013) and time EDDC/MDDC at n = 500.

Usage: python benchmarks/bench_heuristics_smtt.py [--sets n20_uniform,n100,n200,n500] [--augmented] [--repeat 5]

Reads ../shared/data/smtt-paper/*.jsonl directly (the file's `p`, `d` and `reference_total_tardiness`),
runs every SMTT rule through the registry, scores each schedule with the verifier, and prints per set:
the paper's metric (mean over reference > 0 of 100 (H - ref) / ref), the ratio-of-sums gap, how many
instances with reference 0 get H > 0, and how many times a rule beats the reference the authors recorded
as optimal. The paper's published values for MDD / EDDC / MDDC are printed next to ours.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from schedbench.heuristics import list_heuristics, run_heuristic, smtt_rules
from schedbench.problems import parse_instance, verify

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "smtt-paper"
PUBLISHED = {  # mean gap % (Tables 2, 4, 5): MDD, EDDC, MDDC
    "n20_uniform": {"mdd": 1.86, "eddc": 12.83, "mddc": 1.70},
    "n100": {"mdd": 1.81, "eddc": 28.12, "mddc": 1.52},
    "n200": {"mdd": 2.07, "eddc": 52.02, "mddc": 2.00},
}
PAPER_MS_N500 = {"eddc": 1.90, "mddc": 0.81}  # Table 7


def load(name: str):
    rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    out = []
    for row in rows:
        jobs = [
            {"name": f"J{i}", "processing_time": p, "due_date": d}
            for i, (p, d) in enumerate(zip(row["p"], row["d"]))
        ]
        obj = {"schema": "schedbench/instance/v1", "problem": "smtt", "name": row["name"], "jobs": jobs}
        out.append(
            (parse_instance(obj), row["reference_total_tardiness"], f"rdd={row['rdd']},tf={row['tf']}")
        )
    return out


def evaluate(name: str, rules: list[str]) -> None:
    data = load(name)
    print(f"\n## {name}: {len(data)} instances, {sum(ref > 0 for _, ref, _ in data)} with reference > 0")
    print(
        f"{'rule':10} {'mean gap %':>10} {'paper':>7} {'ratio %':>8} {'ref0,H>0':>9} {'beats ref':>9} {'ms/inst':>8}"
    )
    for rule in rules:
        gaps, sum_h, sum_ref, zero_pos, beats, elapsed = [], 0, 0, 0, 0, 0.0
        for inst, ref, _ in data:
            started = time.perf_counter()
            solution = run_heuristic(inst, rule)
            elapsed += time.perf_counter() - started
            h = verify(inst, solution).objective
            sum_h, sum_ref = sum_h + h, sum_ref + ref
            if ref > 0:
                gaps.append(100 * (h - ref) / ref)
            elif h > 0:
                zero_pos += 1
            beats += h < ref
        paper = PUBLISHED.get(name, {}).get(rule)
        print(
            f"{rule:10} {np.mean(gaps):10.2f} {paper if paper is not None else '':>7} "
            f"{100 * (sum_h - sum_ref) / sum_ref:8.2f} {zero_pos:9d} {beats:9d} {1000 * elapsed / len(data):8.2f}"
        )


def time_n500(repeat: int) -> None:
    data = load("n500")
    print(f"\n## time per instance at n = 500 ({len(data)} instances, best of {repeat} passes)")
    for rule, fn in (("eddc", smtt_rules.eddc_order), ("mddc", smtt_rules.mddc_order)):
        arrays = [(inst.processing_times, inst.due_dates) for inst, _, _ in data]
        passes = []
        for _ in range(repeat):
            started = time.perf_counter()
            for p, d in arrays:
                fn(p, d)
            passes.append((time.perf_counter() - started) / len(arrays))
        print(
            f"{rule:6} best {1000 * min(passes):.2f} ms, median {1000 * statistics.median(passes):.2f} ms "
            f"(paper: {PAPER_MS_N500[rule]} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="n20_uniform,n100,n200,n500")
    parser.add_argument(
        "--augmented", action="store_true", help="also run aug-mdd and aug-mddc (slow at n=500)"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} not found")
    rules = [h.name for h in list_heuristics("smtt") if args.augmented or not h.name.startswith("aug-")]
    for name in args.sets.split(","):
        evaluate(name, rules)
    time_n500(args.repeat)


if __name__ == "__main__":
    main()
