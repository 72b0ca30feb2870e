"""Leaderboard records: the schema on a real run over all three problems (with plug-ins), resume checks
(instance hash, changed plug-in, other files), references refreshed on resume, and the readers."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from helpers.instances import crossing_jssp_dict, golden_smtt_dict, one_crew_rcpsp_dict

from schedbench.datasets import write_jsonl_atomic
from schedbench.heuristics.leaderboard import run_leaderboard
from schedbench.heuristics.sandbox import LEVELS, Limits, choose_level
from schedbench.problems import SchedbenchError
from schedbench.records import LEADERBOARD_RECORD, LeaderboardRecord, read_leaderboard
from schedbench.reports.leaderboard import markdown, render_folder, write_reports

SMTT = golden_smtt_dict(
    meta={"rdd": 0.2, "tf": 0.4, "reference": {"value": 150, "kind": "optimal", "source": "wrong"}}
)
JSSP = crossing_jssp_dict(meta={"reference": {"value": 7, "kind": "optimal", "source": "by hand"}})
RCPSP = one_crew_rcpsp_dict(meta={"level": 3})
PLUGINS = {
    "smtt": "NAME = 'mine'\ndef sequence(p, d, w):\n    return sorted(range(len(p)), key=lambda j: d[j])\n",
    "jssp": "NAME = 'mine'\ndef priority(duration, machine, job, earliest_start, remaining_work, remaining_ops, t):\n"
    "    return duration\n",
    "rcpsp": "NAME = 'mine'\ndef priority(durations, demands, capacities, precedences, releases, deadlines):\n"
    "    return -durations\n",
}


def schema_validator():
    jsonschema = pytest.importorskip("jsonschema")
    text = resources.files("schedbench.records").joinpath("schemas/leaderboard-record.v1.json").read_text()
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == LEADERBOARD_RECORD
    return jsonschema.Draft202012Validator(schema)


def board(tmp_path: Path, instance: dict, plugin_source: str, out: Path, **kwargs):
    data = tmp_path / f"{instance['problem']}.jsonl"
    if not data.exists():
        write_jsonl_atomic(data, [instance])
    plugin = tmp_path / f"{instance['problem']}_plugin.py"
    plugin.write_text(plugin_source)
    return run_leaderboard(str(data), str(out), plugins=[str(plugin)], workers=1, **kwargs)


@pytest.mark.parametrize("instance", [SMTT, JSSP, RCPSP], ids=lambda i: i["problem"])
def test_every_record_of_a_real_run_validates(tmp_path: Path, instance: dict):
    validator = schema_validator()
    out = tmp_path / "lb"
    result = board(tmp_path, instance, PLUGINS[instance["problem"]], out)
    lines = [json.loads(line) for line in (out / "records.jsonl").read_text().splitlines()]
    assert len(lines) == len(result.records) >= 3
    for line in lines:
        errors = sorted(validator.iter_errors(line), key=str)
        assert not errors, (line["rule"], [e.message for e in errors])
        assert line["record"] == LEADERBOARD_RECORD and line["problem"] == instance["problem"]
        assert LeaderboardRecord.from_dict(line).to_dict() == line
    mine = next(line for line in lines if line["rule"] == "mine")
    assert mine["plugin"]["path"].endswith("_plugin.py") and len(mine["plugin"]["sha256"]) == 64
    assert mine["feasible"] and mine["violations"] == {}
    assert mine["sandbox"] == choose_level("auto").level in LEVELS  # the level auto stands for here
    assert all("plugin" not in line and "sandbox" not in line for line in lines if line["rule"] != "mine")
    if instance.get("meta", {}).get("reference"):
        ref = instance["meta"]["reference"]
        for line in lines:
            assert line["reference"] == {"value": ref["value"], "kind": ref["kind"], "source": ref["source"]}
            if line["feasible"] and ref["value"] > 0:
                assert line["gap_pct"] == pytest.approx(
                    100 * (line["objective"] - ref["value"]) / ref["value"]
                )
    else:
        assert all(line["reference"] is None and line["gap_pct"] is None for line in lines)
    # the readers give back what the run returned
    read = read_leaderboard(out)
    assert read.problem == instance["problem"] and read.rows == json.loads(json.dumps(result.rows))
    assert sorted(r.to_dict()["rule"] for r in read.records) == sorted(r.rule for r in result.records)
    assert {r.rule: r.to_dict() for r in read.records} == {r.rule: r.to_dict() for r in result.records}
    files = render_folder(out, plots=False)
    assert (out / "leaderboard.md").read_text() == markdown(result)
    assert any(f.endswith("leaderboard.csv") for f in files)


def test_a_failing_plugin_records_why(tmp_path: Path):
    crash = "NAME = 'crashy'\ndef sequence(p, d, w):\n    raise RuntimeError('no idea')\n"
    result = board(tmp_path, SMTT, crash, tmp_path / "lb")
    record = next(r for r in result.records if r.rule == "crashy")
    assert not record.feasible and record.objective is None and "no idea" in (record.error or "")
    line = next(
        json.loads(x) for x in (tmp_path / "lb" / "records.jsonl").read_text().splitlines() if "crashy" in x
    )
    assert not list(schema_validator().iter_errors(line)) and "no idea" in line["error"]


def test_resume_refuses_another_dataset_with_the_same_names(tmp_path: Path):
    out = tmp_path / "lb"
    board(tmp_path, SMTT, PLUGINS["smtt"], out)
    before = (out / "records.jsonl").read_bytes()
    other = json.loads(json.dumps(SMTT))
    other["jobs"][0]["due_date"] = 30  # same name, other content
    data = tmp_path / "other.jsonl"
    write_jsonl_atomic(data, [other])
    with pytest.raises(SchedbenchError) as err:
        run_leaderboard(str(data), str(out), heuristics="mdd", workers=1)
    message = str(err.value)
    assert "records.jsonl:1:" in message and "instance 'g'" in message and "other content" in message
    assert "\n" not in message
    assert (out / "records.jsonl").read_bytes() == before  # nothing appended or deleted


def test_resume_reruns_a_changed_plugin_and_keeps_the_rest(tmp_path: Path):
    out = tmp_path / "lb"
    first = board(tmp_path, SMTT, PLUGINS["smtt"], out, heuristics="mdd")
    assert len((out / "records.jsonl").read_text().splitlines()) == 2
    reverse = "NAME = 'mine'\ndef sequence(p, d, w):\n    return list(range(len(p)))[::-1]\n"
    second = board(tmp_path, SMTT, reverse, out, heuristics="mdd")
    lines = [json.loads(x) for x in (out / "records.jsonl").read_text().splitlines()]
    assert [x["rule"] for x in lines] == ["mdd", "mine", "mine"]  # only the changed plug-in ran again
    old, new = (next(r for r in b.records if r.rule == "mine") for b in (first, second))
    assert old.plugin != new.plugin and old.objective != new.objective
    assert {r.rule: r.objective for r in read_leaderboard(out).records}["mine"] == new.objective


def test_resume_reruns_a_plugin_recorded_at_another_sandbox_level(tmp_path: Path):
    out = tmp_path / "lb"
    board(tmp_path, SMTT, PLUGINS["smtt"], out, heuristics="mdd", limits=Limits(sandbox="rlimits"))
    again = board(tmp_path, SMTT, PLUGINS["smtt"], out, heuristics="mdd", limits=Limits(sandbox="netns"))
    lines = [json.loads(x) for x in (out / "records.jsonl").read_text().splitlines()]
    assert [(x["rule"], x.get("sandbox")) for x in lines] == [
        ("mdd", None),
        ("mine", "rlimits"),
        ("mine", "netns"),
    ]
    assert next(r for r in again.records if r.rule == "mine").sandbox == "netns"


def test_references_given_on_resume_are_applied_and_recorded(tmp_path: Path):
    out = tmp_path / "lb"
    plain = dict(SMTT, meta={"rdd": 0.2, "tf": 0.4})
    first = board(tmp_path, plain, PLUGINS["smtt"], out, heuristics="mdd,mddc")
    assert all(r.reference is None for r in first.records)
    solved = tmp_path / "solved.jsonl"
    best = [f"J{i}" for i in [3, 5, 2, 0, 1, 4]]  # 141, not proven optimal by this "solver"
    solver = {"name": "cpsat", "version": "x", "params": {}}
    write_jsonl_atomic(
        solved,
        [{"instance": "g", "sequence": best, "status": "feasible", "objective": 141, "solver": solver}],
    )
    second = board(tmp_path, plain, PLUGINS["smtt"], out, heuristics="mdd,mddc", references=str(solved))
    assert len((out / "records.jsonl").read_text().splitlines()) == 6  # 3 results + 3 refreshed lines
    for record in second.records:
        assert record.reference is not None and record.reference.kind.value == "best_known"
        assert record.reference.source == "solved.jsonl (cpsat)"
    assert {r.rule: r.reference.value for r in read_leaderboard(out).records} == {
        "mdd": 141,
        "mddc": 141,
        "mine": 141,
    }
    third = board(tmp_path, plain, PLUGINS["smtt"], out, heuristics="mdd,mddc", references=str(solved))
    assert len((out / "records.jsonl").read_text().splitlines()) == 6 and third.rows == second.rows


def test_a_rule_below_a_best_known_reference_improves_it(tmp_path: Path):
    solved = tmp_path / "solved.jsonl"
    worse = [f"J{i}" for i in range(6)]  # a feasible, poor schedule
    write_jsonl_atomic(solved, [{"instance": "g", "sequence": worse, "status": "feasible", "objective": 0}])
    plain = dict(SMTT, meta={"rdd": 0.2, "tf": 0.4})
    result = board(
        tmp_path, plain, PLUGINS["smtt"], tmp_path / "lb", heuristics="mddc", references=str(solved)
    )
    row = next(r for r in result.rows if r["heuristic"] == "mddc" and r["group"] == "all")
    assert row["improves_reference"] == 1 and row["beats_reference"] == 0 and result.suspects == []


def test_other_files_in_the_folder_are_refused(tmp_path: Path):
    out = tmp_path / "lb"
    out.mkdir()
    (out / "records.jsonl").write_text('{"rule": "x", "instance": "g", "status": "optimal"}\n')
    with pytest.raises(
        SchedbenchError, match=r"records.jsonl:1: expected record 'schedbench/leaderboard-record/v1'"
    ):
        board(tmp_path, SMTT, PLUGINS["smtt"], out)
    legacy = tmp_path / "old"
    legacy.mkdir()
    (legacy / "results.jsonl").write_text('{"heuristic": "mdd", "instance": "g"}\n')
    for call in (lambda: board(tmp_path, SMTT, PLUGINS["smtt"], legacy), lambda: read_leaderboard(legacy)):
        with pytest.raises(SchedbenchError, match="schedbench 0.1 leaderboard.*re-run"):
            call()
    assert not (legacy / "records.jsonl").exists()


def test_markdown_escapes_a_hostile_plugin_name(tmp_path: Path):
    hostile = "NAME = 'a|b\\n<script>'\ndef sequence(p, d, w):\n    return list(range(len(p)))\n"
    out = tmp_path / "lb"
    result = board(tmp_path, SMTT, hostile, out, heuristics="mdd")
    write_reports(result, out, plots=False)
    text = (out / "leaderboard.md").read_text()
    assert "<script>" not in text and "a\\|b &lt;script&gt;" in text
    rows = [line for line in text.splitlines() if line.startswith("| a")]
    assert rows and all(line.count(" | ") == 7 for line in rows)
