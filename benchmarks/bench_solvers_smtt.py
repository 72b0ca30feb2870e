"""SMTT with the exact solvers on the EDDC/MDDC paper sets: proven optima, agreement with the paper.

    python benchmarks/bench_solvers_smtt.py --set n20_uniform --every 40 --time-limit 60 \
        --methods cpsat,cpsat-plain,mip,dp
    python benchmarks/bench_solvers_smtt.py --set n100 --every 20 --time-limit 60 --methods cpsat,mip,exact

`cpsat-plain` is the same CP-SAT model without Emmons' precedences (hint kept), for comparison.
Results go to an append-only JSONL keyed by (instance, method), so a rerun resumes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "smtt-paper"


def run(inst, method: str, time_limit: float, workers: int) -> dict:
    from schedbench.solvers import SolveOptions, finish, solve

    options = SolveOptions(time_limit=time_limit, workers=workers)
    if method != "cpsat-plain":
        return solve(inst, method, options).to_dict()
    import time

    from schedbench.solvers.cpsat.smtt import solve as cpsat_smtt

    t0 = time.perf_counter()
    raw = cpsat_smtt(inst, options, use_emmons=False)
    return finish(inst, raw, time.perf_counter() - t0, 0).to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", default="n20_uniform")
    parser.add_argument(
        "--every", type=int, default=40, help="take every k-th instance (classes stay spread)"
    )
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--methods", default="cpsat,mip,dp")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    from schedbench.datasets import JsonlAppender
    from schedbench.datasets.importers import import_files
    from schedbench.problems import parse_instance

    insts = [parse_instance(i) for i in import_files("smtt-paper", [DATA / f"{args.set}.jsonl"]).instances]
    insts = insts[:: args.every]
    methods = args.methods.split(",")
    tag = f"{args.set}_e{args.every}_w{args.workers}_t{args.time_limit:g}"
    out = Path(args.out) if args.out else Path(tempfile.gettempdir()) / f"schedbench_bench_smtt_{tag}.jsonl"
    with JsonlAppender(out) as appender:
        done = appender.done_keys("instance", "method")
        for k, inst in enumerate(insts, 1):
            for method in methods:
                if (inst.name, method) in done:
                    continue
                result = run(inst, method, args.time_limit, args.workers)
                result["method"] = method
                appender.write(result)
                print(
                    f"[{k}/{len(insts)}] {inst.name} {method}: {result['status']} {result['objective']} "
                    f"bound {result['bound']} {result['time_s']:.2f}s",
                    flush=True,
                )

    refs = {i.name: i.meta["reference"]["value"] for i in insts}
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r["instance"] in refs]
    print(
        f"\nSMTT {args.set}: {len(insts)} instances (every {args.every}th), W={args.workers}, "
        f"limit {args.time_limit:g}s"
    )
    print(
        f"{'method':<13}{'proven':>8}{'= paper':>9}{'< paper':>9}{'median s':>10}{'max s':>9}{'mean gap% to paper':>20}"
    )
    for method in methods:
        mine = [r for r in rows if r["method"] == method]
        if not mine:
            continue
        proven = sum(r["status"] == "optimal" for r in mine)
        equal = sum(r["objective"] == refs[r["instance"]] for r in mine)
        below = sum(r["objective"] is not None and r["objective"] < refs[r["instance"]] for r in mine)
        times = [r["time_s"] for r in mine]
        gaps = [
            100 * (r["objective"] - refs[r["instance"]]) / refs[r["instance"]]
            for r in mine
            if r["objective"] is not None and refs[r["instance"]] > 0
        ]
        gap_text = f"{statistics.fmean(gaps):.3f}" if gaps else "-"
        print(
            f"{method:<13}{proven:>5}/{len(mine):<3}{equal:>6}{below:>9}{statistics.median(times):>10.2f}"
            f"{max(times):>9.2f}{gap_text:>20}"
        )
    print(f"results: {out}")


if __name__ == "__main__":
    main()
