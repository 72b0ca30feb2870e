"""Fuzzing the data contract: no input makes `validate` or `verify` raise anything but a located
`SchedbenchError`, and at the contract's extreme values the verifiers agree with slow, independent checks.

The slow checks use Python integers and event sweeps, so they stay exact where int64 arithmetic would not.
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedbench.datasets.checking import validate_file, verify_file
from schedbench.problems import SchedbenchError, parse_instance, verify

BIG = 10**12  # the largest magnitude the contract admits anywhere
HEAD = {"schema": "schedbench/instance/v1"}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

SEEDS = {
    "rcpsp": {
        **HEAD,
        "problem": "rcpsp",
        "name": "r",
        "resources": [{"name": "crew", "capacity": 2, "downtime": [[2, 4]]}],
        "tasks": [
            {"name": "a", "duration": 2, "demands": {"crew": 1}},
            {"name": "b", "duration": 3, "demands": {"crew": 2}, "release": 1, "deadline": 20},
        ],
        "precedences": [["a", "b"]],
        "disjunctive": [],
    },
    "smtt": {
        **HEAD,
        "problem": "smtt",
        "name": "s",
        "jobs": [
            {"name": "x", "processing_time": 3, "due_date": 2, "weight": 2},
            {"name": "y", "processing_time": 1, "due_date": 5},
        ],
    },
    "jssp": {
        **HEAD,
        "problem": "jssp",
        "name": "j",
        "machines": 2,
        "jobs": [
            {"name": "A", "operations": [{"machine": 0, "duration": 3}, {"machine": 1, "duration": 2}]},
            {"name": "B", "operations": [{"machine": 1, "duration": 2}, {"machine": 0, "duration": 4}]},
        ],
    },
}
SOLUTIONS = {
    "rcpsp": {"instance": "r", "starts": {"a": 0, "b": 4}},
    "smtt": {"instance": "s", "sequence": ["y", "x"]},
    "jssp": {"instance": "j", "starts": {"A": [0, 3], "B": [0, 3]}},
}

odd_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=8) | st.sampled_from(
    ["\ud800", "a\u2028b", "\x00", "", " ", "<b>", "é" * 3]
)
odd_numbers = st.sampled_from([0, -1, 1, BIG, BIG + 1, -BIG - 1, 2**63, -(2**63) - 1, 2.5, 3.0, 1e308, -0.0])
json_leaf = st.none() | st.booleans() | odd_numbers | st.integers() | odd_text
json_value = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_text, inner, max_size=3),
    max_leaves=8,
)


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += _paths(item, (*prefix, index))
    return out


@st.composite
def mutated(draw, base: dict) -> dict:
    """A copy of `base` with a few values replaced, removed or nested deeper."""
    obj = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(obj) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = obj
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "nest"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "nest":
            parent[path[-1]] = [parent[path[-1]]]
        else:
            parent[path[-1]] = draw(json_value)
    return obj


def _only_located_errors(call) -> None:
    try:
        call()
    except SchedbenchError as err:
        assert "\n" not in str(err), str(err)


def _write(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj) + "\n", encoding="utf-8")


@FUZZ
@given(st.sampled_from(sorted(SEEDS)).flatmap(lambda p: mutated(SEEDS[p])))
def test_validate_never_raises_anything_else(tmp_path_factory, instance):
    path = tmp_path_factory.mktemp("v") / "i.jsonl"
    _write(path, instance)
    _only_located_errors(lambda: validate_file(path))


@FUZZ
@given(st.sampled_from(sorted(SEEDS)).flatmap(lambda p: st.tuples(st.just(p), mutated(SOLUTIONS[p]))))
def test_verify_never_raises_anything_else(tmp_path_factory, case):
    problem, solution = case
    folder = tmp_path_factory.mktemp("s")
    _write(folder / "i.jsonl", SEEDS[problem])
    _write(folder / "s.jsonl", solution)
    _only_located_errors(lambda: [c.to_dict() for c in verify_file(folder / "i.jsonl", folder / "s.jsonl")])


@FUZZ
@given(
    st.sampled_from(['"', "[" * 50_000, '{"a":' * 50_000, "1" * 5000, '{"x": 1, "x": 2}', "NaN", "\ud800"])
)
def test_raw_text_never_raises_anything_else(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("t") / "i.jsonl"
    path.write_text(text + "\n", encoding="utf-8", errors="surrogatepass")
    _only_located_errors(lambda: validate_file(path))


# ---- extreme values: the fast verifiers against slow exact ones --------------------------------------
extreme = st.sampled_from([0, 1, 2, BIG // 3, BIG // 2, BIG - 1, BIG]) | st.integers(0, BIG)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(extreme, st.integers(-BIG, BIG), extreme), min_size=1, max_size=6), st.randoms())
def test_weighted_tardiness_is_exact_at_the_extremes(jobs, rng):
    obj = {
        **HEAD,
        "problem": "smtt",
        "name": "x",
        "jobs": [
            {"name": f"J{i}", "processing_time": p, "due_date": d, "weight": w}
            for i, (p, d, w) in enumerate(jobs)
        ],
    }
    try:
        inst = parse_instance(obj)
    except SchedbenchError:
        return  # a sum beyond what the contract admits is refused, which is also exact
    order = list(range(len(jobs)))
    rng.shuffle(order)
    t, total = 0, 0
    for i in order:
        p, d, w = jobs[i]
        t += p
        total += w * max(0, t - d)
    result = verify(inst, {"sequence": [f"J{i}" for i in order]})
    assert result.feasible and result.objective == total


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 3),
    st.lists(
        st.lists(st.tuples(st.integers(0, 2), extreme, extreme), min_size=1, max_size=3),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from([0, 5 * 10**6, 9 * 10**6, 10**7, 10**9, BIG - 3]) | st.integers(0, 10**7),
)
def test_job_shop_overlaps_are_exact_at_the_extremes(m, jobs, machine_offset):
    machines = m + machine_offset  # machine indices far above int32 and near 2^63 / BIG in the sort key
    ops = [[(min(k, m - 1) + machine_offset, d, s) for k, d, s in job] for job in jobs]
    obj = {
        **HEAD,
        "problem": "jssp",
        "name": "x",
        "machines": machines,
        "jobs": [
            {"name": f"J{j}", "operations": [{"machine": k, "duration": d} for k, d, _ in job]}
            for j, job in enumerate(ops)
        ],
    }
    starts = {f"J{j}": [s for _, _, s in job] for j, job in enumerate(ops)}
    try:
        inst = parse_instance(obj)
    except SchedbenchError:
        return
    flat = [(k, s, s + d) for job in ops for k, d, s in job]
    overlaps = sum(
        1
        for (ka, sa, ea), (kb, sb, eb) in itertools.combinations(flat, 2)
        if ka == kb and ea > sa and eb > sb and max(sa, sb) < min(ea, eb)
    )
    order = sum(1 for job in ops for (_, d0, s0), (_, _, s1) in itertools.pairwise(job) if s1 < s0 + d0)
    result = verify(inst, {"starts": starts})
    counts = result.counts()
    assert counts.get("machine_overlap", 0) == overlaps
    assert counts.get("operation_order", 0) == order
    assert result.objective == max(e for _, _, e in flat)
