"""One home per algorithm: derived instance structure, the shared schedule builders, and where the old
copies disagreed (the behaviour kept is pinned here)."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.heuristics.smtt_rules import adjacent_interchange, mdd_order
from schedbench.llm_eval.baseline_server import rule_for
from schedbench.problems import parse_instance, verify
from schedbench.problems.rcpsp import find_cycle
from schedbench.problems.smtt import total_tardiness
from schedbench.solvers.cpsat.hints import jssp_incumbent, smtt_heuristic

SCHEMA = "schedbench/instance/v1"


def rcpsp(durations, edges, *, capacity=2, demands=None, releases=None, deadlines=None, downtime=()):
    tasks = []
    for i, p in enumerate(durations):
        task = {"name": f"t{i}", "duration": p, "demands": {"r": (demands or [1] * len(durations))[i]}}
        if releases and releases[i]:
            task["release"] = releases[i]
        if deadlines and deadlines[i] is not None:
            task["deadline"] = deadlines[i]
        tasks.append(task)
    resource = {"name": "r", "capacity": capacity, "downtime": [list(w) for w in downtime]}
    return parse_instance(
        {
            "schema": SCHEMA,
            "problem": "rcpsp",
            "name": "x",
            "resources": [resource],
            "tasks": tasks,
            "precedences": [[f"t{a}", f"t{b}"] for a, b in edges],
        }
    )


@st.composite
def dags(draw, max_tasks=9):
    n = draw(st.integers(1, max_tasks))
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=12)) if pairs else []
    perm = draw(st.permutations(range(n)))  # hide the index order
    edges = [(perm[a], perm[b]) for a, b in chosen]
    durations = draw(st.lists(st.integers(0, 9), min_size=n, max_size=n))
    releases = draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))
    return durations, edges, releases


@settings(max_examples=60, deadline=None)
@given(dags())
def test_derived_structure_matches_its_definition(dag):
    durations, edges, releases = dag
    inst = rcpsp(durations, edges, releases=releases)
    n = len(durations)
    assert inst.predecessors == tuple(tuple(a for a, b in edges if b == i) for i in range(n))
    assert inst.successors == tuple(tuple(b for a, b in edges if a == i) for i in range(n))
    order = inst.topological_order
    assert sorted(order) == list(range(n))
    position = {task: k for k, task in enumerate(order)}
    assert all(position[a] < position[b] for a, b in edges)
    # the smallest ready index goes first
    done: set[int] = set()
    for task in order:
        ready = [i for i in range(n) if i not in done and set(inst.predecessors[i]) <= done]
        assert task == min(ready)
        done.add(task)
    # earliest starts and latest finishes by their fixpoint equations
    es = inst.earliest_starts
    for i in range(n):
        assert es[i] == max([releases[i]] + [es[p] + durations[p] for p in inst.predecessors[i]])
    horizon = inst.safe_horizon
    lf = inst.latest_finishes(horizon)
    for i in range(n):
        assert lf[i] == min([horizon] + [lf[s] - durations[s] for s in inst.successors[i]])
    assert inst.critical_path_length == max(int(es[i]) + durations[i] for i in range(n))
    assert inst.total_work == sum(durations)
    assert find_cycle(n, inst.precedences) is None


def test_a_cycle_is_still_reported_by_name():
    with pytest.raises(Exception, match="precedence cycle"):
        rcpsp([1, 1, 1], [(0, 1), (1, 2), (2, 0)])


def test_cached_structure_is_read_only_and_survives_pickling():
    inst = rcpsp([2, 3, 1], [(0, 1), (0, 2)], releases=[1, 0, 0])
    es = inst.earliest_starts
    assert inst.earliest_starts is es  # computed once
    with pytest.raises(ValueError):
        es[0] = 5
    copy = pickle.loads(pickle.dumps(inst))
    assert copy.topological_order == inst.topological_order == (0, 1, 2)
    assert copy.earliest_starts.tolist() == [1, 3, 3]
    fresh = pickle.loads(pickle.dumps(rcpsp([2, 3, 1], [(0, 1), (0, 2)], releases=[1, 0, 0])))
    assert fresh.safe_horizon == inst.safe_horizon == 1 + 6


def _optimum_by_enumeration(inst, bound: int) -> int | None:
    best = None
    for starts in itertools.product(range(bound + 1), repeat=inst.num_tasks):
        solution = {"starts": {t: s for t, s in zip(inst.task_names, starts)}}
        verdict = verify(inst, solution)
        if verdict.feasible and (best is None or verdict.objective < best):
            best = verdict.objective
    return best


@pytest.mark.parametrize("seed", range(8))
def test_safe_horizon_needs_no_deadline_term(seed):
    """The CP-SAT hints added the latest deadline to the horizon, the instance's bound did not. The bound
    without deadlines holds (a left-shifted optimum ends by the last release or downtime end plus the total
    work), so it is the one kept: here it is checked against every schedule up to a much later time."""
    rng = np.random.default_rng(seed)
    durations = rng.integers(1, 4, size=3).tolist()
    releases = rng.integers(0, 3, size=3).tolist()
    deadlines = [None, int(rng.integers(4, 12)), None]
    start = int(rng.integers(0, 4))
    downtime = [(start, start + int(rng.integers(1, 3)))]
    inst = rcpsp(durations, [(0, 1)], capacity=1, releases=releases, deadlines=deadlines, downtime=downtime)
    no_deadlines = rcpsp(durations, [(0, 1)], capacity=1, releases=releases, downtime=downtime)
    assert inst.safe_horizon == no_deadlines.safe_horizon
    optimum = _optimum_by_enumeration(inst, bound=inst.safe_horizon + max(d for d in deadlines if d))
    if optimum is not None:
        assert optimum <= inst.safe_horizon


def test_jssp_heads_and_tails_are_the_work_before_and_after_in_the_job():
    inst = parse_instance(
        {
            "schema": SCHEMA,
            "problem": "jssp",
            "name": "ht",
            "machines": 3,
            "jobs": [
                {
                    "name": "a",
                    "operations": [{"machine": m, "duration": p} for m, p in ((0, 2), (1, 5), (2, 1))],
                },
                {"name": "b", "operations": [{"machine": 2, "duration": 4}]},
                {"name": "c", "operations": [{"machine": m, "duration": p} for m, p in ((1, 3), (0, 0))]},
            ],
        }
    )
    assert inst.job_heads.tolist() == [0, 2, 7, 0, 0, 3]
    assert inst.job_tails.tolist() == [6, 1, 0, 0, 0, 0]


def test_solver_incumbent_handles_zero_length_operations():
    """The hints' private Giffler-Thompson crashed (an empty conflict set) on a zero-length operation;
    the shared one gives it a conflict set of its own."""
    inst = parse_instance(
        {
            "schema": SCHEMA,
            "problem": "jssp",
            "name": "zero",
            "machines": 2,
            "jobs": [
                {"name": "a", "operations": [{"machine": 0, "duration": 0}, {"machine": 1, "duration": 3}]},
                {"name": "b", "operations": [{"machine": 0, "duration": 2}, {"machine": 1, "duration": 0}]},
            ],
        }
    )
    starts, horizon = jssp_incumbent(inst, None)
    from schedbench.problems.jssp import solution_from_starts

    verdict = verify(inst, solution_from_starts(inst, starts))
    assert verdict.feasible and verdict.objective == horizon


def smtt(p, d, w=None):
    jobs = []
    for i in range(len(p)):
        job = {"name": f"j{i}", "processing_time": p[i], "due_date": d[i]}
        if w is not None:
            job["weight"] = w[i]
        jobs.append(job)
    return parse_instance({"schema": SCHEMA, "problem": "smtt", "name": "s", "jobs": jobs})


def _cost(order, p, d, w) -> int:
    t = total = 0
    for j in order:
        t += p[j]
        total += w[j] * max(0, t - d[j])
    return total


def test_weighted_objective_is_exact_beyond_int64():
    """p = 10^7 and w = 10^12 are admitted; the old int64 dot product verified the order below at
    -8.4e18 (it wrapped around)."""
    n = 100
    inst = smtt([10**7] * n, [0] * n, [10**12] * n)
    verdict = verify(inst, {"sequence": [f"j{i}" for i in range(n)]})
    expected = 10**12 * 10**7 * n * (n + 1) // 2
    assert verdict.feasible and verdict.objective == expected > 2**63


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**12), st.integers(-(10**12), 10**12), st.integers(0, 10**12)),
        min_size=1,
        max_size=12,
    ),
    st.randoms(use_true_random=False),
)
def test_total_tardiness_equals_python_integers(jobs, rnd):
    p, d, w = (np.array([j[k] for j in jobs], dtype=np.int64) for k in range(3))
    order = list(range(len(jobs)))
    rnd.shuffle(order)
    expected = _cost(order, p.tolist(), d.tolist(), w.tolist())
    assert total_tardiness(order, p, d, w) == expected
    assert total_tardiness(order, p, d) == _cost(order, p.tolist(), d.tolist(), [1] * len(jobs))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 30), st.integers(0, 120), st.integers(0, 9)), min_size=1, max_size=14)
)
def test_adjacent_interchange_stops_at_a_local_optimum(jobs):
    """The CP-SAT hint capped interchange at 50 passes, the exact solver's copy ran to a local optimum;
    the shared one runs to the local optimum (every swap lowers the objective, so it ends)."""
    p, d, w = (np.array([j[k] for j in jobs], dtype=np.int64) for k in range(3))
    start = list(range(len(jobs)))[::-1]
    order = adjacent_interchange(start, p, d, w)
    assert sorted(order) == start[::-1]
    cost = total_tardiness(order, p, d, w)
    assert cost <= total_tardiness(start, p, d, w)
    for k in range(len(order) - 1):
        swapped = order[:k] + [order[k + 1], order[k]] + order[k + 2 :]
        assert total_tardiness(swapped, p, d, w) >= cost


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 120)), min_size=1, max_size=14), st.integers(1, 5)
)
def test_weighted_mdd_with_equal_weights_is_mdd(jobs, weight):
    """The hints' weighted MDD and the rule's MDD were two functions; with equal weights they agree."""
    p, d = (np.array([j[k] for j in jobs], dtype=np.int64) for k in range(2))
    w = np.full(len(jobs), weight, dtype=np.int64)
    assert mdd_order(p, d, w).tolist() == mdd_order(p, d).tolist()


def test_smtt_hint_is_at_least_as_good_as_edd_and_mdd():
    inst = smtt([4, 3, 7, 2, 5], [5, 6, 8, 3, 20], [2, 1, 3, 5, 1])
    p, d, w = inst.processing_times, inst.due_dates, inst.weights
    hint = smtt_heuristic(inst)
    for order in (np.argsort(d, kind="stable"), mdd_order(p, d, w)):
        assert total_tardiness(hint, p, d, w) <= total_tardiness(order, p, d, w)


def test_the_two_meanings_of_weighted_have_two_names():
    plain = smtt([1, 2], [3, 4])
    same = smtt([1, 2], [3, 4], [3, 3])
    mixed = smtt([1, 2], [3, 4], [1, 2])
    assert (plain.weights_given, plain.equal_weights) == (False, True)
    assert (same.weights_given, same.equal_weights) == (True, True)
    assert (mixed.weights_given, mixed.equal_weights) == (True, False)
    assert "weight" in same.to_dict()["jobs"][0] and "weight" not in plain.to_dict()["jobs"][0]


def test_baseline_rules_come_from_the_registry():
    assert rule_for("auto", "smtt") == "mddc"
    assert rule_for("builtin", "jssp") == "fifo-nondelay"
    assert rule_for("atc", "smtt") == "atc"
    assert rule_for("rcpsp=mts-parallel,smtt=atc", "rcpsp") == "mts-parallel"
    assert rule_for("rcpsp=mts-parallel", "smtt") == "mddc"


@st.composite
def job_shop_schedules(draw):
    """A few single-machine-group operations with machine indices and times near the 10^12 limit."""
    machines = draw(st.lists(st.integers(0, 10**12 - 1), min_size=1, max_size=3, unique=True))
    n_jobs = draw(st.integers(1, 4))
    jobs, starts = [], {}
    for j in range(n_jobs):
        ops = draw(
            st.lists(st.tuples(st.sampled_from(machines), st.integers(1, 10**6)), min_size=1, max_size=3)
        )
        base = draw(st.sampled_from([0, 10**12 - 10**7, 5 * 10**11]))
        jobs.append({"name": f"J{j}", "operations": [{"machine": m, "duration": p} for m, p in ops]})
        starts[f"J{j}"] = [base + draw(st.integers(0, 4 * 10**6)) for _ in ops]
    return max(machines) + 1, jobs, starts


@settings(max_examples=200, deadline=None)
@given(job_shop_schedules())
def test_jssp_verifier_agrees_with_pairwise_checks_for_huge_machines_and_times(case):
    """The machine check sorted by machine * time-span + start in int64, which wrapped around for machine
    indices above ~4.6e6 with times near 10^12 and called feasible schedules infeasible."""
    num_machines, jobs, starts = case
    inst = parse_instance(
        {"schema": SCHEMA, "problem": "jssp", "name": "big", "machines": num_machines, "jobs": jobs}
    )
    ops = [
        (job["name"], k, op["machine"], starts[job["name"]][k], starts[job["name"]][k] + op["duration"])
        for job in jobs
        for k, op in enumerate(job["operations"])
    ]
    order_ok = all(a[4] <= b[3] for a, b in zip(ops, ops[1:]) if a[0] == b[0] and b[1] == a[1] + 1)
    overlaps = sum(
        1 for a, b in itertools.combinations(ops, 2) if a[2] == b[2] and a[3] < b[4] and b[3] < a[4]
    )
    verdict = verify(inst, {"starts": starts})
    assert verdict.feasible == (order_ok and overlaps == 0)
    assert verdict.counts().get("machine_overlap", 0) == overlaps
