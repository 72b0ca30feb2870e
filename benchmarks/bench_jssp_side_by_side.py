"""Job shop side by side: schedbench's CP-SAT model, its hybrid (tabu, CP-SAT, tabu) and the `tabu-n5` rule
against job-shop-lib's ORToolsSolver and PyJobShop.

    /tmp/sbs/bin/python benchmarks/bench_jssp_side_by_side.py           # ft10 + ta01-ta10, 60 s, W=2, seeds 0,1,2
    /tmp/sbs/bin/python benchmarks/bench_jssp_side_by_side.py --instances ft06 --time-limit 5 --seeds 0
    python benchmarks/bench_jssp_side_by_side.py --instances ta41,ta51,ta61,ta71 \
        --libraries schedbench,hybrid,tabu-n5 --versus hybrid      # no peers needed

The other two libraries are not schedbench dependencies: install them in a separate environment (see
benchmarks/README.md). Every instance is solved by the three libraries back to back, under the same wall
time limit, number of CP-SAT workers and random seed. Each schedule the other libraries return is converted
into a schedbench solution and checked by schedbench's verifier; the table reports the verified makespan.

CP-SAT with more than one worker is not deterministic, so one run per library says little on an instance
where the three are close: the same model can end 10 units apart from one run to the next. Each library is
therefore run once per seed, and the verdict compares medians over the seeds (makespan: lower is better;
proven bound: higher is better). The per-seed makespans are printed too.

Results go to an append-only JSONL (one line per instance, library and seed; rerun the same command to
resume) and the table is printed from it. Data is read in place from ../shared/data/jssp.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_solvers_jssp import DATA, expand  # the sibling script; run as benchmarks/...py

LIBRARIES = ("schedbench", "hybrid", "tabu-n5", "job-shop-lib", "pyjobshop")
PEERS = ("job-shop-lib", "pyjobshop")
INSTALL_HINT = (
    "this benchmark needs job-shop-lib and pyjobshop, which are not schedbench dependencies.\n"
    "Install them in a separate environment, for example:\n"
    "  python3 -m venv --system-site-packages /tmp/sbs\n"
    "  /tmp/sbs/bin/pip install --no-deps job-shop-lib pyjobshop fjsplib\n"
    "then run this script with /tmp/sbs/bin/python (see benchmarks/README.md)."
)


def import_others() -> tuple[Any, Any]:
    """The two other libraries, or a clear message on how to install them."""
    try:
        import pyjobshop
        from job_shop_lib.constraint_programming import ORToolsSolver
    except ImportError as exc:
        raise SystemExit(f"{exc}\n{INSTALL_HINT}") from None
    return ORToolsSolver, pyjobshop


def run_schedbench(
    inst: Any, time_limit: float, workers: int, seed: int, solver: str = "cpsat"
) -> dict[str, Any]:
    from schedbench.solvers import SolveOptions, solve

    out = solve(inst, solver, SolveOptions(time_limit=time_limit, workers=workers, seed=seed)).to_dict()
    flat = None
    if "starts" in out:
        flat = [s for job in inst.job_names for s in out["starts"][job]]
    return {"status": out["status"], "claimed": out["objective"], "bound": out["bound"], "starts": flat}


def run_hybrid(inst: Any, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    return run_schedbench(inst, time_limit, workers, seed, solver="hybrid")


def run_tabu(inst: Any, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """The leaderboard's ``tabu-n5`` rule as it runs there: a fixed number of iterations, one thread, its own
    seed (the time limit, workers and seed do not apply), so its runs repeat exactly."""
    from schedbench.heuristics import get_heuristic

    out = get_heuristic("jssp", "tabu-n5")(inst)
    flat = [s for job in inst.job_names for s in out["starts"][job]]
    ends = [s + int(d) for s, d in zip(flat, inst.op_duration)]
    return {"status": "feasible", "claimed": max(ends), "bound": None, "starts": flat}


def run_job_shop_lib(inst: Any, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    from job_shop_lib import JobShopInstance
    from job_shop_lib.constraint_programming import ORToolsSolver
    from job_shop_lib.exceptions import NoSolutionFoundError

    class Solver(ORToolsSolver):
        """ORToolsSolver exactly as shipped, plus the worker count and seed (it has no option for them)."""

        def _initialize_model(self, *args: Any, **kwargs: Any) -> None:
            super()._initialize_model(*args, **kwargs)
            self.solver.parameters.num_workers = workers
            self.solver.parameters.random_seed = seed

    durations, machines = matrices(inst)
    jsl_inst = JobShopInstance.from_matrices(durations, machines, name=inst.name)
    solver = Solver(max_time_in_seconds=time_limit)
    try:
        schedule = solver.solve(jsl_inst)
    except NoSolutionFoundError:
        return {"status": "unknown", "claimed": None, "bound": None, "starts": None}
    flat = [0] * inst.num_operations
    for machine_ops in schedule.schedule:
        for scheduled in machine_ops:
            op = scheduled.operation
            flat[int(inst.job_offsets[op.job_id]) + op.position_in_job] = int(scheduled.start_time)
    bound = solver.solver.BestObjectiveBound()
    return {
        "status": schedule.metadata["status"],
        "claimed": int(schedule.metadata["makespan"]),
        "bound": int(round(bound)),
        "starts": flat,
    }


def run_pyjobshop(inst: Any, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    from pyjobshop import Model

    model = Model()
    machines = [model.add_machine(name=f"m{m}") for m in range(inst.num_machines)]
    durations, machine_ids = matrices(inst)
    for j, (job_durations, job_machines) in enumerate(zip(durations, machine_ids)):
        job = model.add_job(name=inst.job_names[j])
        previous = None
        for k, (d, m) in enumerate(zip(job_durations, job_machines)):
            task = model.add_task(job=job, name=f"{j}_{k}")
            model.add_mode(task, machines[m], d)
            if previous is not None:
                model.add_end_before_start(previous, task)
            previous = task
    result = model.solve(
        "ortools", time_limit=time_limit, display=False, num_workers=workers, random_seed=seed
    )
    status = result.status.value.lower()
    if status not in ("optimal", "feasible"):
        return {"status": "unknown", "claimed": None, "bound": None, "starts": None}
    return {
        "status": status,
        "claimed": int(result.objective),
        "bound": int(round(result.lower_bound)),
        "starts": [int(task.start) for task in result.best.tasks],  # tasks were added job-major
    }


def matrices(inst: Any) -> tuple[list[list[int]], list[list[int]]]:
    """Per-job duration and machine lists, in job order."""
    durations = [[int(d) for _, d in ops] for ops in inst.operations]
    machines = [[int(m) for m, _ in ops] for ops in inst.operations]
    return durations, machines


RUNNERS: dict[str, Callable[[Any, float, int, int], dict[str, Any]]] = {
    "schedbench": run_schedbench,
    "hybrid": run_hybrid,
    "tabu-n5": run_tabu,
    "job-shop-lib": run_job_shop_lib,
    "pyjobshop": run_pyjobshop,
}


def run_one(inst: Any, library: str, time_limit: float, workers: int, seed: int) -> dict[str, Any]:
    """Solve with one library and verify its schedule with schedbench's verifier."""
    from schedbench.problems import verify
    from schedbench.problems.jssp import solution_from_starts

    t0 = time.perf_counter()
    try:
        res = RUNNERS[library](inst, time_limit, workers, seed)
    except Exception as exc:  # a crash in another library is a result, not the end of the run
        res = {"status": "error", "claimed": None, "bound": None, "starts": None, "message": repr(exc)}
    elapsed = time.perf_counter() - t0
    objective, verified = None, None
    if res["starts"] is not None:
        check = verify(inst, solution_from_starts(inst, res["starts"]))
        verified = check.feasible and check.objective == res["claimed"]
        objective = check.objective if check.feasible else None
    return {
        "instance": inst.name,
        "library": library,
        "seed": seed,
        "status": res["status"],
        "objective": objective,
        "claimed": res["claimed"],
        "verified": verified,
        "bound": res["bound"],
        "time_s": round(elapsed, 2),
        **({"message": res["message"]} if "message" in res else {}),
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median verified makespan and median bound over one library's runs of one instance."""
    makespans = [r["objective"] for r in runs if r["objective"] is not None]
    bounds = [r["bound"] for r in runs if r["bound"] is not None and r["verified"] is not False]
    return {
        "median": statistics.median(makespans) if len(makespans) == len(runs) and runs else None,
        "bound": statistics.median(bounds) if bounds else None,
        "makespans": [r["objective"] for r in runs],
        "optimal": sum(r["status"] == "optimal" for r in runs),
        "time_s": statistics.median(r["time_s"] for r in runs) if runs else 0.0,
    }


def verdict(stats: dict[str, dict[str, Any]], ours: str) -> str:
    """'yes' when ``ours``'s median verified makespan is no worse than each other library's and its median
    bound no weaker; otherwise what it lost on. A run without a verified schedule counts as a loss."""
    mine = stats.get(ours)
    if not mine or mine["median"] is None:
        return "NO (a run without a schedule)"
    lost = []
    for lib, other in stats.items():
        if lib == ours:
            continue
        if other["median"] is not None and other["median"] < mine["median"]:
            lost.append(f"makespan vs {lib}")
        if other["bound"] is not None and (mine["bound"] or 0) < other["bound"]:
            lost.append(f"bound vs {lib}")
    return "yes" if not lost else "NO (" + ", ".join(lost) + ")"


def permutation_p(a: list[int], b: list[int]) -> float:
    """Two-sided exact permutation test on the difference of means: the share of all relabellings of the
    pooled runs whose mean difference is at least as large as the observed one. A small p means the two
    libraries' makespans differ by more than the run-to-run spread explains."""
    pooled, k = a + b, len(a)
    observed = abs(statistics.mean(a) - statistics.mean(b))
    total = sum(pooled)
    hits = count = 0
    for chosen in itertools.combinations(range(len(pooled)), k):
        first = sum(pooled[i] for i in chosen)
        diff = abs(first / k - (total - first) / (len(pooled) - k))
        hits += diff >= observed - 1e-9
        count += 1
    return hits / count


def print_noise_check(
    names: list[str],
    seeds: list[int],
    results: dict[tuple[str, str, int], dict[str, Any]],
    libs: list[str],
    ours: str,
) -> None:
    """Mean makespans and the permutation test's p against ``ours``, instance by instance."""
    others = [lib for lib in libs if lib != ours]
    print("\nIs a difference more than run-to-run noise? mean makespan over the seeds, and the exact")
    print(f"permutation test's two-sided p against {ours} (small p: a real difference)")
    print(f"{'instance':<9}{ours:>11}" + "".join(f"{lib:>14}{'p':>7}" for lib in others))
    for name in names:
        runs = {
            lib: [results[(name, lib, s)]["objective"] for s in seeds if (name, lib, s) in results]
            for lib in libs
        }
        if any(not r or None in r for r in runs.values()):
            continue
        line = f"{name:<9}{statistics.mean(runs[ours]):>11.1f}"
        for lib in others:
            p = (
                permutation_p(runs[ours], runs[lib])
                if len(runs[ours]) + len(runs[lib]) <= 20
                else float("nan")
            )
            line += f"{statistics.mean(runs[lib]):>14.1f}{p:>7.2f}"
        print(line)


def size_class(inst: Any) -> str:
    return f"{inst.num_jobs}x{inst.num_machines}"


def print_table(
    names: list[str],
    seeds: list[int],
    results: dict[tuple[str, str, int], dict[str, Any]],
    refs: dict,
    libs: list[str],
    ours: str,
    classes: dict[str, str],
) -> None:
    def cell(st: dict[str, Any] | None) -> str:
        if st is None:
            return f"{'-':>38}"
        median = "-" if st["median"] is None else f"{st['median']:g}"
        bound = "-" if st["bound"] is None else f"{st['bound']:g}"
        runs = "/".join("-" if m is None else str(m) for m in st["makespans"])
        return f"{median:>8}{bound:>8}  {runs:<18}{st['optimal']:>2}"

    head = "".join(f"{lib + ' median/lb/runs/#opt':>38}" for lib in libs)
    print(f"\n{'instance':<9}{'best':>6}{head}   {ours} at least as good (medians)")
    count = 0
    gaps: dict[str, list[float]] = {lib: [] for lib in libs}
    by_class: dict[tuple[str, str], list[float]] = {}
    for name in names:
        stats = {}
        for lib in libs:
            runs = [results[(name, lib, seed)] for seed in seeds if (name, lib, seed) in results]
            if runs:
                stats[lib] = summary(runs)
        best = (refs.get(name) or {}).get("upper_bound")
        for lib, st in stats.items():
            if best and st["median"] is not None:
                gaps[lib].append(100.0 * (st["median"] - best) / best)
                by_class.setdefault((classes[name], lib), []).append(gaps[lib][-1])
        word = verdict(stats, ours)
        count += word == "yes"
        cells = "".join(f"{cell(stats.get(lib)):>38}" for lib in libs)
        print(f"{name:<9}{best or '':>6}{cells}   {word}")
    mean_gaps = "  ".join(f"{lib} {statistics.mean(g):.3f}%" for lib, g in gaps.items() if g)
    print(
        f"\n{ours} at least as good on {count}/{len(names)}; mean gap of the medians to the best known: {mean_gaps}"
    )
    print("mean gap of the medians to the best known, per size class:")
    for size in dict.fromkeys(classes[n] for n in names):
        row = "  ".join(
            f"{lib} {statistics.mean(by_class[size, lib]):.3f}%" for lib in libs if (size, lib) in by_class
        )
        print(f"  {size:<8} ({sum(classes[n] == size for n in names)} instances)  {row}")
    for r in results.values():
        if r["verified"] is False:
            print(
                f"  VERIFIER REJECTS {r['library']} on {r['instance']} (seed {r['seed']}): claimed {r['claimed']}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", default="ft10,ta01-ta10")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", default="0,1,2", help="CP-SAT random seeds, one run per library and seed")
    parser.add_argument("--libraries", default=",".join(LIBRARIES))
    parser.add_argument(
        "--versus", default="schedbench", help="the library the verdict and the p values are for"
    )
    parser.add_argument("--out", default=None, help="results JSONL (default: in the temp dir, resumable)")
    args = parser.parse_args()

    import ortools

    from schedbench.datasets.importers import import_files
    from schedbench.problems import parse_instance

    names = expand(args.instances)
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    libraries = [lib for lib in args.libraries.split(",") if lib]
    unknown = set(libraries) - set(LIBRARIES)
    if unknown:
        raise SystemExit(f"unknown libraries {sorted(unknown)}; expected some of {', '.join(LIBRARIES)}")
    if args.versus not in libraries:
        raise SystemExit(f"--versus {args.versus} is not among --libraries")
    if set(libraries) & set(PEERS):
        import_others()
    imported = import_files("orlib-jssp", [DATA / f"{n}.txt" for n in names], DATA / "reference.csv")
    instances = {d["name"]: parse_instance(d) for d in imported.instances}
    refs = {d["name"]: d["meta"].get("reference") or {} for d in imported.instances}
    classes = {name: size_class(inst) for name, inst in instances.items()}
    tag = f"w{args.workers}_t{args.time_limit:g}"
    out = Path(args.out) if args.out else Path(tempfile.gettempdir()) / f"schedbench_jssp_sbs_{tag}.jsonl"
    results: dict[tuple[str, str], dict[str, Any]] = {}
    if out.exists():
        for line in out.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                r.setdefault("seed", 0)  # files written before seeds were recorded
                results[(r["instance"], r["library"], r["seed"])] = r
    print(
        f"ortools {ortools.__version__} for all; limit {args.time_limit:g}s, W={args.workers}, "
        f"seeds {seeds}; {os.cpu_count()} cores; {out}"
    )
    with out.open("a") as handle:
        for seed in seeds:  # seed-major, so a run cut short still covers every instance
            for name in names:
                for lib in libraries:
                    if (name, lib, seed) in results:
                        continue
                    r = run_one(instances[name], lib, args.time_limit, args.workers, seed)
                    handle.write(json.dumps(r) + "\n")
                    handle.flush()
                    results[(name, lib, seed)] = r
                    load = os.getloadavg()[0]
                    print(
                        f"  seed {seed} {name:<6} {lib:<13} {r['status']:<9} {r['objective']} "
                        f"(lb {r['bound']}) {r['time_s']}s load {load:.1f}",
                        flush=True,
                    )
    print_table(names, seeds, results, refs, libraries, args.versus, classes)
    print_noise_check(names, seeds, results, libraries, args.versus)


if __name__ == "__main__":
    main()
