"""OR-Library weighted tardiness and smtt-paper importers: counts, spot values, references lined
up with the right instances, skipped instances, and located errors.

Alignment check used below: a schedule without tardiness exists iff the EDD order has none (EDD
minimises maximum lateness), so a reference optimum is 0 exactly when EDD's objective is 0, and no
reference may exceed EDD's objective.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers.paths import DATA

from schedbench.datasets.importers import import_files
from schedbench.problems import SchedbenchError, parse_instance, verify

WT = DATA / "orlib-wt"
PAPER = DATA / "smtt-paper"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")


def _edd_objective(raw: dict) -> int:
    inst = parse_instance(raw)
    order = sorted(range(inst.n), key=lambda j: (int(inst.due_dates[j]), j))
    check = verify(inst, {"instance": inst.name, "sequence": [inst.job_names[j] for j in order]})
    assert check.feasible
    return check.objective


def _assert_references_line_up(instances: list[dict]) -> None:
    for raw in instances:
        ref = raw["meta"]["reference"]["value"]
        edd = _edd_objective(raw)
        assert ref <= edd, raw["name"]
        assert (ref == 0) == (edd == 0), raw["name"]


@needs_data
def test_wt40_all_instances_with_references() -> None:
    result = import_files("orlib-wt", [WT / "wt40.txt"], [WT / "wtopt40.txt"])
    insts = result.instances
    assert len(insts) == 125 and not result.skipped
    assert [i["name"] for i in insts[:2]] == ["wt40_001", "wt40_002"] and insts[-1]["name"] == "wt40_125"
    first = insts[0]["jobs"]
    assert len(first) == 40
    assert first[0] == {"name": "J1", "processing_time": 26, "due_date": 1588, "weight": 1}
    assert (first[1]["processing_time"], first[1]["weight"]) == (24, 10)
    assert insts[0]["meta"]["family"] == "wt40" and insts[0]["meta"]["source"]["index"] == 1
    assert insts[0]["meta"]["reference"] == {
        "value": 913,
        "kind": "optimal",
        "lower_bound": 913,
        "upper_bound": 913,
        "source": "OR-Library wtopt40.txt: optimal per the OR-Library README",
    }
    # the README lists wt40 instance 19 as unsolved: a best known value, not an optimum
    ref19 = insts[18]["meta"]["reference"]
    assert (ref19["kind"], ref19["value"], ref19["lower_bound"]) == ("best_known", 77122, None)
    assert sum(i["meta"]["reference"]["kind"] == "optimal" for i in insts) == 124
    _assert_references_line_up(insts)


@needs_data
def test_wt50_and_wt100_reference_kinds() -> None:
    result = import_files(
        "orlib-wt", [WT / "wt50.txt", WT / "wt100.txt"], [WT / "wtopt50.txt", WT / "wtbest100b.txt"]
    )
    kinds = {}
    for inst in result.instances:
        kinds.setdefault(inst["meta"]["family"], []).append(inst["meta"]["reference"]["kind"])
    assert kinds["wt50"].count("optimal") == 115 and len(kinds["wt50"]) == 125
    assert set(kinds["wt100"]) == {"best_known"} and len(kinds["wt100"]) == 125
    assert result.instances[125 + 125 - 1]["meta"]["reference"]["source"].startswith(
        "OR-Library wtbest100b.txt"
    )
    _assert_references_line_up(result.instances[::5])


@needs_data
def test_wt_reference_file_for_another_family_is_an_error() -> None:
    with pytest.raises(SchedbenchError, match="wtopt50.txt: no entry matches an imported instance"):
        import_files("orlib-wt", [WT / "wt40.txt"], [WT / "wtopt50.txt"])


def test_wt_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "wt2.txt"
    path.write_text("1 2\n3 4\n5 6\n7 8\n9\n")  # one instance of 2 jobs, then p and half of w
    with pytest.raises(SchedbenchError) as err:
        import_files("orlib-wt", [path])
    assert str(err.value) == (
        f"{path}:5: weights: truncated: 9 numbers is not a whole number of instances of 3 x 2 "
        "(1 complete, 3 left over)"
    )


def test_wt_bad_token_names_field(tmp_path: Path) -> None:
    path = tmp_path / "wt2.txt"
    path.write_text("1 2\n3 x\n5 6\n")
    with pytest.raises(SchedbenchError, match=r"wt2.txt:2: weights: expected an integer, found 'x'"):
        import_files("orlib-wt", [path])


@needs_data
def test_smtt_paper_n20_uniform() -> None:
    result = import_files("smtt-paper", [PAPER / "n20_uniform.jsonl"])
    insts = result.instances
    assert len(insts) == 800 and not result.skipped
    raw = [json.loads(line) for line in (PAPER / "n20_uniform.jsonl").read_text().splitlines()]
    for inst, row in zip(insts, raw):
        assert inst["name"] == row["name"]
        assert [j["processing_time"] for j in inst["jobs"]] == row["p"]
        assert [j["due_date"] for j in inst["jobs"]] == row["d"]
        assert (inst["meta"]["rdd"], inst["meta"]["tf"]) == (row["rdd"], row["tf"])
        ref = inst["meta"]["reference"]
        assert ref["value"] == row["reference_total_tardiness"] and ref["kind"] == "optimal"
        assert "claim" in ref["source"] and "2510.24013" in ref["source"]
        assert inst["meta"]["family"] == "n20_uniform"
    assert insts[0]["meta"]["reference"]["value"] == 256
    # negative due dates are legal and kept as they are
    assert any(j["due_date"] < 0 for inst in insts for j in inst["jobs"])
    _assert_references_line_up(insts[::8])


@needs_data
def test_smtt_paper_n20_normal_skips_non_positive_processing_times() -> None:
    raw = [json.loads(line) for line in (PAPER / "n20_normal.jsonl").read_text().splitlines()]
    bad = [row["name"] for row in raw if min(row["p"]) <= 0]
    result = import_files("smtt-paper", [PAPER / "n20_normal.jsonl"])
    assert [name for name, _ in result.skipped] == bad and len(bad) == 125
    assert all("non-positive processing time" in reason for _, reason in result.skipped)
    kept = [inst["name"] for inst in result.instances]
    assert kept == [row["name"] for row in raw if min(row["p"]) > 0]
    assert all(j["processing_time"] > 0 for inst in result.instances for j in inst["jobs"])


@needs_data
def test_smtt_paper_large_sets_validate() -> None:
    result = import_files("smtt-paper", [PAPER / "n100.jsonl", PAPER / "n500.jsonl"])
    assert len(result.instances) == 400
    assert {i["meta"]["size"]["jobs"] for i in result.instances} == {100, 500}


@pytest.mark.parametrize(
    "line,expected",
    [
        (
            '{"name": "a", "rdd": 0.2, "tf": 0.2, "p": [1, 2], "d": [3], "reference_total_tardiness": 0}',
            "d: 2 processing",
        ),
        (
            '{"name": "a", "rdd": 0.2, "tf": 0.2, "p": [1.5], "d": [3], "reference_total_tardiness": 0}',
            "p: expected integers",
        ),
        (
            '{"name": "a", "rdd": 0.2, "p": [1], "d": [3], "reference_total_tardiness": 0}',
            "tf: expected a number",
        ),
        (
            '{"name": "a", "rdd": 0.2, "tf": 0.2, "p": [1], "d": [3], "reference_total_tardiness": -1}',
            "reference_total",
        ),
        ('{"name": "a", "rdd": 0.2, "tf": 0.2, "p": [1], "d": [3]', "truncated line"),
    ],
)
def test_smtt_paper_errors_are_located(tmp_path: Path, line: str, expected: str) -> None:
    path = tmp_path / "set.jsonl"
    good = '{"name": "ok", "rdd": 0.2, "tf": 0.2, "p": [1], "d": [-3], "reference_total_tardiness": 4}'
    path.write_text(good + "\n" + line + "\n")
    with pytest.raises(SchedbenchError) as err:
        import_files("smtt-paper", [path])
    assert str(err.value).startswith(f"{path}:2: ") and expected in str(err.value)
