"""Taillard job shop generator: published seeds give published instances; seeded generation is sound."""

from __future__ import annotations

import pytest
from helpers.paths import DATA
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.datasets import dumps
from schedbench.generators._random import TaillardRandom
from schedbench.generators.jssp import TAILLARD_SEEDS, generate_jssp, parse_taillard_seeds
from schedbench.problems import SchedbenchError, parse_instance

needs_data = pytest.mark.skipif(not (DATA / "jssp").is_dir(), reason="shared data absent")


def orlib_numbers(instance: dict) -> list[int]:
    """The instance in OR-Library job shop layout, as a flat list of numbers."""
    numbers = [len(instance["jobs"]), instance["machines"]]
    for job in instance["jobs"]:
        for op in job["operations"]:
            numbers += [op["machine"], op["duration"]]
    return numbers


def test_lehmer_generator_matches_the_minimal_standard():
    # Park & Miller (1988): from seed 1, the 10,000th value of x <- 16807 x mod (2^31 - 1) is 1043618065.
    rng = TaillardRandom(1)
    for _ in range(10_000):
        rng.unif(0, 1)
    assert rng.seed == 1043618065


def test_taillards_own_4x4_example():
    # Taillard (1993) prints the 4x4 instance of seeds 1166510396 / 164000672 (machines 1-based there).
    instance = generate_jssp(jobs=4, machines=4, taillard_seeds=[(1166510396, 164000672)])[0]
    times = [[op["duration"] for op in job["operations"]] for job in instance["jobs"]]
    machines = [[op["machine"] + 1 for op in job["operations"]] for job in instance["jobs"]]
    assert times == [[54, 34, 61, 2], [9, 15, 89, 70], [38, 19, 28, 87], [95, 34, 7, 29]]
    assert machines == [[3, 1, 4, 2], [4, 1, 2, 3], [1, 2, 3, 4], [1, 3, 2, 4]]


@needs_data
@pytest.mark.parametrize("name", sorted(TAILLARD_SEEDS))
def test_published_seeds_reproduce_published_instances(name):
    jobs, machines, time_seed, machine_seed = TAILLARD_SEEDS[name]
    instance = generate_jssp(jobs=jobs, machines=machines, taillard_seeds=[(time_seed, machine_seed)])[0]
    published = [int(x) for x in (DATA / "jssp" / f"{name}.txt").read_text().split()]
    assert orlib_numbers(instance) == published
    assert instance["name"] == name and instance["meta"]["taillard_name"] == name


@settings(max_examples=40, deadline=None)
@given(jobs=st.integers(1, 12), machines=st.integers(1, 12), seed=st.integers(0, 2**32 - 1))
def test_seeded_instances_are_taillard_instances(jobs, machines, seed):
    instances = generate_jssp(jobs=jobs, machines=machines, count=2, seed=seed)
    assert len(instances) == 2 and instances[0]["name"] != instances[1]["name"]
    for instance in instances:
        inst = parse_instance(instance)
        for job in inst.operations:
            assert sorted(m for m, _ in job) == list(range(machines))
            assert all(1 <= d <= 99 for _, d in job)
        meta = instance["meta"]
        again = generate_jssp(
            jobs=jobs, machines=machines, taillard_seeds=[(meta["time_seed"], meta["machine_seed"])]
        )[0]
        assert again["jobs"] == instance["jobs"]  # meta's seeds reproduce the instance


def test_due_dates_follow_the_tightness_factor():
    instance = generate_jssp(jobs=10, machines=5, seed=3, due_date_tightness=1.5)[0]
    for job in instance["jobs"]:
        assert job["due_date"] == int(1.5 * sum(op["duration"] for op in job["operations"]))
    assert instance["meta"]["parameters"]["due_date_tightness"] == 1.5
    assert "due_date" not in generate_jssp(jobs=3, machines=3, seed=3)[0]["jobs"][0]


def test_same_seed_same_bytes_and_no_seed_is_recorded():
    def run(seed):
        return "\n".join(dumps(i) for i in generate_jssp(jobs=6, machines=4, count=3, seed=seed))

    assert run(9) == run(9) and run(9) != run(10)
    fresh = generate_jssp(jobs=3, machines=3)[0]
    assert isinstance(fresh["meta"]["seed"], int)
    assert dumps(generate_jssp(jobs=3, machines=3, seed=fresh["meta"]["seed"])[0]) == dumps(fresh)


def test_seed_parsing_and_errors():
    assert parse_taillard_seeds("840612802:398197754, ta02", jobs=15, machines=15) == [
        (840612802, 398197754),
        (1314640371, 386720536),
    ]
    for text in ("12", "1:x", "ta11"):
        with pytest.raises(SchedbenchError):
            parse_taillard_seeds(text, jobs=15, machines=15)
    for kwargs in (dict(jobs=0), dict(count=0), dict(due_date_tightness=-1.0), dict(taillard_seeds=[(0, 5)])):
        with pytest.raises(SchedbenchError):
            generate_jssp(**{**dict(jobs=3, machines=3, seed=1), **kwargs})
