"""Scheduling samples: bounded concurrency under a circuit breaker that stops a run on a dead endpoint.

A `Breaker` counts requests that finally failed with a connection error, in completion order. While
such a streak lasts the endpoint looks down: other requests stop retrying at their next connection
error (so a dead endpoint trips the breaker after one full retry sequence, not N), and those cut-short
samples are sent again with full retries once the endpoint answers or the work runs out. Records of
samples that did use their full retries are held back during the streak: a success releases them (the
endpoint was alive, so they are real request errors); a trip drops them. A trip abandons every sample in
flight unrecorded, so a rerun sends them again.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Generic, TypeVar

from schedbench.problems.errors import SchedbenchError
from schedbench.records.sample import SampleRecord

Item = TypeVar("Item")


class EndpointDown(SchedbenchError):
    """The circuit breaker stopped the run: the endpoint kept refusing connections."""

    def __init__(self, base_url: str, failures: int, written: int, left: int) -> None:
        super().__init__(
            f"endpoint {base_url}: {failures} consecutive connection failures; "
            f"{written} samples written, {left} left for a re-run"
        )
        self.base_url, self.failures, self.written, self.left = base_url, failures, written, left


class Breaker:
    """The streak of requests that finally failed to connect; ``limit`` of them in a row trip it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit  # 0: never trip
        self.streak = 0
        self.tripped = False

    def looks_down(self) -> bool:
        return self.streak > 0

    def request_done(self, error_class: str | None) -> None:
        if self.tripped:  # requests still in flight when it tripped do not change the verdict
            return
        if error_class == "connection":
            self.streak += 1
            if self.limit and self.streak >= self.limit:
                self.tripped = True
        else:
            self.streak = 0


def last_error_class(record: SampleRecord) -> str | None:
    """The error class of the sample's last request when it failed (repair rounds included)."""
    last = record.last_round
    return last.error_class if last.outcome == "request_error" else None


def gave_up_early(record: SampleRecord) -> bool:
    """True when the sample's last request stopped retrying because the endpoint looked down."""
    attempts = record.last_round.attempts
    return bool(attempts) and attempts[-1].get("gave_up") == "endpoint_down"


# run one item; the flag is "fail fast": stop retrying connection errors while the streak lasts
RunOne = Callable[[Item, bool], Awaitable[SampleRecord]]


class Scheduler(Generic[Item]):
    """Runs items at most ``concurrency`` at a time and hands each finished record to ``write``.

    `run` returns when the work is done or the breaker tripped (then nothing in flight is written); the
    first exception of any item cancels the others and is raised.
    """

    def __init__(
        self,
        run_one: RunOne[Item],
        write: Callable[[SampleRecord], None],
        breaker: Breaker,
        concurrency: int,
    ) -> None:
        self._run_one = run_one
        self._write = write
        self.breaker = breaker
        self._slots = asyncio.Semaphore(concurrency)
        self._queue: deque[tuple[Item, bool]] = deque()
        self._cut_short: list[Item] = []  # to send again, with full retries
        self._held: list[SampleRecord] = []  # request errors recorded during a connection streak
        self._pending: set[asyncio.Task[None]] = set()
        self._failures: list[BaseException] = []

    async def run(self, items: Iterable[Item]) -> None:
        self._queue.extend((item, True) for item in items)
        try:
            while await self._step():
                pass
            if self._failures:
                raise self._failures[0]
        finally:
            await self._cancel(self._pending)
        if self.breaker.tripped:
            self._held.clear()
        else:
            self._release_held()  # the run ended inside a short streak: those were real request errors

    def _stopped(self) -> bool:
        return self.breaker.tripped or bool(self._failures)

    async def _step(self) -> bool:
        """Start one item, or wait for one to finish; False once the run is over."""
        if self._stopped():
            return False
        if self._queue:
            await self._slots.acquire()
            if self._stopped():
                return False
            self._start(*self._queue.popleft())
        elif self._pending:
            await asyncio.wait(set(self._pending), return_when=asyncio.FIRST_COMPLETED)
        elif self._cut_short:  # the work ran out inside a short streak: full retries for these
            self._resend_cut_short()
        else:
            return False
        return True

    def _start(self, item: Item, fail_fast: bool) -> None:
        task = asyncio.create_task(self._one(item, fail_fast))
        self._pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._failures.append(task.exception())

    async def _one(self, item: Item, fail_fast: bool) -> None:
        try:
            record = await self._run_one(item, fail_fast)
            if self.breaker.tripped:  # this item and every one in flight are abandoned, unrecorded
                current = asyncio.current_task()
                for task in list(self._pending):
                    if task is not current:
                        task.cancel()
            elif gave_up_early(record):
                self._cut_short.append(item)
            else:
                self._keep(record)
        finally:
            self._slots.release()

    def _keep(self, record: SampleRecord) -> None:
        if last_error_class(record) == "connection" and self.breaker.streak > 0:
            self._held.append(record)  # released by the next success, dropped by a trip
            return
        self._write(record)
        if self.breaker.streak == 0:  # the endpoint answers again
            self._release_held()
            self._resend_cut_short()

    def _release_held(self) -> None:
        while self._held:
            self._write(self._held.pop(0))

    def _resend_cut_short(self) -> None:
        self._queue.extend((item, False) for item in self._cut_short)
        self._cut_short.clear()

    @staticmethod
    async def _cancel(tasks: set[asyncio.Task[None]]) -> None:
        for task in list(tasks):
            task.cancel()
        if tasks:
            await asyncio.gather(*list(tasks), return_exceptions=True)
