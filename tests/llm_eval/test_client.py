"""The retrying client against a real local chat-completions server (the baseline server in a thread)."""

from __future__ import annotations

import asyncio
import socket
import sys

import pytest

from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.client import ChatClient, RetryPolicy, parse_retry_after
from schedbench.llm_eval.prompts import build_prompt
from schedbench.problems import SchedbenchError, parse_instance

INST = parse_instance(
    {
        "schema": "schedbench/instance/v1",
        "problem": "smtt",
        "name": "s",
        "jobs": [
            {"name": "a", "processing_time": 3, "due_date": 2},
            {"name": "b", "processing_time": 1, "due_date": 1},
        ],
    }
)
PARAMS = {"model": "m", "messages": build_prompt(INST).messages}


def complete(url: str, *, timeout_s: float = 5.0, attempts: int = 3):
    async def go():
        client = ChatClient(
            url, api_key="sk-test", timeout_s=timeout_s, policy=RetryPolicy(attempts, 0.01, 0.05, 30)
        )
        try:
            return await client.complete(PARAMS)
        finally:
            await client.aclose()

    return asyncio.run(go())


def faults(plan: list[str | None]):
    """Fault for request number n (1-based) from the plan; none after it ends."""
    return lambda info: plan[info.number - 1] if info.number <= len(plan) else None


def test_429_retry_after_is_honoured_then_success():
    with ServerThread(BaselineConfig(retry_after="1"), faults(["429"])) as server:
        result = complete(server.url)
    assert result.ok
    first, second = result.attempts
    assert first["outcome"] == "rate_limit" and first["status"] == 429
    assert first["retry_after_s"] == 1.0 and first["wait_s"] == 1.0
    assert second["outcome"] == "ok" and second["t_s"] >= 1.0


def test_500_is_retried_then_recorded_as_server_error():
    with ServerThread(BaselineConfig(), faults(["500", "500", "500"])) as server:
        result = complete(server.url, attempts=3)
        assert server.handler.stats["chat"] == 3
    assert not result.ok and result.error_class == "server_error"
    assert [a["outcome"] for a in result.attempts] == ["server_error"] * 3


def test_500_then_success():
    with ServerThread(BaselineConfig(), faults(["500"])) as server:
        result = complete(server.url)
    assert result.ok and [a["outcome"] for a in result.attempts] == ["server_error", "ok"]


def test_slow_response_past_the_timeout_is_a_timeout():
    with ServerThread(BaselineConfig(delay_s=3.0), faults(["delay", "delay"])) as server:
        result = complete(server.url, timeout_s=0.3, attempts=2)
    assert not result.ok and result.error_class == "timeout"
    assert [a["outcome"] for a in result.attempts] == ["timeout", "timeout"]


def test_dropped_connection_is_a_connection_error():
    with ServerThread(BaselineConfig(), faults(["drop", "drop"])) as server:
        result = complete(server.url, attempts=2)
    assert result.error_class == "connection"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_dead_endpoint():
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = complete(url, attempts=2)
    assert result.error_class == "connection" and len(result.attempts) == 2

    async def models():
        client = ChatClient(url, api_key="x", timeout_s=2)
        try:
            await client.list_models()
        finally:
            await client.aclose()

    with pytest.raises(SchedbenchError, match="cannot list models"):
        asyncio.run(models())


def test_parse_retry_after_forms():
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # a past date: no wait
    assert parse_retry_after({"retry-after": "soon"}) is None and parse_retry_after({}) is None


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="relies on Linux dropping SYNs to a full queue"
)
def test_connect_timeout_counts_as_a_connection_error():
    """A host that never completes the TCP handshake is unreachable, not slow (so the breaker counts it)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # never accepted: once the queue is full, new handshakes hang
        fillers = []
        for _ in range(3):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(listener.getsockname())
            fillers.append(filler)
        try:
            result = complete(f"http://127.0.0.1:{listener.getsockname()[1]}/v1", timeout_s=0.5, attempts=1)
        finally:
            for filler in fillers:
                filler.close()
    assert result.error_class == "connection" and "timed out" in result.attempts[0]["error"]
