"""SMTT generator: Potts & Van Wassenhove distributions, paper-compat quirks, class grid, determinism."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers.paths import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.datasets import dumps
from schedbench.generators.smtt import due_date_interval, generate_smtt, parse_float_list
from schedbench.problems import SchedbenchError, parse_instance

FACTORS = st.sampled_from([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])


def arrays(instance):
    jobs = instance["jobs"]
    return (
        np.array([j["processing_time"] for j in jobs]),
        np.array([j["due_date"] for j in jobs]),
        [j.get("weight") for j in jobs],
    )


@settings(max_examples=60, deadline=None)
@given(
    jobs=st.integers(1, 60), tf=FACTORS, rdd=FACTORS, weighted=st.booleans(), seed=st.integers(0, 2**32 - 1)
)
def test_draws_stay_in_their_bounds(jobs, tf, rdd, weighted, seed):
    for instance in generate_smtt(jobs=jobs, tf=[tf], rdd=[rdd], per_class=2, weighted=weighted, seed=seed):
        parse_instance(instance)
        p, d, w = arrays(instance)
        lo, hi = due_date_interval(int(p.sum()), tf, rdd)
        assert ((p >= 1) & (p <= 100)).all()
        assert (d >= 0).all()
        low, high = math.ceil(lo), math.floor(hi)
        if low > high:  # an interval without integers (RDD = 0) collapses to its rounded middle
            low = high = round((lo + hi) / 2)
        assert ((d >= max(low, 0)) & (d <= max(high, 0))).all()
        assert all(1 <= x <= 10 for x in w) if weighted else all(x is None for x in w)


@settings(max_examples=60, deadline=None)
@given(jobs=st.integers(1, 60), tf=FACTORS, rdd=FACTORS, seed=st.integers(0, 2**32 - 1))
def test_paper_compat_truncates_instead_of_clipping(jobs, tf, rdd, seed):
    for instance in generate_smtt(jobs=jobs, tf=[tf], rdd=[rdd], per_class=2, paper_compat=True, seed=seed):
        p, d, _ = arrays(instance)
        lo, hi = due_date_interval(int(p.sum()), tf, rdd)
        assert ((p >= 1) & (p <= 99)).all()
        assert (d >= math.trunc(lo)).all() and (d <= math.floor(hi)).all()


def test_distributions_have_the_right_shape():
    p, _, w = arrays(generate_smtt(jobs=20000, tf=[0.2], rdd=[0.2], per_class=1, weighted=True, seed=1)[0])
    assert set(p.tolist()) == set(range(1, 101)) and abs(p.mean() - 50.5) < 1.0
    assert set(w) == set(range(1, 11))
    p, _, _ = arrays(
        generate_smtt(jobs=20000, tf=[0.2], rdd=[0.2], per_class=1, paper_compat=True, seed=1)[0]
    )
    assert set(p.tolist()) == set(range(1, 100)) and abs(p.mean() - 50.0) < 1.0


def test_negative_due_dates_only_in_paper_compat():
    kwargs = dict(jobs=50, tf=[1.0], rdd=[1.0], per_class=5, seed=3)
    assert all((arrays(i)[1] >= 0).all() for i in generate_smtt(**kwargs))
    compat = np.concatenate([arrays(i)[1] for i in generate_smtt(paper_compat=True, **kwargs)])
    assert (compat < 0).mean() > 0.3  # about half of U[-P/2, P/2)


@pytest.mark.skipif(not (DATA / "smtt-paper").is_dir(), reason="shared data absent")
def test_paper_compat_matches_the_papers_own_test_set():
    """The smtt-paper n20_uniform set came out of the code paper_compat mimics: same support, same share of
    negative due dates per class (within sampling error)."""
    rows = [json.loads(line) for line in (DATA / "smtt-paper" / "n20_uniform.jsonl").open()]
    for tf, rdd in ((0.8, 1.0), (0.6, 1.0), (0.8, 0.6)):
        theirs = np.concatenate([r["d"] for r in rows if r["tf"] == tf and r["rdd"] == rdd])
        ours = generate_smtt(jobs=20, tf=[tf], rdd=[rdd], per_class=200, paper_compat=True, seed=5)
        ours_d = np.concatenate([arrays(i)[1] for i in ours])
        assert abs((theirs < 0).mean() - (ours_d < 0).mean()) < 0.08
    all_p = np.concatenate([r["p"] for r in rows])
    ours_p = np.concatenate(
        [
            arrays(i)[0]
            for i in generate_smtt(jobs=20, tf=[0.2], rdd=[0.2], per_class=200, paper_compat=True, seed=5)
        ]
    )
    assert (all_p.min(), all_p.max()) == (ours_p.min(), ours_p.max()) == (1, 99)


def test_class_grid_order_names_and_meta():
    instances = generate_smtt(jobs=10, tf=[0.2, 0.6], rdd=[0.2, 1.0], per_class=3, seed=7)
    assert len(instances) == 12
    classes = [(i["meta"]["rdd"], i["meta"]["tf"]) for i in instances]
    assert classes == sorted(classes)  # RDD outer, TF inner, as in the smtt-paper files
    assert len({i["name"] for i in instances}) == 12
    meta = instances[0]["meta"]
    assert meta["seed"] == 7 and meta["parameters"]["per_class"] == 3 and meta["generator"]


def test_same_seed_same_bytes():
    def run(seed):
        return "\n".join(
            dumps(i) for i in generate_smtt(jobs=30, tf=[0.4], rdd=[0.6], per_class=4, seed=seed)
        )

    assert run(1) == run(1) and run(1) != run(2)


def test_bad_arguments():
    for kwargs in (dict(jobs=0), dict(tf=[1.5]), dict(rdd=[]), dict(per_class=0), dict(tf=[float("nan")])):
        with pytest.raises(SchedbenchError):
            generate_smtt(**{**dict(jobs=5, tf=[0.2], rdd=[0.2], per_class=1, seed=0), **kwargs})
    assert parse_float_list("0.2, 0.6", field="tf") == [0.2, 0.6]
    with pytest.raises(SchedbenchError):
        parse_float_list("0.2,x", field="tf")
