"""OR-Library and Taillard job shop importers: shapes and known values, the two layouts agreeing on
ta01, multi-instance files, references (incl. dmu/ keys), and located errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.paths import DATA

from schedbench.datasets.importers import import_files
from schedbench.problems import SchedbenchError, parse_instance

JSSP = DATA / "jssp"
needs_data = pytest.mark.skipif(not JSSP.is_dir(), reason="../shared/data is absent")


def _ops(inst: dict) -> list[list[tuple[int, int]]]:
    return [[(op["machine"], op["duration"]) for op in job["operations"]] for job in inst["jobs"]]


@needs_data
def test_ft06_shape_and_values() -> None:
    inst = import_files("orlib-jssp", [JSSP / "ft06.txt"], JSSP / "reference.csv").instances[0]
    assert inst["name"] == "ft06" and inst["machines"] == 6 and len(inst["jobs"]) == 6
    assert _ops(inst)[0] == [(2, 1), (0, 3), (1, 6), (3, 7), (5, 3), (4, 6)]
    assert _ops(inst)[5] == [(1, 3), (3, 3), (5, 9), (0, 10), (4, 4), (2, 1)]
    assert [job["name"] for job in inst["jobs"]] == ["J1", "J2", "J3", "J4", "J5", "J6"]
    assert inst["meta"]["family"] == "ft"
    assert inst["meta"]["size"] == {"jobs": 6, "machines": 6, "operations": 36}
    assert inst["meta"]["reference"]["value"] == 55 and inst["meta"]["reference"]["kind"] == "optimal"


@needs_data
def test_ta01_shape_and_values() -> None:
    inst = import_files("orlib-jssp", [JSSP / "ta01.txt"], JSSP / "reference.csv").instances[0]
    parsed = parse_instance(inst)
    assert parsed.num_machines == 15 and len(parsed.job_names) == 15
    assert parsed.operations[0][:3] == ((6, 94), (12, 66), (4, 10))
    assert int(parsed.op_duration.sum()) == sum(d for job in _ops(inst) for _, d in job)
    assert inst["meta"]["reference"]["value"] == 1231


@needs_data
def test_every_shared_file_imports() -> None:
    files = sorted(JSSP.glob("*.txt")) + sorted((JSSP / "dmu").glob("*.txt"))
    result = import_files("orlib-jssp", files, JSSP / "reference.csv", validate=False)
    assert len(result.instances) == len(files) == 162 + 80
    for path, inst in zip(files, result.instances):
        n, m = map(int, path.read_text().split()[:2])
        assert (len(inst["jobs"]), inst["machines"]) == (n, m)
        assert all(len(job["operations"]) == m for job in inst["jobs"])
    # every file has a row in reference.csv, dmu files under their folder-qualified key
    assert all("reference" in inst["meta"] for inst in result.instances)
    dmu = next(i for i in result.instances if i["name"] == "cscmax_20_15_1")
    assert dmu["meta"]["reference"]["kind"] == "best_known"
    assert (dmu["meta"]["reference"]["lower_bound"], dmu["meta"]["reference"]["value"]) == (2955, 3312)
    for inst in result.instances[::20]:
        parse_instance(inst)


def _taillard_text(name_line: bool, jobs: list[list[tuple[int, int]]], m: int) -> str:
    lines = []
    if name_line:
        lines.append("Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound")
    lines.append(f"  {len(jobs)}  {m}  840612802  398197754  1231  1005")
    lines.append("Times")
    lines += [" ".join(str(d) for _, d in job) for job in jobs]
    lines.append("Machines")
    lines += [" ".join(str(mach + 1) for mach, _ in job) for job in jobs]
    return "\n".join(lines) + "\n"


@needs_data
def test_taillard_layout_agrees_with_orlib_on_ta01(tmp_path: Path) -> None:
    orlib = import_files("orlib-jssp", [JSSP / "ta01.txt"]).instances[0]
    path = tmp_path / "ta01.txt"
    path.write_text(_taillard_text(True, _ops(orlib), orlib["machines"]))
    tai = import_files("taillard", [path]).instances[0]
    assert _ops(tai) == _ops(orlib) and tai["machines"] == 15 and tai["name"] == "ta01"
    assert tai["meta"]["taillard"] == {
        "time_seed": 840612802,
        "machine_seed": 398197754,
        "upper_bound": 1231,
        "lower_bound": 1005,
    }


def test_taillard_tiny_sample_machines_one_based(tmp_path: Path) -> None:
    path = tmp_path / "tai2_2.txt"
    path.write_text(
        "Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound\n"
        " 2 2 1 2 10 9\nTimes\n 3 4\n 5 6\nMachines\n 2 1\n 1 2\n"
        "Nb of jobs, Nb of Machines, Time seed, Machine seed, Upper bound, Lower bound\n"
        " 2 2 3 4 10 9\nTimes\n 1 1\n 1 1\nMachines\n 1 2\n 2 1\n"
    )
    result = import_files("taillard", [path])
    assert [i["name"] for i in result.instances] == ["tai2_2_1", "tai2_2_2"]
    assert _ops(result.instances[0]) == [[(1, 3), (0, 4)], [(0, 5), (1, 6)]]
    assert result.instances[1]["meta"]["source"]["index"] == 2
    assert result.instances[1]["meta"]["source"]["line"] == 10


def test_taillard_machine_out_of_range(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(" 2 2\nTimes\n 3 4\n 5 6\nMachines\n 0 1\n 1 2\n")
    with pytest.raises(SchedbenchError) as err:
        import_files("taillard", [path])
    assert str(err.value) == f"{path}:6: machines: job 1: machine 0 out of range 1..2"


def test_taillard_missing_keyword(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(" 2 2\n 3 4\n 5 6\n")
    with pytest.raises(SchedbenchError, match=r"bad.txt:2: Times: expected 'Times', found '3 4'"):
        import_files("taillard", [path])


def test_orlib_multi_instance_with_banners(tmp_path: Path) -> None:
    path = tmp_path / "jobshop1.txt"
    path.write_text(
        " +++++++++++++\n instance tiny1\n +++++++++++++\n A 2x2 example, alternate name (t1)\n"
        " 2 2\n 0 3 1 4\n 1 5 0 6\n +++++++++++++\n instance tiny2\n +++++++++++++\n 1 1\n 0 7\n"
    )
    result = import_files("orlib-jssp", [path])
    assert [i["name"] for i in result.instances] == ["tiny1", "tiny2"]
    assert _ops(result.instances[0]) == [[(0, 3), (1, 4)], [(1, 5), (0, 6)]]
    assert _ops(result.instances[1]) == [[(0, 7)]]
    for inst in result.instances:
        parse_instance(inst)


@pytest.mark.parametrize(
    "text,expected",
    [
        (" 2 2\n 0 3 1 4\n 1 5 0\n", "3: operations: expected 4 integers, found 3"),
        (" 2 2\n 0 3 1 4\n", "2: operations: truncated: expected 2 job lines, found 1"),
        (" 2 2\n 0 3 2 4\n 1 5 0 6\n", "2: operations: job 1: machine 2 out of range 0..1"),
        (" 2 2\n 0 3 1 x\n 1 5 0 6\n", "2: operations: expected integers, found 'x'"),
        (" 2 2\n 0 3 1 4\n 1 5 0 6\n 0 1 1 1\n", "4: header: expected 'n m' (2 integers), found 4"),
        ("just words\n", "header: no 'n m' header line found (empty file?)"),
    ],
)
def test_orlib_errors_are_located(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises(SchedbenchError) as err:
        import_files("orlib-jssp", [path])
    separator = ":" if expected[0].isdigit() else ": "
    assert str(err.value) == f"{path}{separator}{expected}"


def test_repeated_names_across_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for sub in ("a", "b"):
        (tmp_path / sub / "x.txt").write_text("1 1\n0 1\n")
    with pytest.raises(SchedbenchError, match="instance 'x' also comes from"):
        import_files("orlib-jssp", [tmp_path / "a" / "x.txt", tmp_path / "b" / "x.txt"])
