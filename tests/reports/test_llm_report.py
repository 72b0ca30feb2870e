"""The report: tables agree with the records; Markdown, CSV and PNG files are written; --compare works."""

from __future__ import annotations

import csv
import json

from click.testing import CliRunner
from helpers.llm import config, rcpsp, records_of, write_data

from schedbench.cli import main
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.runner import run_eval
from schedbench.reports.llm import make_report


def test_report_tables_match_records_and_files_are_written(tmp_path):
    write_data(tmp_path / "data.jsonl", n_smtt=4)
    faults = {"s1": "infeasible", "j2": "garbage"}
    with ServerThread(BaselineConfig(), lambda info: faults.get(info.instance)) as server:
        run_eval(config(tmp_path, server.url, samples=2, use_cache=False))
        run_eval(config(tmp_path, server.url, samples=1, use_cache=False, run_dir=str(tmp_path / "run2")))
    records = records_of(tmp_path / "run")
    written = make_report([str(tmp_path / "run")], out_dir=str(tmp_path / "rep"))
    names = {p.name for p in written}
    assert {
        "report.md",
        "outcomes.csv",
        "feasibility.csv",
        "summary.csv",
        "f_curve.png",
        "violations_by_level.png",
    } <= names
    assert all(p.stat().st_size > 0 for p in written)
    with (tmp_path / "rep" / "outcomes.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    for outcome in ("feasible", "infeasible", "parse_error", "request_error"):
        assert sum(int(r[outcome]) for r in rows) == sum(rec["outcome"] == outcome for rec in records)
    with (tmp_path / "rep" / "summary.csv").open() as handle:
        summary = {r["problem"]: r for r in csv.DictReader(handle)}
    assert float(summary["smtt"]["feasible_rate"]) == 0.75 and summary["smtt"]["K"] == "2"
    assert "WAUC" in (tmp_path / "rep" / "report.md").read_text()

    result = CliRunner().invoke(
        main,
        [
            "llm",
            "report",
            str(tmp_path / "run"),
            "--compare",
            str(tmp_path / "run2"),
            "--no-plots",
            "-o",
            str(tmp_path / "cmp"),
        ],
    )
    assert result.exit_code == 0, result.output
    with (tmp_path / "cmp" / "summary.csv").open() as handle:
        runs = {r["run"] for r in csv.DictReader(handle)}
    assert runs == {"schedbench-baseline@run", "schedbench-baseline@run2"}
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["llm"]["records"] == 18


def test_ladder_instances_form_one_curve_per_phase():
    from schedbench.datasets.labels import instance_family, side_families
    from schedbench.problems import parse_instance

    base = json.loads(json.dumps(rcpsp("x", 1)))

    def with_meta(meta: dict):
        return parse_instance({**base, "meta": meta})

    mixed = with_meta(
        {"phase": "side", "parameters": {"families": None}, "families": ["windows", "downtime"]}
    )
    assert instance_family(mixed) == "side" and side_families(mixed) == "downtime+windows"
    chosen = with_meta({"phase": "side", "parameters": {"families": ["windows", "downtime"]}, "families": []})
    assert instance_family(chosen) == "side:downtime+windows" and side_families(chosen) == "base"
    assert instance_family(with_meta({"phase": "precedence", "families": []})) == "precedence"
    assert instance_family(with_meta({"families": ["disjunctive"]})) == "disjunctive"
    assert instance_family(with_meta({"family": "mine", "phase": "side"})) == "mine"
    assert instance_family(with_meta({})) == "-" and side_families(with_meta({})) is None


def test_terminal_outcomes_are_summed_over_levels(tmp_path):
    from rich.console import Console

    write_data(tmp_path / "data.jsonl", n_smtt=4)
    with ServerThread(BaselineConfig(), lambda info: "garbage" if info.instance == "s1" else None) as server:
        run_eval(config(tmp_path, server.url, use_cache=False))
    console = Console(record=True, width=200)
    make_report([str(tmp_path / "run")], out_dir=str(tmp_path / "rep"), plots=False, console=console)
    text = console.export_text()
    # smtt has levels 1 and 2 in the files, one row of 4 samples (3 feasible, 1 parse error) on screen
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in text.split("feasibility")[0].splitlines()]
    smtt = [row for row in rows if len(row) > 1 and row[1] == "smtt"]
    assert [row[4:] for row in smtt] == [["4", "3", "0", "1", "0"]], text
    with (tmp_path / "rep" / "outcomes.csv").open() as handle:
        assert sorted(r["level"] for r in csv.DictReader(handle) if r["problem"] == "smtt") == ["1", "2"]
