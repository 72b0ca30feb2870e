"""Generator speed: 1,000 RCPSP ladder instances of 30 tasks (both phases), plus SMTT and Taillard JSSP.

Usage: python benchmarks/bench_generators.py [--repeat 3] [--tasks 30]
Prints one row per case: instances, best and median wall time of generating them as Python dicts and as
JSONL text. RCPSP rows are shown with and without checking every planted witness with the verifier.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from schedbench.datasets import dumps
from schedbench.generators.jssp import iter_jssp
from schedbench.generators.rcpsp import iter_rcpsp_ladder_with_witness
from schedbench.generators.smtt import iter_smtt


def rcpsp_case(tasks: int, phase: str, verify: bool) -> Callable[[], list[str]]:
    def run() -> list[str]:
        pairs = iter_rcpsp_ladder_with_witness(
            tasks=tasks, resources=3, levels="1-40", per_level=25, phase=phase, seed=1, verify_witness=verify
        )
        return [dumps(instance) for instance, _ in pairs]

    return run


def smtt_case() -> list[str]:
    return [
        dumps(i)
        for i in iter_smtt(
            jobs=100, tf=[0.2, 0.4, 0.6, 0.8, 1.0], rdd=[0.2, 0.4, 0.6, 0.8, 1.0], per_class=40, seed=1
        )
    ]


def jssp_case() -> list[str]:
    return [dumps(i) for i in iter_jssp(jobs=20, machines=15, count=1000, seed=1)]


def measure(fn: Callable[[], list[str]], repeat: int) -> tuple[int, float, float]:
    times, count = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = len(fn())
        times.append(time.perf_counter() - start)
    return count, min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tasks", type=int, default=30)
    args = parser.parse_args()
    cases = [
        (
            f"rcpsp ladder n={args.tasks} precedence, levels 1-40 x 25",
            rcpsp_case(args.tasks, "precedence", False),
        ),
        (f"rcpsp ladder n={args.tasks} side, levels 1-40 x 25", rcpsp_case(args.tasks, "side", False)),
        (
            f"rcpsp ladder n={args.tasks} precedence + verify witness",
            rcpsp_case(args.tasks, "precedence", True),
        ),
        (f"rcpsp ladder n={args.tasks} side + verify witness", rcpsp_case(args.tasks, "side", True)),
        ("smtt n=100, 5x5 classes x 40", smtt_case),
        ("jssp taillard 20x15 x 1000", jssp_case),
    ]
    print(f"cpu_count={os.cpu_count()} (shared machine: figures include contention)")
    print(f"{'case':<52} {'instances':>9} {'best s':>8} {'median s':>9} {'ms/inst':>8}")
    for label, fn in cases:
        count, best, median = measure(fn, args.repeat)
        print(f"{label:<52} {count:>9} {best:>8.2f} {median:>9.2f} {1000 * best / count:>8.2f}")


if __name__ == "__main__":
    main()
