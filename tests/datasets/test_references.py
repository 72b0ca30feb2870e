"""The one references module: kinds, provenance, every input it reads, verification, checks and gaps
(the labels module is tested in test_labels.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.instances import GOLDEN_BEST, golden_smtt_dict

from schedbench.datasets import write_jsonl_atomic
from schedbench.datasets.references import (
    Reference,
    ReferenceKind,
    check_result,
    gap_pct,
    load_references,
    mip_gap,
    read_reference_file,
    reference_for_sample,
    reference_from_solve_result,
    sample_gap_pct,
)
from schedbench.problems import SchedbenchError, parse_instance


def smtt(name: str, meta: dict | None = None) -> dict:
    """The paper's example `g` (optimum 141, reached by GOLDEN_BEST) under another name and meta."""
    return golden_smtt_dict(name, meta or {})


def test_kinds_are_one_vocabulary():
    assert [k.value for k in ReferenceKind] == ["optimal", "best_known", "lower_bound", "upper_bound"]
    assert Reference(5, "optimal").kind is ReferenceKind.OPTIMAL
    with pytest.raises(SchedbenchError, match="unknown reference kind 'proven'; known: optimal, best_known"):
        Reference(5, "proven")


def test_a_feasible_solve_result_is_best_known_not_upper_bound():
    feasible = {"instance": "g", "status": "feasible", "objective": 150, "bound": 120}
    ref = reference_from_solve_result(feasible, "solved.jsonl (cpsat)")
    assert ref == Reference(150, "best_known", "solved.jsonl (cpsat)", 120, 150)
    unknown = reference_from_solve_result({"status": "unknown", "objective": 9}, "s")
    assert unknown is not None and unknown.kind is ReferenceKind.BEST_KNOWN
    only_bound = reference_from_solve_result({"status": "unknown", "objective": None, "bound": 4}, "s")
    assert only_bound == Reference(4, "lower_bound", "s", 4, None)
    assert reference_from_solve_result({"status": "error", "objective": None, "bound": 3}, "s") is None
    assert reference_from_solve_result({"status": "infeasible"}, "s") is None


def test_meta_round_trip_and_the_smtt_paper_claim():
    block = {"value": 43, "kind": "optimal", "lower_bound": 43, "upper_bound": 43, "source": "PSPLIB"}
    assert Reference.from_meta({"reference": block}).to_meta() == block
    claim = Reference.from_meta({"reference_total_tardiness": 9})
    assert claim.kind is ReferenceKind.OPTIMAL and claim.bounds() == (9, 9) and "claimed" in claim.source
    lower = Reference.from_meta({"reference": {"value": None, "kind": "lower_bound", "lower_bound": 4}})
    assert lower.value == 4 and lower.bounds() == (4, None)
    assert Reference.from_bounds(None, 12, closed=False, source="x").kind is ReferenceKind.BEST_KNOWN
    assert Reference.from_bounds(3, None, closed=False, source="x").value is None
    assert Reference.from_meta({}) is None


def test_solver_object_or_string_never_a_dict_repr(tmp_path: Path):
    out = tmp_path / "solved.jsonl"
    solver = {"name": "cpsat", "version": "9.10", "params": {"workers": 8}}
    write_jsonl_atomic(
        out,
        [
            {"instance": "a", "status": "optimal", "objective": 7, "bound": 7, "solver": solver},
            {"instance": "b", "status": "feasible", "objective": 9, "bound": 4, "solver": "heuristic:edd"},
            {"instance": "c", "status": "feasible", "objective": 9},
        ],
    )
    refs = read_reference_file(out)
    assert refs["a"].source == "solved.jsonl (cpsat)"
    assert refs["b"].source == "solved.jsonl (heuristic:edd)"
    assert refs["c"].source == "solved.jsonl (?)"
    assert all("{" not in r.source for r in refs.values())


def test_load_references_reads_every_input(tmp_path: Path):
    instances = [
        parse_instance(smtt("g", {"reference": {"value": 150, "kind": "optimal", "source": "meta"}})),
        parse_instance(smtt("h", {"reference_total_tardiness": 141})),
        parse_instance(smtt("k", {"source": {"file": "/x/dmu/k.txt"}})),
        parse_instance(smtt("none")),
    ]
    refs = load_references(instances)
    assert (refs["g"].value, refs["g"].source) == (150, "meta")
    assert (refs["h"].value, refs["h"].kind) == (141, ReferenceKind.OPTIMAL)
    assert "k" not in refs and "none" not in refs

    csv = tmp_path / "reference.csv"
    csv.write_text(
        "instance,lower_bound,upper_bound,closed,source\ng,141,141,True,table\ndmu/k,100,160,False,t\n"
    )
    refs = load_references(instances, csv)
    assert refs["g"] == Reference(141, "optimal", "table", 141, 141)  # the file wins over meta
    assert refs["k"] == Reference(160, "best_known", "t", 100, 160)  # matched by folder/name

    others = tmp_path / "instances.jsonl"
    write_jsonl_atomic(
        others, [smtt("none", {"reference": {"value": 5, "kind": "best_known", "source": "o"}})]
    )
    assert load_references(instances, others)["none"] == Reference(5, "best_known", "o")


