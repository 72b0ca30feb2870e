"""JSSP and RCPSP rules: every output verifies (RCPSP: only deadlines may be missed) on random instances."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.heuristics import list_heuristics, run_heuristic
from schedbench.heuristics.jssp_sgs import giffler_thompson
from schedbench.problems import parse_instance, verify


def jssp_instance(n, m, seed, zero=False):
    rng = np.random.default_rng(seed)
    jobs = []
    for j in range(n):
        machines = rng.permutation(m)
        ops = [{"machine": int(k), "duration": int(rng.integers(0 if zero else 1, 10))} for k in machines]
        jobs.append({"name": f"J{j}", "operations": ops})
    obj = {
        "schema": "schedbench/instance/v1",
        "problem": "jssp",
        "name": f"r{seed}",
        "machines": m,
        "jobs": jobs,
    }
    return parse_instance(obj)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(0, 10_000), st.booleans())
def test_jssp_rules_verify(n, m, seed, zero):
    inst = jssp_instance(n, m, seed, zero)
    lower = max(
        max(sum(d for _, d in ops) for ops in inst.operations),
        max(int(inst.op_duration[inst.op_machine == k].sum()) for k in range(m)),
    )
    for h in list_heuristics("jssp"):
        check = verify(inst, run_heuristic(inst, h.name))
        assert check.feasible, (h.name, check.violations)
        assert check.objective >= lower


def test_active_scheme_reaches_an_optimum_on_ft06_style_tiny_case():
    # Two jobs, two machines, crossing routes: optimum 7 is an active schedule that SPT-active finds.
    obj = {
        "schema": "schedbench/instance/v1",
        "problem": "jssp",
        "name": "x",
        "machines": 2,
        "jobs": [
            {"name": "A", "operations": [{"machine": 0, "duration": 3}, {"machine": 1, "duration": 2}]},
            {"name": "B", "operations": [{"machine": 1, "duration": 2}, {"machine": 0, "duration": 4}]},
        ],
    }
    inst = parse_instance(obj)
    starts = giffler_thompson(inst, lambda ops, s: inst.op_duration[ops], "active")
    assert (
        verify(
            inst, {"instance": "x", "starts": {"A": starts[:2].tolist(), "B": starts[2:].tolist()}}
        ).objective
        == 7
    )


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
