"""`discover report` and `discover_view`: best-so-far series against samples, tokens and cost, failure
counts by code, the lineage of the pick, the pick against the built-ins per class, runs side by side with
their budgets, PNG curves beside the Markdown, and the dry-run label of mutate-server runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schedbench.discover import read_events
from schedbench.reports.discover import DRY_RUN, discover_view, markdown, write_report


@pytest.fixture
def runs(discover_runs: dict[str, str]) -> dict[str, str]:
    """An evolve run with a test and a price table, and a random arm on the same budget (conftest)."""
    return discover_runs


def test_the_view_is_plain_json_with_its_documented_keys(runs):
    view = discover_view(runs["evolve"])
    assert json.loads(json.dumps(view)) == view
    assert set(view) == {
        "run", "series", "outcomes", "failures", "candidates", "lineage", "pick_code", "validated", "versus",
        "test",
    }  # fmt: skip
    documented = discover_view.__doc__ or ""
    assert all(f"``{key}``" in documented for key in view)
    assert view["run"]["dry_run"] is True and view["run"]["stop"] == "max_samples"


def test_the_series_has_one_row_per_answer_with_running_totals(runs):
    view = discover_view(runs["evolve"])
    events = read_events(runs["evolve"])
    responses = [e for e in events if e["type"] == "llm_response"]
    series = view["series"]
    assert len(series) == len(responses) + 1 and [r["sample"] for r in series] == list(range(len(series)))
    assert series[-1]["tokens"] == sum(e["prompt_tokens"] + e["completion_tokens"] for e in responses)
    assert series[-1]["cost"] == pytest.approx(sum(e["cost"] for e in responses)) and series[-1]["cost"] > 0
    seeds = [e["train"]["fitness"] for e in events if e["type"] == "seed"]
    assert series[0]["best_train"] == min(seeds) and series[0]["best_val"] is None
    for before, after in zip(series, series[1:]):
        assert after["tokens"] >= before["tokens"] and after["best_train"] <= before["best_train"]
        if before["best_val"] is not None:
            assert after["best_val"] <= before["best_val"]
    valid = [e["train"]["fitness"] for e in events if e["type"] == "candidate" and e["status"] == "valid"]
    assert series[-1]["best_train"] == min(seeds + valid)
    assert series[-1]["best_val"] == view["run"]["pick_val"]


def test_failures_are_counted_by_code(runs):
    view = discover_view(runs["evolve"])
    events = read_events(runs["evolve"])
    failed = [e for e in events if e["type"] == "candidate" and e["status"] in ("invalid", "rejected")]
    assert failed and sum(view["failures"].values()) == len(failed)
    assert sum(view["outcomes"].values()) == view["candidates"]
    assert all(":" not in code for code in view["failures"])


def test_the_lineage_runs_from_the_pick_to_a_seed_through_logged_parents(runs):
    view = discover_view(runs["evolve"])
    lineage = view["lineage"]
    assert lineage[0]["id"] == view["run"]["pick"] and lineage[-1]["operator"] == "seed"
    for child, parent in zip(lineage, lineage[1:]):
        assert child["parents"][-1] == parent["id"]
    assert view["pick_code"] == (Path(runs["evolve"]) / "candidates" / f"{lineage[0]['id']}.py").read_text()


def test_the_pick_against_the_builtins_on_test_per_class(runs):
    view = discover_view(runs["evolve"])
    test = json.loads((Path(runs["evolve"]) / "test.json").read_text())
    versus = view["versus"]
    assert versus["split"] == "test" and {r["rule"] for r in versus["rules"]} == set(test["builtins"])
    mdd = next(r for r in versus["rules"] if r["rule"] == "mdd")
    assert mdd["win"] + mdd["tie"] + mdd["loss"] == test["instances"]
    assert set(versus["pick"]["per_class"]) == set(mdd["per_class"])
    assert view["test"]["evaluations"] == 1 and view["test"]["metamorphic"]["instances"] > 0
    assert view["test"]["train_minus_val"] == pytest.approx(
        view["test"]["train_fitness"] - view["test"]["val_fitness"]
    )
    # without a test run, the pick is set against the seeds on train
    assert discover_view(runs["random"])["versus"]["split"] == "train"


def test_the_report_compares_runs_on_their_budget_and_draws_curves(runs):
    path = write_report(runs["evolve"], [runs["random"]])
    text = path.read_text()
    assert text.startswith(f"# discover run {runs['evolve']}\n\n{DRY_RUN}")
    assert "Same budget for every run: max_samples 18" in text
    rows = [line for line in text.splitlines() if line.startswith(f"| {Path(runs['evolve']).parent}")]
    assert len(rows) == 2 and "| evolve |" in rows[0] and "| random |" in rows[1]
    assert "Gap % per class" in text and "Lineage of the pick" in text and "paper gap %" in text
    for png in ("curves.png", "compare.png"):
        data = (path.parent / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and f"]({png})" in text
    other = markdown(runs["random"])
    assert "## Runs side by side" not in other and "No pick yet" not in other


def test_different_budgets_are_called_out(runs, tmp_path):
    run_json = Path(runs["random"]) / "run.json"
    copy = tmp_path / "random"
    copy.mkdir()
    for name in ("events.jsonl", "run.json"):
        (copy / name).write_text((Path(runs["random"]) / name).read_text())
    data = json.loads(run_json.read_text())
    data["config"]["stop"]["max_samples"] = 99
    (copy / "run.json").write_text(json.dumps(data))
    assert "**The runs had different budgets**" in markdown(runs["evolve"], [str(copy)])
