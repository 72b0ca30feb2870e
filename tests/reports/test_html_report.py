"""`schedbench report --html`: the page data carry the numbers of the CSV reports, model text stays text,
no secret and no outside URL reach the folder, and the build is deterministic."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from schedbench.cli import main
from schedbench.llm_eval.records import read_run
from schedbench.records.leaderboard import read_leaderboard
from schedbench.reports.html import CSP, Selection, script_payload, write_html
from schedbench.reports.html.llm import _copied, compare_runs
from schedbench.reports.leaderboard import write_reports
from schedbench.reports.llm import make_report


def load_data(path: Path) -> tuple[str, object]:
    """A data file back as (name, payload), read the way the page reads it (checks the escaping)."""
    text = path.read_text(encoding="utf-8")
    match = re.fullmatch(r'SB\.load\(("[^"]+"),(.*)\);\n', text, re.S)
    assert match, path
    return json.loads(match.group(1)), json.loads(match.group(2))


@pytest.fixture(scope="module")
def built(html_inputs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out") / "report"
    mp = pytest.MonkeyPatch()
    mp.setenv(
        "SB_TEST_KEY", html_inputs.secret
    )  # the key is set where the report is built, as where the run ran
    try:
        result = CliRunner().invoke(
            main,
            [
                "report",
                "--html",
                str(out),
                str(html_inputs.run_a),
                str(html_inputs.run_b),
                str(html_inputs.board),
                "--data",
                str(html_inputs.board_data),
            ],
        )
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    return out


def _index(out: Path) -> dict:
    name, payload = load_data(out / "data" / "index.js")
    assert name == "index"
    return payload


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(path.open(encoding="utf-8")))


def _same(page: object, text: str) -> bool:
    if page is None:
        return text == ""
    if isinstance(page, float):
        return text != "" and abs(float(text) - page) < 1e-9
    return str(page) == text


def test_page_numbers_equal_the_llm_report_csv(built, html_inputs, tmp_path):
    index = _index(built)
    make_report([str(html_inputs.run_a), str(html_inputs.run_b)], out_dir=str(tmp_path), plots=False,
                console=__import__("rich.console").console.Console(file=io.StringIO()))  # fmt: skip
    for name in ("outcomes", "feasibility", "summary", "violations", "feasible_at_k", "repair_rounds"):
        rows = _csv(tmp_path / f"{name}.csv")
        table = index["tables"][name]
        assert len(rows) == len(table["rows"]) > 0 or name == "repair_rounds"
        for page_row, csv_row in zip(table["rows"], rows):
            assert list(csv_row) == table["header"]
            for value, column in zip(page_row, table["header"]):
                assert _same(value, csv_row[column]), (name, column, value, csv_row[column])
    # the per-level aggregates agree with the records themselves
    records = [r.to_dict() for r in read_run(html_inputs.run_a).records]
    smtt = index["aggregates"][0]["smtt"]
    assert sum(row["infeasible"] for row in smtt["outcomes_by_level"]) == sum(
        r["outcome"] == "infeasible" for r in records if r["problem"] == "smtt"
    )
    heat = {row["level"]: row["codes"] for row in index["aggregates"][0]["rcpsp"]["violations_by_level"]}
    assert heat[2] and not heat[1]  # r2 (level 2) answered infeasibly, level 1 never


def test_leaderboard_rows_equal_leaderboard_csv(built, html_inputs, tmp_path):
    board = _index(built)["boards"][0]
    write_reports(read_leaderboard(html_inputs.board), tmp_path, plots=False)
    rows = _csv(tmp_path / "leaderboard.csv")
    assert len(rows) == len(board["rows"]) > 0
    page = {(r["heuristic"], r["group"]): r for r in board["rows"]}
    for csv_row in rows:
        page_row = page[csv_row["heuristic"], csv_row["group"]]
        for column, text in csv_row.items():
            assert _same(page_row[column], text) or (text == "" and page_row[column] is None), column
    # the drill-down has a schedule for every rule on every instance (all built-in, all deterministic)
    shards = [load_data(p)[1] for p in sorted((built / "data").glob("b0-*.js"))]
    schedules = {name: rules for shard in shards for name, rules in shard.items()}
    rules = {r[0] for r in board["records"]}
    assert set(schedules) == {"s0", "s1", "s2", "s3"}
    assert all(set(v) == rules and all(x["schedule"]["bars"] for x in v.values()) for v in schedules.values())


def test_a_leaderboard_draws_from_its_own_input_until_that_file_changes(html_inputs, tmp_path):
    copy = tmp_path / "smtt.jsonl"
    copy.write_bytes(html_inputs.board_data.read_bytes())
    from schedbench.heuristics.leaderboard import run_leaderboard

    run_leaderboard(str(copy), str(tmp_path / "board"), heuristics="edd,mdd")
    write_html(tmp_path / "a", [tmp_path / "board"])
    board = _index(tmp_path / "a")["boards"][0]
    assert board["schedules"] == "built" and list((tmp_path / "a" / "data").glob("b0-*.js"))
    assert board["label"] == "board"
    copy.write_text(copy.read_text().replace('"due_date": ', '"due_date": 1'))  # other content, same name
    write_html(tmp_path / "b", [tmp_path / "board"])
    board = _index(tmp_path / "b")["boards"][0]
    assert board["schedules"].startswith("pass --data") and not list((tmp_path / "b" / "data").glob("b0-*"))


def test_sample_index_and_shards_cover_every_record(built, html_inputs):
    index = _index(built)
    col = {c: i for i, c in enumerate(index["columns"])}
    assert len(index["samples"]) == 18 * 2
    shards = {p.stem: load_data(p)[1] for p in (built / "data").glob("r*.js")}
    for row in index["samples"]:
        record = shards[f"r{row[col['run']]}-{row[col['shard']]:04d}"]["records"][row[col["slot"]]]
        assert record["instance"] == index["strings"][row[col["instance"]]]
        assert record["sample"] == row[col["sample"]]
        assert "response" not in record  # the raw body; its content is kept
    # an infeasible RCPSP answer carries the violations with where, and its schedule with the profile
    infeasible = [
        r
        for shard in shards.values()
        for r in shard["records"]
        if r["problem"] == "rcpsp" and r["outcome"] == "infeasible"
    ]
    assert infeasible and all(r["schedule"]["profiles"][0]["resource"] == "crew" for r in infeasible)
    assert any("at" in v for r in infeasible for v in r["violations"])
    prompts = {k: v for p in (built / "data").glob("p*.js") for k, v in load_data(p)[1].items()}
    assert prompts and all(p["status"].startswith("re-rendered") for p in prompts.values())
    # one prompt per instance and rendering per run, and every copied record points at its own
    assert len(prompts) == len(
        {(r["instance"], r["rendering"]) for s in shards.values() for r in s["records"]}
    )
    assert all(
        r["prompt"][1] == f"{r['instance']}\x1f{r['rendering']}"
        for s in shards.values()
        for r in s["records"]
    )


def test_model_text_is_data_never_markup(built, html_inputs):
    shell = (built / "index.html").read_text()
    assert "innerHTML" not in shell and "insertAdjacentHTML" not in shell and "document.write" not in shell
    for path in (built / "data").glob("*.js"):
        text = path.read_text()
        assert "<" not in text  # so no </script>, <!-- or tag can occur inside a data script
    payloads = [load_data(p)[1] for p in (built / "data").glob("r0-*.js")]
    contents = [r.get("content") or "" for p in payloads for r in p["records"]]
    assert any(html_inputs.hostile in c for c in contents)  # kept verbatim, as data
    prompts = [load_data(p)[1] for p in (built / "data").glob("p0-*.js")]
    messages = [m["content"] for p in prompts for x in p.values() for m in x["messages"]]
    assert any("<script>window.PWNED=1</script>" in m for m in messages)  # a task description, as JSON


def test_no_secret_and_no_outside_url(built, html_inputs):
    for path in [built / "index.html", *(built / "data").glob("*.js")]:
        text = path.read_text()
        assert html_inputs.secret not in text, path
        assert "user:" not in text, path
    shell = (built / "index.html").read_text()
    assert f'content="{CSP}"' in shell and "default-src 'none'" in CSP and "connect-src 'none'" in CSP
    outside = re.findall(
        r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", shell
    )
    assert outside == []
    urls = set(re.findall(r"https?://[^\s\"'`)]+", shell))
    assert urls <= {"http://www.w3.org/2000/svg"}
    assert len(shell.encode()) < 60_000  # the size budget of the app shell


def test_script_payload_escapes_what_could_end_a_script():
    text = script_payload("x", {"a": "</script><!-- \u2028 \u2029 <b>"})
    assert "<" not in text and "\u2028" not in text and "\u2029" not in text
    assert json.loads(text[len('SB.load("x",') : -3]) == {"a": "</script><!-- \u2028 \u2029 <b>"}


def test_build_is_deterministic_and_cleans_stale_data(html_inputs, tmp_path):
    a = write_html(tmp_path / "a", [html_inputs.run_a])
    b = write_html(tmp_path / "b", [html_inputs.run_a])
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    (tmp_path / "a" / "data" / "r0-0099.js").write_text("old")
    write_html(tmp_path / "a", [html_inputs.run_a])
    assert not (tmp_path / "a" / "data" / "r0-0099.js").exists()


def test_over_budget_keeps_a_few_feasible_per_level_and_failures_in_turn(html_inputs, tmp_path):
    write_html(tmp_path, [html_inputs.run_a], selection=Selection(max_bytes=1, per_level=1))
    index = _index(tmp_path)
    col = {c: i for i, c in enumerate(index["columns"])}
    rows = index["samples"]
    kept = [r for r in rows if r[col["shard"]] is not None]
    feasible_levels = {
        (r[col["problem"]], r[col["level"]])
        for r in rows
        if index["outcomes"][r[col["outcome"]]] == "feasible"
    }
    assert len(kept) == len(feasible_levels)  # one feasible per level; no failure fits in 1 byte
    assert "0 of 8 failures" in index["runs"][0]["note"] and "budget" in index["runs"][0]["note"]
    # a sample that is not copied still opens: the page says why
    assert len(kept) < len(rows)

    rows_ = [
        {"problem": "p", "level": lv, "outcome": o}
        for lv, o in [(1, "infeasible")] * 5 + [(2, "parse_error")]
    ]
    rows_ += [{"problem": "p", "level": 1, "outcome": "feasible"}] * 3
    keep, note = _copied(rows_, [10] * len(rows_), Selection(max_bytes=30, per_level=1))
    assert keep == [
        True,
        False,
        False,
        False,
        False,
        True,
        True,
        False,
        False,
    ]  # level 2's failure not crowded out
    assert "2 of 6 failures" in note
    keep, note = _copied(rows_, [10] * len(rows_), Selection(max_bytes=90, per_level=1))
    assert keep == [True] * len(rows_) and note.startswith("all 9")


def test_compare_counts_instances_one_run_solves():
    a = [
        {"instance": "x", "problem": "p", "level": 1, "outcome": "feasible"},
        {"instance": "y", "problem": "p", "level": 1, "outcome": "infeasible"},
        {"instance": "z", "problem": "p", "level": 2, "outcome": "request_error"},
    ]
    b = [
        {"instance": "x", "problem": "p", "level": 1, "outcome": "infeasible"},
        {"instance": "y", "problem": "p", "level": 1, "outcome": "infeasible"},
        {"instance": "y", "problem": "p", "level": 1, "outcome": "feasible"},
        {"instance": "z", "problem": "p", "level": 2, "outcome": "feasible"},
    ]
    got = compare_runs(a, b)
    assert got["rows"] == [{"problem": "p", "level": 1, "both": 0, "a_only": 1, "b_only": 1, "neither": 0}]
    assert [x["instance"] for x in got["a_only"]] == ["x"] and [x["instance"] for x in got["b_only"]] == ["y"]


def test_not_a_results_folder_is_one_line(tmp_path):
    result = CliRunner().invoke(main, ["report", "--html", str(tmp_path / "o"), str(tmp_path)])
    assert result.exit_code == 2 and "not a RUN_DIR" in result.output and "Traceback" not in result.output
