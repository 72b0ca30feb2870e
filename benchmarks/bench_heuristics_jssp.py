"""Job-shop rules on Taillard ta01-ta80: dispatching under both Giffler-Thompson schemes, and tabu-n5.

Usage: python benchmarks/bench_heuristics_jssp.py [--first 1 --last 80] [--workers 2]

Reads ../shared/data/jssp/taNN.txt (OR-Library format) and the best known upper bounds in
jssp/reference.csv; every schedule is scored by the verifier. Prints the mean gap % per size group
(rows: rule, columns: n x m) and overall, and the mean time per instance.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from schedbench.datasets.importers import orlib_jssp
from schedbench.datasets.importers.references import read_reference_csv
from schedbench.heuristics import list_heuristics, run_heuristic
from schedbench.problems import parse_instance, verify

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "jssp"


def run_one(path: str) -> list[tuple[str, str, str, int, float]]:
    inst = parse_instance(orlib_jssp.read(path).instances[0])
    size = f"{inst.num_jobs}x{inst.num_machines}"
    out = []
    for h in list_heuristics("jssp"):
        started = time.perf_counter()
        solution = run_heuristic(inst, h.name)
        elapsed = time.perf_counter() - started
        check = verify(inst, solution)
        assert check.feasible, (inst.name, h.name)
        out.append((inst.name, size, h.name, check.objective, elapsed))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--first", type=int, default=1)
    parser.add_argument("--last", type=int, default=80)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    refs = read_reference_csv(str(DATA / "reference.csv"))
    paths = [str(DATA / f"ta{k:02d}.txt") for k in range(args.first, args.last + 1)]
    started = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = [row for rows in pool.map(run_one, paths) for row in rows]
    wall = time.perf_counter() - started
    sizes = list(dict.fromkeys(r[1] for r in results))
    rules = list(dict.fromkeys(r[2] for r in results))
    gaps: dict[tuple[str, str], list[float]] = {}
    times: dict[str, list[float]] = {}
    for name, size, rule, obj, elapsed in results:
        best = refs[name]["upper_bound"]
        gaps.setdefault((rule, size), []).append(100 * (obj - best) / best)
        gaps.setdefault((rule, "all"), []).append(100 * (obj - best) / best)
        times.setdefault(rule, []).append(elapsed)
    cols = sizes + ["all"]
    print(f"Taillard ta{args.first:02d}-ta{args.last:02d}: mean gap % to the best known upper bound")
    print(f"{'rule':20}" + "".join(f"{c:>9}" for c in cols) + f"{'ms/inst':>9}")
    order = sorted(rules, key=lambda r: sum(gaps[(r, "all")]) / len(gaps[(r, "all")]))
    for rule in order:
        cells = "".join(f"{sum(gaps[(rule, c)]) / len(gaps[(rule, c)]):9.1f}" for c in cols)
        print(f"{rule:20}{cells}{1000 * sum(times[rule]) / len(times[rule]):9.1f}")
    print(f"wall time {wall:.1f} s with {args.workers} workers")


if __name__ == "__main__":
    main()
