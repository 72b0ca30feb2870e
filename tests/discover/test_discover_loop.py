"""The discovery loop against the mutate server: stop rules, the pick on validation, the test once, records."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from helpers.discover import mutate_config

from schedbench.discover import read_events, run_discover, run_test
from schedbench.discover.finish import export_rules
from schedbench.heuristics.sandbox import LEVELS
from schedbench.problems import SchedbenchError
from schedbench.records import record_schema
from schedbench.records.discover import DISCOVER_EVENT

SECRET = "sk-test-0123456789abcdef-secret"


@pytest.fixture(scope="module")
def evolved(smtt_splits, tmp_path_factory):
    """One evolve run (24 samples, 10% hostile) with its test; the API key set in the environment."""
    from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
    from schedbench.llm_eval.mutate import MutateConfig

    run_dir = tmp_path_factory.mktemp("evolve") / "run"
    mp = pytest.MonkeyPatch()
    mp.setenv("DISCOVER_TEST_KEY", SECRET)
    try:
        with ServerThread(BaselineConfig(mode="mutate", mutate=MutateConfig(hostile_rate=0.1))) as server:
            summary = run_discover(mutate_config(smtt_splits, server.url, run_dir))
    finally:
        mp.undo()
    return summary, run_dir


def test_the_run_stops_on_max_samples_and_its_pick_beats_mdd_on_test(evolved):
    summary, run_dir = evolved
    assert summary.stop_reason == "max_samples" and summary.budget["samples"] == 24
    test = json.loads((run_dir / "test.json").read_text())
    assert test["evaluations"] == 1 and test["metrics"]["valid"]
    assert test["metrics"]["fitness"] < test["builtins"]["mdd"]["fitness"]
    assert test["metrics"]["fitness"] < test["builtins"]["edd"]["fitness"]
    assert (run_dir / "best" / "rule.py").read_text() == (
        run_dir / "candidates" / f"{summary.pick}.py"
    ).read_text()


def test_the_pick_is_the_best_validation_score(evolved):
    summary, run_dir = evolved
    scores = {}
    for event in read_events(str(run_dir)):
        if event["type"] == "validation":
            scores.update({c["id"]: c["val_fitness"] for c in event["candidates"]})
    assert summary.pick in scores
    assert scores[summary.pick] == min(v for v in scores.values() if v is not None)


def test_every_event_matches_its_schema_and_the_log_is_ordered(evolved):
    _, run_dir = evolved
    schema = record_schema(DISCOVER_EVENT)
    events = read_events(str(run_dir))
    for k, event in enumerate(events):
        jsonschema.validate(event, schema)
        assert event["seq"] == k
    kinds = [e["type"] for e in events]
    assert kinds[:3] == ["seed"] * 3 and "stop" in kinds and kinds[-1] == "test"
    seeds = {e["rule"]: e["train"]["fitness"] for e in events if e["type"] == "seed"}
    assert seeds["mdd"] < seeds["edd"]
    for e in events:
        if e["type"] == "candidate" and e["status"] in ("invalid", "rejected"):
            assert e["failure"]["code"]
        if e["type"] == "candidate" and e["status"] == "duplicate":
            assert e["train"] is None and e["duplicate_of"]


def test_exact_duplicates_are_never_evaluated_again(evolved):
    _, run_dir = evolved
    events = read_events(str(run_dir))
    evaluated = [
        e["ast_hash"] for e in events if e["type"] == "candidate" and e["status"] in ("valid", "invalid")
    ]
    seeds = [e["id"] for e in events if e["type"] == "seed"]
    assert len(evaluated) == len(set(evaluated))
    assert any(e["status"] == "duplicate" for e in events if e["type"] == "candidate")
    assert len(list((run_dir / "candidates").glob("*.py"))) == len(evaluated) + len(seeds)


def test_no_file_of_the_run_holds_the_api_key_nor_a_prompt_validation_data(evolved, smtt_splits):
    _, run_dir = evolved
    val_names = [
        json.loads(line)["name"]
        for split in ("val", "test")
        for line in Path(smtt_splits[split]).read_text().splitlines()
    ]
    for path in run_dir.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert SECRET not in text, path
    for prompt in (run_dir / "prompts").iterdir():
        text = prompt.read_text()
        assert not any(name in text for name in val_names)
    run = json.loads((run_dir / "run.json").read_text())
    assert run["template"]["hash"] and run["sandbox"]["level"] in LEVELS


def test_a_second_test_needs_force_and_is_counted(evolved):
    _, run_dir = evolved
    with pytest.raises(SchedbenchError, match="already run 1 time"):
        run_test(str(run_dir))
    again = run_test(str(run_dir), force=True)
    assert again["evaluations"] == 2
    assert json.loads((run_dir / "test.json").read_text())["evaluations"] == 2


def test_export_writes_plugins_the_leaderboard_scores_the_same(evolved, smtt_splits, tmp_path, cli_run):
    summary, run_dir = evolved
    files = export_rules(str(run_dir), str(tmp_path / "rules"), top=2)
    assert files and files[0].name == f"discovered_{summary.pick}.py"
    cli_run(
        "leaderboard",
        smtt_splits["train"],
        "--references",
        smtt_splits["references"],
        "--heuristics",
        "mdd",
        "--plugin",
        str(files[0]),
        "-o",
        str(tmp_path / "board"),
        "--no-plots",
        "--no-progress",
        "-j",
        "1",
    )
    records = [json.loads(line) for line in (tmp_path / "board" / "records.jsonl").read_text().splitlines()]
    mine = [r["objective"] for r in records if r["rule"] == f"discovered-{summary.pick}"]
    logged = next(
        e["train"]["objectives"]
        for e in read_events(str(run_dir))
        if e["type"] in ("candidate", "seed") and e.get("id") == summary.pick and e["train"]
    )
    assert mine == logged


@pytest.mark.parametrize("strategy", ["hillclimb", "random"])
def test_control_arms_run_through_the_same_path(strategy, smtt_splits, mutate_server, tmp_path):
    with mutate_server(hostile_rate=0.0) as server:
        summary = run_discover(
            mutate_config(
                smtt_splits, server.url, tmp_path / strategy, strategy=strategy, max_samples=8, test=None
            )
        )
    assert summary.stop_reason == "max_samples"
    events = read_events(str(tmp_path / strategy))
    operators = {e["operator"] for e in events if e["type"] == "llm_request"}
    assert operators == ({"m1"} if strategy == "hillclimb" else {"e1"})
    if strategy == "random":
        edd = next(e["id"] for e in events if e["type"] == "seed" and e["rule"] == "edd")
        assert all(e["parents"] == [edd] for e in events if e["type"] == "llm_request")


def test_budget_caps_stop_the_run_with_their_reason(smtt_splits, mutate_server, tmp_path):
    with mutate_server(hostile_rate=1.0) as server:
        streak = run_discover(
            mutate_config(
                smtt_splits, server.url, tmp_path / "streak", max_invalid_streak=3, repair=False, test=None
            )
        )
        tokens = run_discover(
            mutate_config(smtt_splits, server.url, tmp_path / "tokens", max_tokens=3000, test=None)
        )
    # the answers of a wave already in flight are scored too: the streak ends within one wave of the cap
    assert streak.stop_reason == "invalid_streak" and 3 <= streak.budget["invalid_streak"] < 3 + 4
    assert tokens.stop_reason == "max_tokens" and tokens.budget["tokens"] <= 3000
    stop = [e for e in read_events(str(tmp_path / "tokens")) if e["type"] == "stop"]
    assert stop[-1]["reason"] == "max_tokens"


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_dead_endpoint_stops_on_transport_failures(concurrency, smtt_splits, tmp_path):
    config = mutate_config(
        smtt_splits,
        "http://127.0.0.1:9/v1",
        tmp_path / "dead",
        max_transport_failures=2,
        test=None,
        max_attempts=1,
        concurrency=concurrency,
    )
    summary = run_discover(config)
    # a wave in flight is answered (here: refused) in full before the streak is looked at
    assert summary.stop_reason == "transport_failures" and summary.budget["samples"] == max(2, concurrency)


def test_a_second_run_into_the_same_directory_is_refused(evolved, smtt_splits):
    _, run_dir = evolved
    with pytest.raises(SchedbenchError, match="discover resume"):
        run_discover(mutate_config(smtt_splits, "http://127.0.0.1:9/v1", run_dir))
