"""Instance builders shared by the tests: the tiny hand-checked instances (as JSON dicts) and small random
instances (parsed). `tests/conftest.py` serves the hand-checked ones as fixtures."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

from helpers.paths import DATA
from schedbench.datasets.importers import import_files
from schedbench.problems import Instance, parse_instance
from schedbench.problems.jssp import JsspInstance

SCHEMA = "schedbench/instance/v1"

# The SMTT paper's worked example: MDDC finds 141 (optimal, by enumeration), MDD 144.
GOLDEN_P = [10, 11, 10, 10, 11, 10]
GOLDEN_D = [15, 11, 13, 11, 12, 11]
GOLDEN_BEST = [f"J{i}" for i in [3, 5, 2, 0, 1, 4]]


def smtt_dict(
    p: list[int], d: list[int], w: list[int] | None = None, *, name: str = "g", meta: dict | None = None
) -> dict:
    """An SMTT whose jobs are J0, J1, ... with processing times `p`, due dates `d` and weights `w`; `meta`
    is written only when given."""
    jobs = []
    for i, (pi, di) in enumerate(zip(p, d)):
        job: dict[str, Any] = {"name": f"J{i}", "processing_time": int(pi), "due_date": int(di)}
        if w is not None:
            job["weight"] = int(w[i])
        jobs.append(job)
    obj: dict[str, Any] = {"schema": SCHEMA, "problem": "smtt", "name": name, "jobs": jobs}
    if meta is not None:
        obj["meta"] = meta
    return obj


def golden_smtt_dict(name: str = "g", meta: dict | None = None) -> dict:
    """The paper's worked example (optimum 141)."""
    return smtt_dict(GOLDEN_P, GOLDEN_D, name=name, meta=meta)


def crossing_jssp_dict(name: str = "j", meta: dict | None = None) -> dict:
    """Two jobs on two machines with crossing routes (A: m0 3, m1 2; B: m1 2, m0 4); the optimum is 7."""
    obj: dict[str, Any] = {
        "schema": SCHEMA,
        "problem": "jssp",
        "name": name,
        "machines": 2,
        "jobs": [
            {"name": "A", "operations": [{"machine": 0, "duration": 3}, {"machine": 1, "duration": 2}]},
            {"name": "B", "operations": [{"machine": 1, "duration": 2}, {"machine": 0, "duration": 4}]},
        ],
    }
    if meta is not None:
        obj["meta"] = meta
    return obj


def one_crew_rcpsp_dict(
    name: str = "r", meta: dict | None = None, precedences: list[list[str]] | None = None
) -> dict:
    """Tasks T0, T1, T2 of durations 1, 2, 3 that each need the one unit of resource R (makespan 6)."""
    obj: dict[str, Any] = {
        "schema": SCHEMA,
        "problem": "rcpsp",
        "name": name,
        "resources": [{"name": "R", "capacity": 1}],
        "tasks": [{"name": f"T{i}", "duration": i + 1, "demands": {"R": 1}} for i in range(3)],
    }
    if precedences is not None:
        obj["precedences"] = precedences
    if meta is not None:
        obj["meta"] = meta
    return obj


def random_jssp_routes(n: int, m: int, seed: int, zero: bool = False) -> JsspInstance:
    """`n` jobs that each visit all `m` machines in a random order (numpy's generator); `zero` allows
    zero-length operations."""
    rng = np.random.default_rng(seed)
    jobs = []
    for j in range(n):
        machines = rng.permutation(m)
        ops = [{"machine": int(k), "duration": int(rng.integers(0 if zero else 1, 10))} for k in machines]
        jobs.append({"name": f"J{j}", "operations": ops})
    inst = parse_instance(
        {"schema": SCHEMA, "problem": "jssp", "name": f"r{seed}", "machines": m, "jobs": jobs}
    )
    assert isinstance(inst, JsspInstance)
    return inst


