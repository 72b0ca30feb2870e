"""Per-task overhead of the Dask path against the local process pool, side by side in one run.

    python benchmarks/bench_scaleout.py                     # 1,000 leaderboard tasks, 50 CP-SAT solves, 2 workers
    python benchmarks/bench_scaleout.py --tasks 200 --solves 20

Both engines get the same number of single-thread workers (``--workers``, default 2) on this machine and
are warmed up first (worker processes started, schedbench and OR-Tools imported), so the figures are the
cost of running tasks, not of starting workers; the start-up times are printed apart. The workloads:

* leaderboard: ``--tasks`` tiny SMTT instances (n=8, the rule ``edd``; the leaderboard ships up to 16
  instances per engine task), so the cost per instance is nearly all engine overhead;
* solves: ``--solves`` job shops (10x10) with CP-SAT, 1 thread, a deterministic-time limit, the way
  ``schedbench solve`` runs them;
* discover: one candidate (the MDD seed as a sandboxed plug-in) scored on ``--candidate`` SMTT instances
  (n=100), the way ``discover run`` scores it: one by one in this process (its default) against the
  engine (``--cluster``); the two scores must be equal.

Each engine's wall time per task and the ratio Dask / local are printed; the target for the solves is a
ratio under 1.10. Needs ``pip install "schedbench[dask]"``.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from schedbench.datasets.executors import DaskEngine, Engine, LocalEngine
from schedbench.datasets.references import Reference, ReferenceKind
from schedbench.discover.scoring import Score, Split, score_builtin, score_plugin
from schedbench.discover.seeds import seeds
from schedbench.generators.jssp import generate_jssp
from schedbench.generators.smtt import generate_smtt
from schedbench.heuristics.leaderboard import _worker_init, run_leaderboard
from schedbench.heuristics.sandbox import Limits
from schedbench.problems import parse_instance
from schedbench.solvers import SolveOptions
from schedbench.solvers.batch import solve_file


def write(path: Path, instances: list[dict]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in instances))
    return path


def timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def candidate_split(folder: Path, count: int) -> tuple[Split, Path]:
    """``count`` SMTT instances (n=100) with MDD's objectives as references, and the MDD seed's file."""
    dicts = generate_smtt(jobs=100, tf=[0.2, 0.6, 1.0], rdd=[0.2, 0.6, 1.0], per_class=count // 9 + 1, seed=3)
    path = write(folder / "candidate.jsonl", dicts[:count])
    instances = [parse_instance(d) for d in dicts[:count]]
    split = Split(
        "train", str(path), instances, {i.name: Reference(1, ReferenceKind.BEST_KNOWN) for i in instances}
    )
    values = score_builtin("mdd", split).objectives
    split.refs = {i.name: Reference(max(v, 1), ReferenceKind.BEST_KNOWN) for i, v in zip(instances, values)}
    plugin = folder / "mdd_seed.py"
    plugin.write_text(next(s for s in seeds("smtt", "priority") if s.name == "mdd").source)
    return split, plugin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=1000, help="leaderboard tasks (instances)")
    parser.add_argument("--solves", type=int, default=50, help="CP-SAT solves")
    parser.add_argument("--workers", type=int, default=2, help="worker processes per engine")
    parser.add_argument(
        "--candidate", type=int, default=200, help="instances a discover candidate is scored on"
    )
    parser.add_argument("--deterministic-time", type=float, default=1.0, help="CP-SAT limit per solve")
    args = parser.parse_args()
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise SystemExit('this benchmark needs Dask: pip install "schedbench[dask]"') from None

    tmp = Path(tempfile.mkdtemp(prefix="bench_scaleout_"))
    smtt = generate_smtt(jobs=8, tf=[0.6], rdd=[0.4], per_class=args.tasks + 4, seed=1)
    board_data = write(tmp / "board.jsonl", smtt[: args.tasks])
    board_warm = write(tmp / "board_warm.jsonl", smtt[args.tasks :])
    jssp = generate_jssp(jobs=10, machines=10, count=args.solves + 4, seed=7)
    solve_data = write(tmp / "solve.jsonl", jssp[: args.solves])
    solve_warm = write(tmp / "solve_warm.jsonl", jssp[args.solves :])
    split, plugin = candidate_split(tmp, args.candidate)
    limits = Limits(cpu_seconds=60, wall_seconds=120)
    scores: dict[str, Score] = {}

    def run_candidate(engine: Engine | None, key: str) -> None:
        scores[key] = score_plugin(str(plugin), split, limits, executor=engine)

    options = SolveOptions(time_limit=60, deterministic_time=args.deterministic_time, workers=1)

    def run_board(engine: Engine, data: Path, out: str) -> None:
        run_leaderboard(str(data), str(tmp / out), heuristics="edd", executor=engine)

    def run_solve(engine: Engine, data: Path, out: str) -> None:
        solve_file(data, tmp / out, solver="cpsat", options=options, executor=engine)

    results: dict[str, dict[str, float]] = {}
    start_local = time.perf_counter()
    with LocalEngine(args.workers, initializer=_worker_init) as local:
        run_board(local, board_warm, "warm_local_board")
        run_solve(local, solve_warm, "warm_local.jsonl")
        results["start"] = {"local": time.perf_counter() - start_local}
        results["board"] = {"local": timed(lambda: run_board(local, board_data, "local_board"))}
        results["solve"] = {"local": timed(lambda: run_solve(local, solve_data, "local.jsonl"))}
    results["discover"] = {"local": timed(lambda: run_candidate(None, "local"))}
    start_dask = time.perf_counter()
    cluster = LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    with DaskEngine(Client(cluster), cluster=cluster) as dask:
        run_board(dask, board_warm, "warm_dask_board")
        run_solve(dask, solve_warm, "warm_dask.jsonl")
        results["start"]["dask"] = time.perf_counter() - start_dask
        results["board"]["dask"] = timed(lambda: run_board(dask, board_data, "dask_board"))
        results["solve"]["dask"] = timed(lambda: run_solve(dask, solve_data, "dask.jsonl"))
        run_candidate(dask, "warm")
        results["discover"]["dask"] = timed(lambda: run_candidate(dask, "dask"))
    same = (scores["local"].fitness, scores["local"].objectives) == (
        scores["dask"].fitness,
        scores["dask"].objectives,
    )
    if not (scores["local"].valid and same):
        raise SystemExit(f"the candidate's scores differ: {scores['local']} against {scores['dask']}")

    counts = {"board": args.tasks, "solve": args.solves, "discover": args.candidate}
    labels = {
        "board": f"{args.tasks} leaderboard instances",
        "solve": f"{args.solves} CP-SAT solves",
        "discover": f"a candidate on {args.candidate}",
    }
    print(f"{args.workers} single-thread workers per engine, warm; data in {tmp}")
    print(
        f"{'workload':26} {'local s':>9} {'dask s':>9} {'local ms/each':>14} {'dask ms/each':>13} {'ratio':>7}"
    )
    for key in ("board", "solve", "discover"):
        local_s, dask_s = results[key]["local"], results[key]["dask"]
        n = counts[key]
        print(
            f"{labels[key]:26} {local_s:9.2f} {dask_s:9.2f} {1000 * local_s / n:14.2f} "
            f"{1000 * dask_s / n:13.2f} {dask_s / local_s:7.2f}"
        )
    ratio = results["solve"]["dask"] / results["solve"]["local"]
    verdict = "met" if ratio < 1.10 else "missed"
    print(
        f"start-up incl. warm-up batch: local {results['start']['local']:.2f} s, dask {results['start']['dask']:.2f} s"
    )
    print(f"solves: Dask / local = {ratio:.3f} (target < 1.10: {verdict})")
    print(
        "discover: 'local' scores the candidate one by one in this process (discover run's default), "
        f"'dask' on {args.workers} workers; both gave the same objectives on all {args.candidate} instances"
    )


if __name__ == "__main__":
    main()
