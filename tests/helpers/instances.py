"""Tiny random instance builders for the solver tests (plain dicts, parsed by schedbench.problems)."""

from __future__ import annotations

import random
from typing import Any

from schedbench.problems import parse_instance


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
            "schema": "schedbench/instance/v1",
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
    return parse_instance(
        {"schema": "schedbench/instance/v1", "problem": "smtt", "name": f"smtt_{seed}", "jobs": jobs}
    )


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
            "schema": "schedbench/instance/v1",
            "problem": "jssp",
            "name": f"jssp_{seed}",
            "machines": machines,
            "jobs": rows,
        }
    )
