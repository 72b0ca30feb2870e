"""RCPSP ladder: exact reduced-edge counts, verified witnesses, families, renderings, determinism."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedbench.datasets import dumps
from schedbench.generators.rcpsp import (
    FAMILIES,
    generate_rcpsp_ladder,
    iter_rcpsp_ladder_with_witness,
    parse_families,
    parse_levels,
)
from schedbench.problems import SchedbenchError, parse_instance, verify


def reduction_size(instance: dict) -> int:
    graph = nx.DiGraph()
    graph.add_nodes_from(t["name"] for t in instance["tasks"])
    graph.add_edges_from(map(tuple, instance["precedences"]))
    assert nx.is_directed_acyclic_graph(graph)
    return nx.transitive_reduction(graph).number_of_edges()


def witness_verdict(instance: dict, witness: dict[str, int]):
    solution = {"schema": "schedbench/solution/v1", "instance": instance["name"], "starts": witness}
    return verify(parse_instance(instance), solution)


ladder_args = st.fixed_dictionaries(
    {
        "tasks": st.integers(4, 30),
        "resources": st.integers(1, 4),
        "phase": st.sampled_from(["precedence", "side"]),
        "rendering": st.sampled_from(["synthetic", "domain"]),
        "seed": st.integers(0, 2**32 - 1),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=ladder_args, data=st.data())
def test_level_k_has_exactly_k_reduced_edges_and_a_feasible_witness(args, data):
    top = data.draw(st.integers(0, args["tasks"] - 1), label="top level")
    levels = sorted(set(data.draw(st.lists(st.integers(0, top), min_size=1, max_size=4), label="levels")))
    levels = sorted({*levels, top})
    pairs = list(iter_rcpsp_ladder_with_witness(levels=levels, per_level=2, verify_witness=False, **args))
    assert len(pairs) == 2 * len(levels)
    for instance, witness in pairs:
        k = instance["meta"]["level"]
        assert len(instance["precedences"]) == k
        assert reduction_size(instance) == k
        assert instance["meta"]["nc_equivalent"] == round(k / args["tasks"], 4)
        verdict = witness_verdict(instance, witness)
        assert verdict.feasible, verdict.to_dict()
        assert verdict.objective == instance["meta"]["witness_makespan"]


def test_reduced_edges_on_a_full_ladder_with_skip_edges():
    # many layers make long-range candidate edges common, the case where an older edge can turn redundant
    for instance in generate_rcpsp_ladder(
        tasks=30, resources=2, levels="1-40", per_level=3, phase="precedence", layers=8, seed=11
    ):
        assert reduction_size(instance) == instance["meta"]["level"]


def test_levels_are_nested_in_the_precedence_phase():
    ladder = generate_rcpsp_ladder(
        tasks=20, resources=2, levels="0-15", per_level=1, phase="precedence", seed=4
    )
    for lower, upper in zip(ladder, ladder[1:], strict=False):
        assert upper["precedences"][:-1] == lower["precedences"]
        assert upper["tasks"] == lower["tasks"] and upper["resources"] == lower["resources"]


@pytest.mark.parametrize("families", [[], ["downtime"], ["windows"], ["disjunctive"], list(FAMILIES)])
def test_explicit_families_appear_exactly_as_asked(families):
    pairs = iter_rcpsp_ladder_with_witness(
        tasks=12, resources=3, levels="1-12", per_level=2, phase="side", families=families, seed=3
    )
    for instance, witness in pairs:
        meta = instance["meta"]
        assert meta["families"] == [f for f in FAMILIES if f in families]
        has_downtime = any(r["downtime"] for r in instance["resources"])
        has_windows = any("release" in t or "deadline" in t for t in instance["tasks"])
        assert has_downtime == ("downtime" in families)
        assert has_windows == ("windows" in families)
        assert bool(instance["disjunctive"]) == ("disjunctive" in families)
        assert witness_verdict(instance, witness).feasible


def test_side_constraints_grow_with_the_level():
    ladder = generate_rcpsp_ladder(
        tasks=30, resources=3, levels=[1, 40], per_level=3, phase="side", families=list(FAMILIES), seed=8
    )
    low = [i["meta"]["side_counts"] for i in ladder if i["meta"]["level"] == 1]
    high = [i["meta"]["side_counts"] for i in ladder if i["meta"]["level"] == 40]
    for key in ("downtime_windows", "windowed_tasks", "disjunctive_pairs"):
        assert sum(c[key] for c in high) > sum(c[key] for c in low)


def test_probabilistic_families_follow_the_probability():
    ladder = generate_rcpsp_ladder(tasks=10, resources=2, levels="1-9", per_level=20, phase="side", seed=21)
    flags = np.array([[i["meta"]["family_flags"][f] for f in FAMILIES] for i in ladder])
    rates = flags.mean(axis=0)  # 180 draws per family: 0.75 +- 4 standard deviations is [0.62, 0.88]
    assert ((rates > 0.62) & (rates < 0.88)).all(), rates
    assert len({tuple(row) for row in flags.tolist()}) >= 6  # the factorial cells all get visited
    for p, expected in ((0.0, False), (1.0, True)):
        ladder = generate_rcpsp_ladder(
            tasks=10, resources=2, levels="1-5", per_level=4, phase="side", family_probability=p, seed=2
        )
        assert all(all(i["meta"]["family_flags"].values()) == expected for i in ladder)


def test_same_seed_same_bytes_and_other_seed_other_bytes():
    def run(seed, rendering="synthetic"):
        ladder = generate_rcpsp_ladder(
            tasks=15, resources=3, levels="1-10", per_level=2, phase="side", rendering=rendering, seed=seed
        )
        return "\n".join(dumps(i) for i in ladder).encode()

    assert run(5) == run(5)
    assert run(5, "domain") == run(5, "domain")
    assert run(5) != run(6)


def test_renderings_share_the_structure():
    kwargs = dict(tasks=25, resources=12, levels="1-20", per_level=2, phase="side", seed=9)
    synthetic = generate_rcpsp_ladder(rendering="synthetic", **kwargs)
    domain = generate_rcpsp_ladder(rendering="domain", **kwargs)
    for a, b in zip(synthetic, domain, strict=True):
        for inst in (a, b):
            names = [t["name"] for t in inst["tasks"]]
            assert len(set(names)) == len(names)
            assert len({r["name"] for r in inst["resources"]}) == len(inst["resources"])
        ia, ib = parse_instance(a), parse_instance(b)
        assert ia.task_names != ib.task_names
        assert np.array_equal(ia.durations, ib.durations)
        assert np.array_equal(ia.demands, ib.demands)
        assert np.array_equal(ia.capacities, ib.capacities)
        assert np.array_equal(ia.precedences, ib.precedences)
        assert np.array_equal(ia.disjunctive, ib.disjunctive)
        assert ia.downtime == ib.downtime and ia.deadlines == ib.deadlines
        assert np.array_equal(ia.releases, ib.releases)
    assert any(r["name"] == "it_team" for r in domain[0]["resources"])


def test_meta_records_what_made_the_instance():
    instance = generate_rcpsp_ladder(tasks=30, resources=3, levels=[12], per_level=1, phase="side", seed=1)[0]
    meta = instance["meta"]
    assert meta["generator"] == "r-constraintbench-ladder" and meta["seed"] == 1
    assert meta["level"] == meta["reduced_edges"] == 12 and meta["nc_equivalent"] == 0.4
    assert meta["parameters"]["tasks"] == 30 and meta["parameters"]["phase"] == "side"
    assert len(meta["rs_per_resource"]) == 3 and all(rs >= 0 for rs in meta["rs_per_resource"])
    assert meta["schedbench_version"]
    assert meta["witness_makespan"] >= meta["critical_path_length"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(tasks=4, levels="1-40"), "out of reach"),
        (dict(families=["downtime"]), "need --phase side"),
        (dict(phase="side", families=["weather"]), "unknown families"),
        (dict(phase="warp"), "phase"),
        (dict(tasks=1), "tasks"),
        (dict(layers=0), "layers"),
    ],
)
def test_user_errors_are_schedbench_errors(kwargs, message):
    base = dict(tasks=10, resources=2, levels="1-3", per_level=1, phase="precedence", seed=0)
    with pytest.raises(SchedbenchError, match=message):
        generate_rcpsp_ladder(**{**base, **kwargs})


def test_level_and_family_parsers():
    assert parse_levels("1-3,7, 5") == [1, 2, 3, 5, 7]
    assert parse_families("none") == [] and parse_families(None) is None
    assert parse_families("windows,downtime") == ["windows", "downtime"]
    for bad in ("3-1", "a", "1-"):
        with pytest.raises(SchedbenchError):
            parse_levels(bad)


def test_an_edge_that_would_make_an_older_one_redundant_is_refused():
    from schedbench.generators._dag import forward_pairs, grow_reduced_chain

    layer_of = np.array([0, 1, 2])  # a=0, b=1, c=2
    src, dst = forward_pairs(layer_of)
    index = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(src, dst, strict=True))}
    order = np.array([index[(0, 2)], index[(0, 1)], index[(1, 2)]])
    # a->c, then a->b; b->c would make a->c redundant, so it must be refused although no path b~>c exists
    assert grow_reduced_chain(layer_of, order, 3) == [(0, 2), (0, 1)]
