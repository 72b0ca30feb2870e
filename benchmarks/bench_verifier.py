"""Verifier speed: large RCPSP, JSSP and SMTT schedules, feasible and infeasible.

Usage: python benchmarks/bench_verifier.py [--repeat 5]
Prints one row per case: sizes, best and median wall time of `verify` (parsing excluded).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from schedbench.problems import parse_instance, verify


def rcpsp_case(n: int, resources: int, edges: int, seed: int = 0) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    durations = rng.integers(1, 10, n)
    demands = rng.integers(0, 4, (n, resources))
    pairs = set()
    while len(pairs) < edges:
        a, b = sorted(rng.integers(0, n, 2))
        if a != b:
            pairs.add((int(a), int(b)))
    preds: list[list[int]] = [[] for _ in range(n)]
    for a, b in pairs:
        preds[b].append(a)
    starts = np.zeros(n, dtype=np.int64)
    for i in range(n):
        if preds[i]:
            starts[i] = max(starts[p] + durations[p] for p in preds[i])
    capacity = int(demands.sum(axis=0).max())
    obj = {
        "schema": "schedbench/instance/v1",
        "problem": "rcpsp",
        "name": "big",
        "resources": [
            {"name": f"R{r}", "capacity": capacity, "downtime": [[10_000_000, 10_000_005]]}
            for r in range(resources)
        ],
        "tasks": [
            {
                "name": f"T{i}",
                "duration": int(durations[i]),
                "demands": {f"R{r}": int(demands[i, r]) for r in range(resources) if demands[i, r]},
            }
            for i in range(n)
        ],
        "precedences": [[f"T{a}", f"T{b}"] for a, b in sorted(pairs)],
        "disjunctive": [],
    }
    return obj, {"starts": {f"T{i}": int(s) for i, s in enumerate(starts)}}


def jssp_case(jobs: int, machines: int, seed: int = 0) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    obj = {
        "schema": "schedbench/instance/v1",
        "problem": "jssp",
        "name": "big",
        "machines": machines,
        "jobs": [
            {
                "name": f"J{j}",
                "operations": [
                    {"machine": int(m), "duration": int(rng.integers(1, 100))}
                    for m in rng.permutation(machines)
                ],
            }
            for j in range(jobs)
        ],
    }
    # A feasible semi-active schedule: jobs one after another on a global clock.
    t = 0
    starts = {}
    for job in obj["jobs"]:
        starts[job["name"]] = []
        for op in job["operations"]:
            starts[job["name"]].append(t)
            t += op["duration"]
    return obj, {"starts": starts}


def smtt_case(n: int, seed: int = 0) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    p = rng.integers(1, 101, n)
    d = rng.integers(0, int(p.sum()), n)
    obj = {
        "schema": "schedbench/instance/v1",
        "problem": "smtt",
        "name": "big",
        "jobs": [{"name": f"J{i}", "processing_time": int(p[i]), "due_date": int(d[i])} for i in range(n)],
    }
    return obj, {"sequence": [f"J{i}" for i in rng.permutation(n)]}


def shuffle_starts(solution: dict, seed: int = 1) -> dict:
    """Break a schedule: every start replaced by a random time in the same range."""
    rng = np.random.default_rng(seed)
    starts = solution["starts"]
    values = list(starts.values())
    if isinstance(values[0], list):
        top = max(max(v) for v in values)
        return {"starts": {k: [int(x) for x in rng.integers(0, top + 1, len(v))] for k, v in starts.items()}}
    top = max(values)
    return {"starts": {k: int(x) for k, x in zip(starts, rng.integers(0, top + 1, len(starts)))}}


def timed(inst, solution, repeat: int) -> tuple[float, float, object]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = verify(inst, solution)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cases = []
    obj, sol = rcpsp_case(10_000, 10, 30_000)
    cases.append(("rcpsp 10000 tasks, 10 res, 30000 prec", obj, sol))
    cases.append(("rcpsp same, shuffled (infeasible)", obj, shuffle_starts(sol)))
    obj, sol = jssp_case(100, 20)
    cases.append(("jssp 100x20", obj, sol))
    cases.append(("jssp 100x20, shuffled (infeasible)", obj, shuffle_starts(sol)))
    obj, sol = smtt_case(10_000)
    cases.append(("smtt n=10000", obj, sol))
    print(f"cores: {os.cpu_count()}  repeat: {args.repeat}")
    print(f"{'case':42} {'best ms':>9} {'median ms':>10} {'feasible':>9} {'violations':>11}")
    for label, obj, sol in cases:
        inst = parse_instance(obj)
        best, median, result = timed(inst, sol, args.repeat)
        print(
            f"{label:42} {best * 1e3:9.2f} {median * 1e3:10.2f} {result.feasible!s:>9} {len(result.violations):11d}"
        )


if __name__ == "__main__":
    main()
