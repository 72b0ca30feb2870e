"""The vectorised verifiers agree with naive, independent checkers on random instances and schedules."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.problems import parse_instance, verify


@st.composite
def rcpsp_case(draw):
    n = draw(st.integers(1, 7))
    num_res = draw(st.integers(1, 2))
    resources = []
    for r in range(num_res):
        windows = draw(st.lists(st.tuples(st.integers(0, 15), st.integers(1, 4)), max_size=2))
        resources.append(
            {
                "name": f"R{r}",
                "capacity": draw(st.integers(1, 3)),
                "downtime": [[s, s + w] for s, w in windows],
            }
        )
    tasks = []
    for i in range(n):
        task = {"name": f"T{i}", "duration": draw(st.integers(0, 5)), "demands": {}}
        for r in range(num_res):
            amount = draw(st.integers(0, resources[r]["capacity"]))
            if amount:
                task["demands"][f"R{r}"] = amount
        if draw(st.booleans()):
            task["release"] = draw(st.integers(0, 6))
        if draw(st.booleans()):
            task["deadline"] = draw(st.integers(0, 20))
        tasks.append(task)
    pairs = list(itertools.combinations(range(n), 2))
    prec = draw(st.lists(st.sampled_from(pairs), max_size=5, unique=True)) if pairs else []
    disj = draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True)) if pairs else []
    obj = {
        "schema": "schedbench/instance/v1",
        "problem": "rcpsp",
        "name": "h",
        "resources": resources,
        "tasks": tasks,
        "precedences": [[f"T{a}", f"T{b}"] for a, b in prec],
        "disjunctive": [[f"T{a}", f"T{b}"] for a, b in disj],
    }
    starts = {f"T{i}": draw(st.integers(0, 20)) for i in range(n)}
    return obj, starts


def naive_rcpsp_codes(obj, starts) -> set[str]:
    """Time-stepped check, one unit of time at a time."""
    codes = set()
    dur = {t["name"]: t["duration"] for t in obj["tasks"]}
    end = {k: starts[k] + dur[k] for k in starts}
    for a, b in obj["precedences"]:
        if starts[b] < end[a]:
            codes.add("precedence")
    for a, b in obj["disjunctive"]:
        if any(starts[a] <= t < end[a] and starts[b] <= t < end[b] for t in range(0, 40)):
            codes.add("disjunctive")
    for task in obj["tasks"]:
        if starts[task["name"]] < task.get("release", 0):
            codes.add("release")
        if "deadline" in task and end[task["name"]] > task["deadline"]:
            codes.add("deadline")
    for res in obj["resources"]:
        for t in range(0, 40):
            used = sum(
                task["demands"].get(res["name"], 0)
                for task in obj["tasks"]
                if starts[task["name"]] <= t < end[task["name"]]
            )
            if used > res["capacity"]:
                codes.add("capacity")
            if used and any(s <= t < e for s, e in res["downtime"]):
                codes.add("downtime")
    return codes


@settings(max_examples=300, deadline=None)
@given(rcpsp_case())
def test_rcpsp_verifier_matches_time_stepped_check(case) -> None:
    obj, starts = case
    result = verify(parse_instance(obj), {"starts": starts})
    expected = naive_rcpsp_codes(obj, starts)
    assert {v.code for v in result.violations} == expected
    assert result.feasible == (not expected)
    durations = {t["name"]: t["duration"] for t in obj["tasks"]}
    assert result.objective == max(starts[k] + durations[k] for k in starts)


@st.composite
def jssp_case(draw):
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 4))
    jobs = []
    for j in range(n):
        ops = draw(st.lists(st.tuples(st.integers(0, m - 1), st.integers(0, 4)), min_size=1, max_size=3))
        jobs.append({"name": f"J{j}", "operations": [{"machine": a, "duration": b} for a, b in ops]})
    obj = {"schema": "schedbench/instance/v1", "problem": "jssp", "name": "h", "machines": m, "jobs": jobs}
    starts = {job["name"]: [draw(st.integers(0, 12)) for _ in job["operations"]] for job in jobs}
    return obj, starts


@settings(max_examples=300, deadline=None)
@given(jssp_case())
def test_jssp_verifier_matches_pairwise_check(case) -> None:
    obj, starts = case
    ops = []
    order_violations = 0
    for job in obj["jobs"]:
        s = starts[job["name"]]
        for k, op in enumerate(job["operations"]):
            ops.append((op["machine"], s[k], s[k] + op["duration"]))
            if k and s[k] < s[k - 1] + job["operations"][k - 1]["duration"]:
                order_violations += 1
    overlaps = sum(
        1
        for (ma, sa, ea), (mb, sb, eb) in itertools.combinations(ops, 2)
        if ma == mb and ea > sa and eb > sb and max(sa, sb) < min(ea, eb)
    )
    result = verify(parse_instance(obj), {"starts": starts})
    counts = result.counts()
    assert counts.get("machine_overlap", 0) == overlaps
    assert counts.get("operation_order", 0) == order_violations
    assert result.objective == max(e for _, _, e in ops)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 20), st.integers(-10, 60), st.integers(0, 5)), min_size=1, max_size=8),
    st.randoms(use_true_random=False),
)
def test_smtt_objective_matches_loop(jobs, rng) -> None:
    obj = {
        "schema": "schedbench/instance/v1",
        "problem": "smtt",
        "name": "h",
        "jobs": [
            {"name": f"j{i}", "processing_time": p, "due_date": d, "weight": w}
            for i, (p, d, w) in enumerate(jobs)
        ],
    }
    order = list(range(len(jobs)))
    rng.shuffle(order)
    t = total = 0
    for i in order:
        p, d, w = jobs[i]
        t += p
        total += w * max(0, t - d)
    result = verify(parse_instance(obj), {"sequence": [f"j{i}" for i in order]})
    assert result.feasible and result.objective == total