def random_rcpsp(seed: int, n: int = 7, side: bool = True) -> Any:
    """A small RCPSP with two resources; `side` adds downtime, windows and disjunctive pairs."""
    rng = random.Random(seed)
    resources = [{"name": "r0", "capacity": rng.randint(2, 4)}, {"name": "r1", "capacity": rng.randint(1, 3)}]
    if side:
        start = rng.randint(2, 8)
        resources[0]["downtime"] = [[start, start + rng.randint(1, 3)]]
    tasks = []
    for i in range(n):
        task: dict[str, Any] = {
            "name": f"t{i}",
            "duration": rng.randint(1, 5),
            "demands": {r["name"]: rng.randint(0, r["capacity"]) for r in resources},
        }
        if side and rng.random() < 0.3:
            task["release"] = rng.randint(0, 6)
        if side and rng.random() < 0.2:
            task["deadline"] = rng.randint(15, 30)
        tasks.append(task)
    precedences = [[f"t{a}", f"t{b}"] for a in range(n) for b in range(a + 1, n) if rng.random() < 0.15]
    disjunctive = []
    if side:
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        disjunctive = [[f"t{a}", f"t{b}"] for a, b in rng.sample(pairs, 2)]
    return parse_instance(
        {
            "schema": SCHEMA,
            "problem": "rcpsp",
            "name": f"rcpsp_{seed}",
            "resources": resources,
            "tasks": tasks,
            "precedences": precedences,
            "disjunctive": disjunctive,
        }
    )


def random_smtt(seed: int, n: int = 8, weighted: bool = False, tie_heavy: bool = False) -> Any:
    """A small SMTT; `tie_heavy` draws from tiny ranges so equal p and d are common."""
    rng = random.Random(seed)
    hi = 4 if tie_heavy else 20
    p = [rng.randint(1, hi) for _ in range(n)]
    total = sum(p)
    jobs = []
    for j in range(n):
        job: dict[str, Any] = {"name": f"j{j}", "processing_time": p[j], "due_date": rng.randint(0, total)}
        if weighted:
            job["weight"] = rng.randint(1, 5)
        jobs.append(job)
    return parse_instance({"schema": SCHEMA, "problem": "smtt", "name": f"smtt_{seed}", "jobs": jobs})


def random_jssp(seed: int, jobs: int = 4, machines: int = 3, partial: bool = False) -> Any:
    """A small job shop where each job visits every machine once in random order (`partial`: only some
    of the machines, and durations up to 19)."""
    rng = random.Random(seed)
    rows = []
    for j in range(jobs):
        order = list(range(machines))
        rng.shuffle(order)
        if partial:
            order = order[: rng.randint(1, machines)]
        ops = [{"machine": m, "duration": rng.randint(1, 19 if partial else 9)} for m in order]
        rows.append({"name": f"j{j}", "operations": ops})
    return parse_instance(
        {
            "schema": SCHEMA,
            "problem": "jssp",
            "name": f"jssp_{seed}",
            "machines": machines,
            "jobs": rows,
        }
    )


def ft06() -> Instance:
    """Fisher and Thompson's 6x6 job shop (optimum 55) from the shared data; skips the test without it."""
    if not (DATA / "jssp" / "ft06.txt").exists():
        pytest.skip("shared data not present")
    result = import_files("orlib-jssp", [DATA / "jssp" / "ft06.txt"], DATA / "jssp" / "reference.csv")
    return parse_instance(result.instances[0])


def infeasible_rcpsp_dict() -> dict:
    """Two tasks that must both finish by 5 but need the whole of one resource for 3 each."""
    return {
        "schema": SCHEMA,
        "problem": "rcpsp",
        "name": "too_tight",
        "resources": [{"name": "crane", "capacity": 1}],
        "tasks": [
            {"name": "a", "duration": 3, "demands": {"crane": 1}, "deadline": 5},
            {"name": "b", "duration": 3, "demands": {"crane": 1}, "deadline": 5},
        ],
        "precedences": [],
    }
