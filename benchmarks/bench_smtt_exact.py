"""Benchmark the exact SMTT solver on the EDDC/MDDC paper sets (../shared/data/smtt-paper).

Prints, per set: instances solved and proven optimal, median/mean/max time, and every instance
whose proven optimum differs from the paper's ``reference_total_tardiness``, by name with both
values. With ``--out`` each result is appended as a JSON line as soon as it is known, and a rerun
skips instances already in the file (resumable long runs).

    python benchmarks/bench_smtt_exact.py --sets n20_uniform,n100,n200,n500 --time-limit 60
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from schedbench.solvers.smtt_exact import solve_smtt_exact

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "smtt-paper"


def read_rows(name: str, limit: int | None, interleave: bool = False) -> list[dict]:
    path = DATA / f"{name}.jsonl"
    if not path.exists():
        sys.exit(f"missing data file {path}")
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if interleave:  # first instance of every class, then the second, ... so a cut-off run stays balanced
        seen: dict[tuple, int] = {}
        ranks = []
        for row in rows:
            key = (row["rdd"], row["tf"])
            ranks.append(seen.get(key, 0))
            seen[key] = ranks[-1] + 1
        rows = [row for _, row in sorted(zip(ranks, rows), key=lambda pair: pair[0])]
    return rows[:limit] if limit else rows


def load_done(out: Path | None) -> dict[str, dict]:
    if out is None or not out.exists():
        return {}
    done = {}
    for line in out.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            done[record["name"]] = record
    return done


def solve_row(row: dict, time_limit: float) -> dict:
    cpu = time.process_time()
    result = solve_smtt_exact(row["p"], row["d"], time_limit=time_limit)
    cpu = time.process_time() - cpu
    return {
        "name": row["name"],
        "rdd": row["rdd"],
        "tf": row["tf"],
        "objective": result.objective,
        "lower_bound": result.lower_bound,
        "optimal": result.optimal,
        "time_s": round(result.time_s, 4),
        "cpu_s": round(cpu, 4),
        "reference": row["reference_total_tardiness"],
        "nodes": result.stats["nodes"],
        "load1": round(os.getloadavg()[0], 2),  # the machine is shared: note the contention
    }


def print_table(name: str, records: list[dict], all_rows: list[dict]) -> None:
    times = [r["time_s"] for r in records]
    cpus = [r.get("cpu_s", r["time_s"]) for r in records]
    proven = sum(r["optimal"] for r in records)
    print(f"\n== {name}: {len(records)} instances ==")
    print(
        f"{'proven optimal':>16} {'median s':>9} {'mean s':>9} {'max s':>9} {'median cpu':>11} {'max cpu':>9}"
    )
    print(
        f"{proven:>9}/{len(records):<6} {statistics.median(times):>9.3f} "
        f"{statistics.mean(times):>9.3f} {max(times):>9.3f} {statistics.median(cpus):>11.3f} {max(cpus):>9.3f}"
    )
    loads = [r["load1"] for r in records if "load1" in r]
    if loads:
        print(
            f"1-minute load average after each instance: median {statistics.median(loads):.2f}, max {max(loads):.2f}"
        )
    by_class: dict[tuple, list[float]] = {}
    for r in records:
        by_class.setdefault((r["rdd"], r["tf"]), []).append(r["time_s"])
    print("median / max seconds per class (rdd, tf):")
    for key in sorted(by_class):
        ts = by_class[key]
        print(f"  rdd={key[0]:.1f} tf={key[1]:.1f}: {statistics.median(ts):7.3f} / {max(ts):7.3f}")
    mismatches = [r for r in records if r["objective"] != r["reference"]]
    if not mismatches:
        print("reference mismatches: none")
        return
    print(f"reference mismatches: {len(mismatches)}")
    owners: dict[int, list[str]] = {}
    for row in all_rows:
        owners.setdefault(row["reference_total_tardiness"], []).append(row["name"])
    print(f"  {'name':<16} {'ours':>9} {'reference':>10}  status")
    for r in mismatches:
        status = "proven optimal" if r["optimal"] else f"best found, bound {r['lower_bound']}"
        note = (
            " (reference below our proven optimum!)"
            if r["optimal"] and r["reference"] < r["objective"]
            else ""
        )
        elsewhere = [other for other in owners.get(r["objective"], []) if other != r["name"]]
        if elsewhere:
            note += f"; ours equals the reference of {', '.join(elsewhere)}"
        print(f"  {r['name']:<16} {r['objective']:>9} {r['reference']:>10}  {status}{note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", default="n20_uniform,n100,n200", help="comma-separated set names")
    parser.add_argument("--limit", type=int, default=None, help="first K instances of each set")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    parser.add_argument(
        "--interleave", action="store_true", help="take instances class by class in turn (balanced --limit)"
    )
    parser.add_argument("--out", type=Path, default=None, help="JSONL of results (appended, resumable)")
    parser.add_argument(
        "--classes",
        default=None,
        help="only these classes, as comma-separated rdd:tf pairs (e.g. 0.2:0.4,0.2:0.6)",
    )
    args = parser.parse_args()

    done = load_done(args.out)
    classes = None
    if args.classes:
        classes = {tuple(float(x) for x in pair.split(":")) for pair in args.classes.split(",")}
    for name in args.sets.split(","):
        records = []
        all_rows = read_rows(name, None)
        rows = read_rows(name, None if classes else args.limit, args.interleave)
        if classes:
            rows = [row for row in rows if (float(row["rdd"]), float(row["tf"])) in classes][: args.limit]
        for row in rows:
            if row["name"] in done:
                records.append(done[row["name"]])
                continue
            record = solve_row(row, args.time_limit)
            records.append(record)
            if args.out is not None:
                with args.out.open("a") as fh:
                    fh.write(json.dumps(record) + "\n")
        print_table(name, records, all_rows)


if __name__ == "__main__":
    main()