def test_solve_output_is_reverified_and_a_rejected_schedule_gives_no_reference(tmp_path: Path):
    instances = [
        parse_instance(smtt("g", {"reference": {"value": 150, "kind": "optimal", "source": "meta"}})),
        parse_instance(smtt("f")),
        parse_instance(smtt("b")),
    ]
    solved = tmp_path / "solved.jsonl"
    write_jsonl_atomic(
        solved,
        [
            # claims objective 1; the verifier says 141
            {"instance": "g", "sequence": GOLDEN_BEST, "status": "feasible", "objective": 1, "bound": 100},
            {"instance": "f", "sequence": ["J0"], "status": "optimal", "objective": 1},  # not a schedule
            {"instance": "b", "status": "optimal", "objective": 3, "bound": 3},  # no schedule: bound only
            {"instance": "elsewhere", "status": "optimal", "objective": 1},
        ],
    )
    refs = load_references(instances, solved)
    assert refs["g"] == Reference(141, "best_known", "solved.jsonl (?)", 100, 141)
    assert "f" not in refs
    assert refs["b"] == Reference(3, "lower_bound", "solved.jsonl (?)", 3)
    assert set(refs) == {"g", "b"}
    # unverified reading (solve --references) keeps the claims as written
    claimed = read_reference_file(solved)
    assert claimed["g"].value == 1 and claimed["f"].kind is ReferenceKind.OPTIMAL


def test_a_bad_line_is_located(tmp_path: Path):
    bad = tmp_path / "refs.jsonl"
    bad.write_text('{"instance": "a", "status": "optimal", "objective": 3}\n{"what": 1}\n')
    with pytest.raises(SchedbenchError, match=r"refs.jsonl:2: neither a solve result"):
        read_reference_file(bad)


def test_check_result_flags_a_beaten_optimum_and_a_bound_above_a_known_value():
    beaten = check_result({"status": "feasible", "objective": 140, "bound": 100}, Reference(141, "optimal"))
    assert len(beaten["flags"]) == 1 and "beats the reference optimum 141" in beaten["flags"][0]
    assert beaten["reference"]["kind"] == "optimal"
    above = check_result({"status": "optimal", "objective": 70, "bound": 70}, Reference(65, "best_known"))
    assert "exceeds the reference value 65" in above["flags"][0]
    closes = check_result({"status": "optimal", "objective": 60, "bound": 60}, Reference(65, "best_known"))
    assert closes["flags"] == [] and closes["notes"] == [
        "improves the best known value 65 to 60",
        "closes the instance at 60",
    ]
    below_lb = check_result({"status": "feasible", "objective": 3, "bound": 1}, Reference(4, "lower_bound"))
    assert "beats the reference lower bound 4" in below_lb["flags"][0]


def test_gaps():
    assert gap_pct(110, 100) == pytest.approx(10.0)
    assert gap_pct(0, 0) is None and gap_pct(5, 0) is None and gap_pct(None, 3) is None
    assert sample_gap_pct(0, 0) == 0.0 and sample_gap_pct(5, 0) is None
    assert sample_gap_pct(1, 3) == round(100 / 3 * -2, 6)
    assert (
        mip_gap(100, 90) == 0.1
        and mip_gap(5, 5) == 0.0
        and mip_gap(0, -2) == 2.0
        and mip_gap(None, 1) is None
    )


def test_sample_references_and_gaps_keep_the_0_1_llm_behaviour():
    """Pinned from 0.1's llm_eval.runner.reference_for and _pct, which these replace."""
    ref_meta = {"value": 150, "kind": "optimal", "lower_bound": 140, "upper_bound": 150, "source": "m"}
    inst = parse_instance(smtt("g", {"reference": ref_meta}))
    bare = parse_instance(smtt("bare", {"reference_total_tardiness": 3}))
    solutions = {
        "g": {"instance": "g", "status": "feasible", "objective": 141, "bound": 120},
        "o": {"instance": "o", "status": "optimal", "objective": 7},
        "n": {"instance": "n", "status": "unknown", "objective": None, "bound": 5},
    }
    solved = "solved.jsonl"
    assert reference_for_sample(inst, solutions, solved) == {
        "value": 141,
        "kind": "best_known",
        "lower_bound": 120,
        "upper_bound": 141,
        "source": solved,
    }
    assert reference_for_sample(inst, {}, solved) == ref_meta
    assert reference_for_sample(parse_instance(smtt("o")), solutions, solved) == {
        "value": 7,
        "kind": "optimal",
        "lower_bound": None,
        "upper_bound": 7,
        "source": solved,
    }
    for case in (bare, parse_instance(smtt("o")), parse_instance(smtt("n"))):
        assert reference_for_sample(case, {}, solved) is None
    assert reference_for_sample(parse_instance(smtt("n")), solutions, solved) is None
    pairs = [(5, 0), (0, 0), (3, 2), (None, 1), (1, None), (7, 7), (2, 3)]
    assert [sample_gap_pct(v, b) for v, b in pairs] == [None, 0.0, 50.0, None, None, 0.0, -33.333333]
