"""Budgets with requests in flight: a wave of concurrent requests reserves each one's worst case before it
is sent, so no cap is overshot; the run's response cache gives a resumed run the answers it never logged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schedbench.discover import DiscoverConfig, StopRules, read_events, resume_discover, run_discover
from schedbench.discover.budget import Budget, Reservation, stop_reason, worst_case
from schedbench.records.discover import without_timing


def _config(splits: dict[str, str], url: str, run_dir: Path, **over: object) -> DiscoverConfig:
    stop = over.pop("stop", StopRules(max_samples=40))
    return DiscoverConfig(
        train=splits["train"],
        val=splits["val"],
        references=splits["references"],
        run_dir=str(run_dir),
        base_url=url,
        model="mutate",
        stop=stop,  # type: ignore[arg-type]
        **{"islands": 2, "pop_size": 4, **over},  # type: ignore[arg-type]
    )


def _in_flight_never_overshoots(events: list[dict], field: str, spent_of, cap: float) -> int:
    """Walk the log: at every request, what was spent plus every reservation in flight stays within the
    cap. Returns the most requests that were in flight at once."""
    spent, outstanding, most = 0.0, {}, 0
    for e in events:
        if e["type"] == "llm_request":
            outstanding[e["req"]] = e[field]
            most = max(most, len(outstanding))
            assert spent + sum(outstanding.values()) <= cap + 1e-9, (e["req"], spent, outstanding)
        elif e["type"] == "llm_response":
            del outstanding[e["req"]]
            spent += spent_of(e)
    assert spent <= cap
    return most


def test_the_worst_case_of_a_request_is_its_prompt_and_a_full_completion():
    prices = {"input_per_1m": 2.0, "output_per_1m": 10.0}
    r = worst_case(prices, prompt_chars=4001, max_tokens=2048)
    assert r == Reservation(1, 1001 + 2048, round((1001 * 2.0 + 2048 * 10.0) / 1e6, 8))
    rules = StopRules(max_samples=100, max_tokens=10_000)
    spent = Budget(samples=3, tokens=4_000)
    assert stop_reason(rules, spent, elapsed_s=0, best_val=None, reserved=r) is None
    assert stop_reason(rules, spent, elapsed_s=0, best_val=None, reserved=r + r) == "max_tokens"
    assert stop_reason(StopRules(max_samples=4), spent, elapsed_s=0, best_val=None, reserved=r + r) == (
        "max_samples"
    )


@pytest.mark.parametrize("cap", ["tokens", "cost"])
def test_concurrent_requests_reserve_their_worst_case_before_they_are_sent(
    cap, smtt_splits, mutate_server, tmp_path
):
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"mutate": {"input_per_1m": 1.0, "output_per_1m": 10.0}}))
    # about five waves of four fit: the last one is cut short by the reservations, not by the answers
    stop = StopRules(max_samples=200, max_tokens=30_000) if cap == "tokens" else StopRules(max_cost=0.12)
    with mutate_server(hostile_rate=0.0, latency_s=0.3) as server:
        summary = run_discover(
            _config(
                smtt_splits, server.url, tmp_path / "run", stop=stop, concurrency=4, price_table=str(prices)
            )
        )
        overlapping = server.handler.stats["max_in_flight"]
    events = read_events(str(tmp_path / "run"))
    if cap == "tokens":
        most = _in_flight_never_overshoots(
            events, "reserved_tokens", lambda e: e["prompt_tokens"] + e["completion_tokens"], 30_000
        )
    else:
        most = _in_flight_never_overshoots(events, "reserved_cost", lambda e: e["cost"], 0.12)
    assert summary.stop_reason == f"max_{cap}"
    assert most == 4 and overlapping >= 2  # four were reserved together, and the server saw them overlap
    sizes = _wave_sizes(events)
    assert sizes[0] == 4 and min(sizes) < 4  # a wave was cut by its reservations


def _wave_sizes(events: list[dict]) -> list[int]:
    sizes, run = [], 0
    for e in events:
        if e["type"] == "llm_request":
            run += 1
        elif run:
            sizes.append(run)
            run = 0
    return sizes


def test_a_resumed_run_takes_answers_it_never_logged_from_the_cache(smtt_splits, mutate_server, tmp_path):
    run_dir = tmp_path / "run"
    with mutate_server(hostile_rate=0.0) as server:
        run_discover(_config(smtt_splits, server.url, run_dir, stop=StopRules(max_samples=8), concurrency=4))
    lines = (run_dir / "events.jsonl").read_text().splitlines()
    whole = [without_timing(json.loads(line)) for line in lines]
    last_request = max(k for k, e in enumerate(whole) if e["type"] == "llm_request")
    assert whole[last_request + 1]["type"] == "llm_response"
    # as if killed while the last wave was in flight: its answers arrived (cached) but none was logged
    (run_dir / "events.jsonl").write_text("\n".join(lines[: last_request + 1]) + "\n")
    resume_discover(str(run_dir), base_url="http://127.0.0.1:9/v1")  # the model is gone
    again = read_events(str(run_dir))
    assert [without_timing(e) for e in again] == whole
    hits = [e["timing"].get("cache_hit") for e in again if e["type"] == "llm_response"]
    assert hits[-4:] == [True] * 4


@pytest.mark.parametrize(
    "rule, stop, check",
    [
        ("max_evals", StopRules(max_samples=100, max_evals=6), lambda b: 6 <= b["evals"] < 6 + 4 * 2),
        ("max_wall", StopRules(max_samples=100, max_wall_s=0.001), lambda b: b["samples"] == 0),
        ("patience", StopRules(max_samples=200, patience=2), lambda b: b["val_stale"] >= 2),
        ("target_gap", StopRules(max_samples=200, target_gap=50.0), lambda b: b["val_rounds"] >= 1),
    ],
)
def test_every_stop_rule_stops_the_run_with_its_reason(
    rule, stop, check, smtt_splits, mutate_server, tmp_path
):
    with mutate_server(hostile_rate=0.0) as server:
        summary = run_discover(
            _config(smtt_splits, server.url, tmp_path / "run", stop=stop, islands=2, pop_size=2, val_every=1)
        )
    assert summary.stop_reason == rule and check(summary.budget), summary.budget
    stops = [e for e in read_events(str(tmp_path / "run")) if e["type"] == "stop"]
    assert [s["reason"] for s in stops] == [rule]
