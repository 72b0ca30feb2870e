"""Leaderboard metrics on a hand-computed case, reference handling, and an end-to-end run with a plug-in
(its Gantt charts are tested in tests/reports/test_gantt.py)."""

from __future__ import annotations

import json

import pytest
from helpers.instances import GOLDEN_BEST, GOLDEN_D, GOLDEN_P, smtt_dict

from schedbench.datasets import write_jsonl_atomic
from schedbench.datasets.labels import InstanceLabels
from schedbench.datasets.references import Reference, load_references
from schedbench.heuristics.leaderboard import run_leaderboard
from schedbench.heuristics.leaderboard_metrics import summarise, suspect_references
from schedbench.problems import parse_instance
from schedbench.records.leaderboard import LeaderboardRecord
from schedbench.reports.leaderboard import write_reports

reference_from_meta = Reference.from_meta


def rec(h, inst, obj, group="a", feasible=True, t=0.001):
    return LeaderboardRecord(
        rule=h,
        problem="smtt",
        instance=inst,
        instance_hash="0" * 16,
        labels=InstanceLabels(group=group, size=3, size_label="n=3", level=3, family="-"),
        feasible=feasible,
        objective=obj,
        time_s=t,
    )


def test_metric_arithmetic_by_hand():
    refs = {
        "i1": Reference(100, "optimal"),
        "i2": Reference(50, "best_known"),
        "i3": Reference(0, "optimal"),
        "i4": Reference(10, "optimal"),
    }
    records = [
        rec("A", "i1", 110, t=0.002),  # +10 %
        rec("A", "i2", 40, group="b", t=0.004),  # -20 %, improves a best-known value
        rec("A", "i3", 5),  # ref 0, H > 0
        rec("A", "i4", 9),  # below a claimed optimum: suspect
        rec("B", "i1", 100),
        rec("B", "i2", 60, group="b"),
        rec("B", "i3", 0),
        rec("B", "i4", None, feasible=False),
    ]
    rows = {(r["heuristic"], r["group"]): r for r in summarise(records, refs)}
    a = rows[("A", "all")]
    assert a["instances"] == 4 and a["feasible"] == 4 and a["feasible_share"] == 1.0
    assert a["mean_gap_pct"] == pytest.approx((10 - 20 - 10) / 3)  # i1 +10, i2 -20, i4 -10; i3 has ref 0
    assert a["ratio_gap_pct"] == pytest.approx(100 * (164 - 160) / 160)
    assert a["zero_ref_positive"] == 1
    assert a["beats_reference"] == 1 and a["improves_reference"] == 1
    assert a["wins"] == 2  # i2 (40 < 60) and i4 (B infeasible); i1 and i3 won by B
    assert a["mean_time_ms"] == pytest.approx(1000 * (0.002 + 0.004 + 0.001 + 0.001) / 4)
    b = rows[("B", "all")]
    assert b["feasible"] == 3 and b["feasible_share"] == 0.75
    assert b["mean_gap_pct"] == pytest.approx((0 + 20) / 2)
    assert b["ratio_gap_pct"] == pytest.approx(100 * (160 - 150) / 150)
    assert b["zero_ref_positive"] == 0 and b["beats_reference"] == 0 and b["wins"] == 2
    assert rows[("A", "b")]["instances"] == 1 and rows[("A", "b")]["mean_gap_pct"] == pytest.approx(-20)
    assert rows[("A", "a")]["instances"] == 3
    suspects = suspect_references(records, refs)
    assert [(s["instance"], s["heuristic"]) for s in suspects] == [("i4", "A")]


def test_references_from_meta_formats():
    assert reference_from_meta({"reference": {"value": 7, "kind": "optimal", "source": "s"}}) == Reference(
        7, "optimal", "s"
    )
    assert reference_from_meta({"reference_total_tardiness": 3}).kind == "optimal"
    lb = reference_from_meta({"reference": {"value": None, "kind": "lower_bound", "lower_bound": 4}})
    assert lb.value == 4
    assert reference_from_meta({}) is None


def smtt_obj(name, p, d, ref=None):
    meta = {"rdd": 0.2, "tf": 0.4}
    if ref is not None:
        meta["reference"] = {"value": ref, "kind": "optimal", "source": "test"}
    return smtt_dict(p, d, name=name, meta=meta)


def test_solve_output_references_are_verified(tmp_path):
    inst = parse_instance(smtt_obj("g", GOLDEN_P, GOLDEN_D))
    solved = tmp_path / "solved.jsonl"
    good = {
        "instance": "g",
        "sequence": GOLDEN_BEST,
        "status": "optimal",
        "objective": 1,
    }
    write_jsonl_atomic(solved, [good])
    assert load_references([inst], str(solved))["g"] == Reference(
        141, "optimal", "solved.jsonl (?)", upper_bound=141
    )
    bad = tmp_path / "bad.jsonl"
    write_jsonl_atomic(bad, [{"instance": "g", "sequence": ["J0"], "status": "optimal"}])
    assert "g" not in load_references([inst], str(bad))


def test_end_to_end_with_plugin_suspect_reference_and_resume(tmp_path):
    data = tmp_path / "data.jsonl"
    # g's true optimum is 141; claiming 150 "optimal" must be flagged. h has reference 0 and MDD gets 0.
    write_jsonl_atomic(
        data,
        [
            smtt_obj("g", GOLDEN_P, GOLDEN_D, ref=150),
            smtt_obj("h", [1, 2, 3], [10, 10, 10], ref=0),
        ],
    )
    plugin = tmp_path / "crashy.py"
    plugin.write_text("import os\ndef sequence(p, d, w):\n    os._exit(1)\n")
    out = tmp_path / "lb"
    result = run_leaderboard(
        str(data),
        str(out),
        heuristics="mdd,mddc",
        plugins=[str(plugin)],
        workers=1,
    )
    write_reports(result, out, plots=True)
    rows = {(r["heuristic"], r["group"]): r for r in result.rows}
    assert rows[("mddc", "all")]["beats_reference"] == 1  # 141 < 150
    assert rows[("mdd", "all")]["beats_reference"] == 1  # 144 < 150
    assert rows[("crashy", "all")]["feasible"] == 0 and rows[("crashy", "all")]["failures"] == 2
    assert ("mdd", "rdd=0.2,tf=0.4") in rows
    doc = json.loads((out / "leaderboard.json").read_text())
    assert {
        "heuristic",
        "group",
        "instances",
        "feasible",
        "mean_gap_pct",
        "ratio_gap_pct",
        "beats_reference",
    } <= set(doc["rows"][0])
    assert "Warning" in (out / "leaderboard.md").read_text()
    assert (out / "suspect_references.csv").exists() and (out / "gap_by_class.png").stat().st_size > 0
    lines = (out / "records.jsonl").read_text().splitlines()
    assert len(lines) == 6
    again = run_leaderboard(
        str(data),
        str(out),
        heuristics="mdd,mddc",
        plugins=[str(plugin)],
        workers=1,
    )
    assert len((out / "records.jsonl").read_text().splitlines()) == 6  # resumed: nothing re-run
    assert again.rows == result.rows
