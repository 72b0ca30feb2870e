"""PSPLIB with the exact solvers: share proven optimal, time per instance, gap to the reference.

    python benchmarks/bench_solvers_psplib.py --set j30 --limit 480 --time-limit 10 --workers 2
    python benchmarks/bench_solvers_psplib.py --set j60 --every 8 --time-limit 10 --workers 2

Results go to an append-only JSONL (resumable: rerun the same command to continue) and a table is
printed from it. Data is read in place from ../shared/data/psplib.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "psplib"


def build_input(name: str, limit: int | None, every: int, path: Path) -> int:
    from schedbench.datasets.importers import expand_paths, import_files

    files = expand_paths("psplib", [DATA / name])[::every][:limit]
    result = import_files("psplib", files, DATA / "reference.csv")
    with path.open("w") as handle:
        for inst in result.instances:
            handle.write(json.dumps(inst) + "\n")
    return len(result.instances)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--set", default="j30", choices=["j30", "j60", "j90", "j120"])
    parser.add_argument("--limit", type=int, default=None, help="at most this many instances")
    parser.add_argument("--every", type=int, default=1, help="take every k-th file (a spread sample)")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--solver", default="cpsat")
    parser.add_argument("--out", default=None, help="results JSONL (default: in the temp dir, resumable)")
    args = parser.parse_args()

    from schedbench.reports.progress import progress
    from schedbench.solvers import SolveOptions
    from schedbench.solvers.batch import solve_file

    tmp = Path(tempfile.gettempdir())
    tag = f"{args.set}_{args.solver}_w{args.workers}_t{args.time_limit:g}_e{args.every}_l{args.limit}"
    src = tmp / f"schedbench_bench_{tag}_in.jsonl"
    out = Path(args.out) if args.out else tmp / f"schedbench_bench_{tag}_out.jsonl"
    count = build_input(args.set, args.limit, args.every, src)
    with progress("solving") as bar:
        solve_file(
            src,
            out,
            solver=args.solver,
            options=SolveOptions(time_limit=args.time_limit, workers=args.workers),
            jobs=args.jobs,
            progress=bar,
        )
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    refs = {json.loads(line)["name"]: json.loads(line)["meta"].get("reference") for line in src.open()}
    rows = [r for r in rows if r["instance"] in refs]
    times = [r["time_s"] for r in rows]
    optimal = [r for r in rows if r["status"] == "optimal"]
    closed = [r for r in rows if (refs[r["instance"]] or {}).get("kind") == "optimal"]
    reached = [r for r in closed if r["objective"] == refs[r["instance"]]["value"]]
    gaps = [
        100 * (r["objective"] - refs[r["instance"]]["upper_bound"]) / refs[r["instance"]]["upper_bound"]
        for r in rows
        if r["objective"] is not None and refs[r["instance"]] and refs[r["instance"]].get("upper_bound")
    ]
    flags = [(r["instance"], f) for r in rows for f in (r.get("reference_check") or {}).get("flags", [])]
    print(
        f"\nPSPLIB {args.set}: {len(rows)}/{count} instances, solver {args.solver}, W={args.workers}, J={args.jobs}, "
        f"limit {args.time_limit:g}s"
    )
    print(f"{'proven optimal':<40}{len(optimal)} ({100 * len(optimal) / max(len(rows), 1):.1f}%)")
    print(f"{'closed references reached':<40}{len(reached)}/{len(closed)}")
    if times:
        print(f"{'time per instance median / max (s)':<40}{statistics.median(times):.3f} / {max(times):.3f}")
    if gaps:
        print(f"{'mean gap to best known upper bound':<40}{statistics.fmean(gaps):.3f}%")
    print(f"{'reference contradictions':<40}{len(flags)}")
    for name, flag in flags:
        print(f"  {name}: {flag}")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
