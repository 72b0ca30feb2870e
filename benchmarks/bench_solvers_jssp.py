"""Job shop with the exact solvers: time to prove ft10 = 930, and ta01-ta10 gaps to the best known values.

    python benchmarks/bench_solvers_jssp.py --instances ft10 --time-limit 300 --workers 2
    python benchmarks/bench_solvers_jssp.py --instances ta01-ta10 --time-limit 60 --workers 2

Results go to an append-only JSONL (rerun to resume); the table is printed from it. Data is read in
place from ../shared/data/jssp.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "jssp"


def expand(spec: str) -> list[str]:
    """`ta01-ta10,ft10` -> the listed names."""
    names: list[str] = []
    for part in spec.split(","):
        m = re.fullmatch(r"([a-z]+)(\d+)-[a-z]*(\d+)", part)
        if m:
            width = len(m.group(2))
            names += [f"{m.group(1)}{k:0{width}d}" for k in range(int(m.group(2)), int(m.group(3)) + 1)]
        else:
            names.append(part)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", default="ft10")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--solver", default="cpsat")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    from schedbench.datasets.importers import import_files
    from schedbench.reports.progress import progress
    from schedbench.solvers import SolveOptions
    from schedbench.solvers.batch import solve_file

    names = expand(args.instances)
    result = import_files("orlib-jssp", [DATA / f"{n}.txt" for n in names], DATA / "reference.csv")
    tmp = Path(tempfile.gettempdir())
    tag = f"{args.instances}_{args.solver}_w{args.workers}_t{args.time_limit:g}".replace(",", "+")
    src = tmp / f"schedbench_bench_jssp_{tag}_in.jsonl"
    out = Path(args.out) if args.out else tmp / f"schedbench_bench_jssp_{tag}_out.jsonl"
    src.write_text("".join(json.dumps(i) + "\n" for i in result.instances))
    with progress("solving") as bar:
        solve_file(
            src,
            out,
            solver=args.solver,
            options=SolveOptions(time_limit=args.time_limit, workers=args.workers),
            progress=bar,
        )

    refs = {i["name"]: i["meta"].get("reference") or {} for i in result.instances}
    rows = {
        r["instance"]: r for r in (json.loads(line) for line in out.read_text().splitlines() if line.strip())
    }
    print(f"\nJSSP, solver {args.solver}, W={args.workers}, limit {args.time_limit:g}s")
    print(
        f"{'instance':<10}{'status':<10}{'objective':>10}{'bound':>8}{'best known':>12}{'gap %':>8}{'time s':>9}"
    )
    gaps = []
    for name in names:
        r, ref = rows[name], refs[name]
        best = ref.get("upper_bound")
        gap = None if r["objective"] is None or not best else 100 * (r["objective"] - best) / best
        if gap is not None:
            gaps.append(gap)
        gap_text = "" if gap is None else f"{gap:.2f}"
        print(
            f"{name:<10}{r['status']:<10}{r['objective'] or '':>10}{r['bound'] or '':>8}{best or '':>12}"
            f"{gap_text:>8}{r['time_s']:>9.1f}"
        )
        for flag in (r.get("reference_check") or {}).get("flags", []):
            print(f"  REFERENCE CONTRADICTION: {flag}")
    if gaps:
        print(f"mean gap to best known: {statistics.fmean(gaps):.3f}%")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
