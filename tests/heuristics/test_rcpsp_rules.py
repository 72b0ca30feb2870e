"""RCPSP rules: every output honours everything but deadlines on random instances (and verifies when there
are no deadlines)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.heuristics import list_heuristics, run_heuristic
from schedbench.problems import parse_instance, verify


def rcpsp_instance(seed, side):
    rng = np.random.default_rng(seed)
    n, r = int(rng.integers(2, 9)), int(rng.integers(1, 3))
    caps = rng.integers(1, 5, r)
    resources = []
    for k in range(r):
        res = {"name": f"R{k}", "capacity": int(caps[k])}
        if side and rng.random() < 0.6:
            a = int(rng.integers(0, 15))
            res["downtime"] = [[a, a + int(rng.integers(1, 6))]]
        resources.append(res)
    tasks = []
    for i in range(n):
        task = {
            "name": f"T{i}",
            "duration": int(rng.integers(0, 6)),
            "demands": {f"R{k}": int(rng.integers(0, caps[k] + 1)) for k in range(r)},
        }
        if side and rng.random() < 0.3:
            task["release"] = int(rng.integers(0, 10))
        if side and rng.random() < 0.2:
            task["deadline"] = int(rng.integers(5, 30))
        tasks.append(task)
    precedences = [[f"T{a}", f"T{b}"] for a in range(n) for b in range(a + 1, n) if rng.random() < 0.25]
    disjunctive = [
        [f"T{a}", f"T{b}"] for a in range(n) for b in range(a + 1, n) if side and rng.random() < 0.15
    ]
    obj = {
        "schema": "schedbench/instance/v1",
        "problem": "rcpsp",
        "name": f"r{seed}",
        "resources": resources,
        "tasks": tasks,
        "precedences": precedences,
        "disjunctive": disjunctive,
    }
    return parse_instance(obj)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 100_000), st.booleans())
def test_rcpsp_rules_honour_everything_but_deadlines(seed, side):
    inst = rcpsp_instance(seed, side)
    for h in list_heuristics("rcpsp"):
        check = verify(inst, run_heuristic(inst, h.name))
        codes = set(check.counts())
        assert codes <= {"deadline"}, (h.name, check.violations)
        assert check.objective is not None
        if not any(d is not None for d in inst.deadlines):
            assert check.feasible
