"""Property tests: random instances written in each text layout read back unchanged; reference
files' edge cases."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.datasets.importers import import_files
from schedbench.problems import SchedbenchError, parse_instance

jobs_strategy = st.integers(1, 6).flatmap(
    lambda m: st.lists(
        st.lists(st.tuples(st.integers(0, m - 1), st.integers(0, 99)), min_size=m, max_size=m),
        min_size=1,
        max_size=6,
    ).map(lambda jobs: (m, jobs))
)


def _ops(inst: dict) -> list[list[tuple[int, int]]]:
    return [[(op["machine"], op["duration"]) for op in job["operations"]] for job in inst["jobs"]]


@settings(max_examples=40, deadline=None)
@given(data=jobs_strategy, seed=st.integers(0, 2**16))
def test_jssp_layouts_round_trip(tmp_path_factory, data, seed: int) -> None:
    m, jobs = data
    rng = random.Random(seed)
    folder = tmp_path_factory.mktemp("rt")
    pad = lambda: " " * rng.randint(0, 3)  # noqa: E731
    orlib = folder / "x.txt"
    orlib.write_text(
        f"Some description line\n{pad()}{len(jobs)} {m}\n\n"
        + "\n".join(pad() + "  ".join(f"{a} {b}" for a, b in job) for job in jobs)
        + "\n\n"
    )
    tai = folder / "y.txt"
    tai.write_text(
        f"Nb of jobs, Nb of Machines\n{len(jobs)} {m}\nTimes:\n"
        + "".join(" ".join(str(d) for _, d in job) + "\n" for job in jobs)
        + "Machines:\n"
        + "".join(" ".join(str(a + 1) for a, _ in job) + "\n" for job in jobs)
    )
    for fmt, path in (("orlib-jssp", orlib), ("taillard", tai)):
        inst = import_files(fmt, [path]).instances[0]
        assert _ops(inst) == [list(job) for job in jobs] and inst["machines"] == m
        assert parse_instance(inst).num_machines == m


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 8),
    count=st.integers(1, 4),
    seed=st.integers(0, 2**16),
)
def test_orlib_wt_round_trip_any_line_breaks(tmp_path_factory, n: int, count: int, seed: int) -> None:
    rng = random.Random(seed)
    blocks = [
        (
            [rng.randint(1, 100) for _ in range(n)],
            [rng.randint(1, 10) for _ in range(n)],
            [rng.randint(-50, 900) for _ in range(n)],
        )
        for _ in range(count)
    ]
    numbers = [v for p, w, d in blocks for v in (*p, *w, *d)]
    text = "".join(f"{v}{rng.choice([' ', '  ', chr(10)])}" for v in numbers)
    path = tmp_path_factory.mktemp("wt") / f"wt{n}.txt"
    path.write_text(text)
    result = import_files("orlib-wt", [path])
    assert len(result.instances) == count
    for inst, (p, w, d) in zip(result.instances, blocks):
        assert [j["processing_time"] for j in inst["jobs"]] == p
        assert [j["weight"] for j in inst["jobs"]] == w
        assert [j["due_date"] for j in inst["jobs"]] == d
        assert parse_instance(inst).weights_given


def _one_job(tmp_path: Path, name: str = "a") -> Path:
    path = tmp_path / f"{name}.txt"
    path.write_text("1 1\n0 5\n")
    return path


def _csv(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "reference.csv"
    path.write_text("instance,lower_bound,upper_bound,closed,source\n" + rows)
    return path


def test_lower_bound_only_reference(tmp_path: Path) -> None:
    refs = _csv(tmp_path, "a,5,,False,a paper\n")
    inst = import_files("orlib-jssp", [_one_job(tmp_path)], refs).instances[0]
    assert inst["meta"]["reference"] == {
        "value": None,
        "kind": "lower_bound",
        "lower_bound": 5,
        "upper_bound": None,
        "source": "a paper",
    }


@pytest.mark.parametrize(
    "rows,expected",
    [
        ("a,7,5,False,x\n", "reference.csv:2: lower_bound: lower bound 7 > upper bound 5"),
        ("a,5,5,maybe,x\n", "reference.csv:2: closed: expected True or False, found 'maybe'"),
        ("a,5,5,True,x\na,5,5,True,y\n", "reference.csv:3: instance: empty or repeated instance 'a'"),
        ("a,five,5,False,x\n", "reference.csv:2: lower_bound: expected an integer or nothing, found 'five'"),
        ("b,5,5,True,x\n", "reference.csv: no entry matches an imported instance (wrong reference file?)"),
    ],
)
def test_reference_csv_errors(tmp_path: Path, rows: str, expected: str) -> None:
    with pytest.raises(SchedbenchError) as err:
        import_files("orlib-jssp", [_one_job(tmp_path)], _csv(tmp_path, rows))
    assert str(err.value).endswith(expected)


def test_reference_csv_replaces_a_claim(tmp_path: Path) -> None:
    src = tmp_path / "set.jsonl"
    src.write_text(
        '{"name": "a", "rdd": 0.2, "tf": 0.2, "p": [3, 4], "d": [1, 2], "reference_total_tardiness": 9}\n'
    )
    inst = import_files("smtt-paper", [src]).instances[0]
    assert inst["meta"]["reference"]["value"] == 9 and "claim" in inst["meta"]["reference"]["source"]
    inst = import_files("smtt-paper", [src], _csv(tmp_path, "a,8,8,True,exact DP\n")).instances[0]
    assert inst["meta"]["reference"]["value"] == 8 and inst["meta"]["reference"]["source"] == "exact DP"


def test_unknown_value_list_is_refused(tmp_path: Path) -> None:
    wt = tmp_path / "wt1.txt"
    wt.write_text("3\n1\n2\n")
    values = tmp_path / "mybest1.txt"
    values.write_text("1\n")
    with pytest.raises(SchedbenchError, match="unknown weighted tardiness value list"):
        import_files("orlib-wt", [wt], [values])


def test_taillard_file_given_as_orlib_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("Nb of jobs, Nb of Machines\n1 1 5 6\nTimes\n3\nMachines\n1\n")
    with pytest.raises(SchedbenchError, match="Taillard layout"):
        import_files("orlib-jssp", [path])
