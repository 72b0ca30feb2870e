"""The scheduler on its own: bounded concurrency, held request errors, cut-short resends, a trip."""

from __future__ import annotations

import asyncio

import pytest

from schedbench.llm_eval.breaker import Breaker, Scheduler
from schedbench.records import RoundResult, SampleRecord


def record(name: str, outcome: str = "feasible", error_class: str | None = None, gave_up: bool = False):
    attempt = {"attempt": 1, "outcome": error_class or "ok"}
    if gave_up:
        attempt["gave_up"] = "endpoint_down"
    first = RoundResult(outcome=outcome, error_class=error_class, attempts=[attempt])
    return SampleRecord(instance=name, sample=0, problem="smtt", first=first)


def run(scheduler: Scheduler, items) -> None:
    asyncio.run(scheduler.run(items))


def test_at_most_concurrency_items_run_at_once_and_every_record_is_written():
    live, peak, written = [0], [0], []

    async def one(item: int, fail_fast: bool) -> SampleRecord:
        live[0] += 1
        peak[0] = max(peak[0], live[0])
        await asyncio.sleep(0.001 * (item % 3))
        live[0] -= 1
        return record(f"i{item}")

    run(Scheduler(one, written.append, Breaker(3), concurrency=3), range(20))
    assert peak[0] == 3 and sorted(r.instance for r in written) == sorted(f"i{i}" for i in range(20))


def test_an_item_that_raises_stops_the_run_with_its_exception():
    started = []

    async def one(item: int, fail_fast: bool) -> SampleRecord:
        started.append(item)
        if item == 2:
            raise KeyError("boom")
        await asyncio.sleep(0.01)
        return record(f"i{item}")

    with pytest.raises(KeyError, match="boom"):
        run(Scheduler(one, lambda r: None, Breaker(3), concurrency=2), range(50))
    assert len(started) < 50


def test_errors_in_a_streak_are_held_until_a_success_and_cut_short_items_go_again_in_full():
    breaker = Breaker(limit=5)
    calls: list[tuple[str, bool]] = []
    written: list[str] = []

    async def one(item: str, fail_fast: bool) -> SampleRecord:
        calls.append((item, fail_fast))
        if item == "down":  # used its full retries: a connection error
            breaker.request_done("connection")
            return record(item, "request_error", "connection")
        if item == "short" and fail_fast:  # stopped retrying while the endpoint looked down
            breaker.request_done("connection")
            return record(item, "request_error", "connection", gave_up=True)
        breaker.request_done(None)
        return record(item)

    run(Scheduler(one, lambda r: written.append(r.instance), breaker, concurrency=1), ["down", "short", "ok"])
    assert written == ["ok", "down", "short"]  # held "down" released by the success; "short" sent again
    assert calls == [("down", True), ("short", True), ("ok", True), ("short", False)]


def test_a_trip_writes_nothing_in_flight_and_drops_the_held_errors():
    breaker = Breaker(limit=2)
    written: list[str] = []

    async def one(item: str, fail_fast: bool) -> SampleRecord:
        if item.startswith("slow"):
            await asyncio.sleep(5)
        breaker.request_done("connection")
        return record(item, "request_error", "connection")

    run(
        Scheduler(one, lambda r: written.append(r.instance), breaker, concurrency=3), ["a", "b", "slow1", "c"]
    )
    assert breaker.tripped and written == []
