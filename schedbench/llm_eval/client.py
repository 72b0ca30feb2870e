"""Chat-completion requests with our own retries: one class per failure kind, Retry-After, a total deadline.

The openai SDK sends the requests (``max_retries=0``); this module decides what to retry and logs every
attempt. Each attempt has a total wall-clock bound (a server that drips one byte at a time is cut off),
the body is read up to a size cap and decoded without recursion limits turning into crashes, and a body
that is not a chat completion is a ``bad_response`` (never returned, so never cached). The API key is read
from an environment variable; it, URL userinfo and key-like query parameters are masked in everything this
module hands back.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import logging
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schedbench.datasets.jsonl import loads
from schedbench.llm_eval.redact import Redactor, redact_url, url_secrets
from schedbench.problems.errors import SchedbenchError

log = logging.getLogger("schedbench.llm_eval")

PLACEHOLDER_KEY = "sk-no-key-needed"
RETRYABLE = frozenset({"rate_limit", "server_error", "timeout", "connection"})
_POOL_SIZE = 8
ERROR_CLASSES = ("rate_limit", "server_error", "timeout", "connection", "client_error", "bad_response")
MAX_BODY_BYTES = 8 * 1024 * 1024
TOKEN_FIELDS = ("prompt_tokens", "completion_tokens", "reasoning_tokens", "total_tokens")


class BadResponse(ValueError):
    """The endpoint answered, but not with something we can use (too large, not JSON, wrong shape)."""


def decode_body(data: bytes, *, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """A chat-completion body from raw bytes, or `BadResponse` saying why it is not one."""
    if len(data) > limit:
        raise BadResponse(f"response body over the {limit}-byte cap")
    try:
        body = loads(data, strict=False)
    except ValueError as err:
        raise BadResponse(f"response is not JSON: {err}") from None
    check_body(body)
    return body


def check_body(body: Any) -> None:
    """Raise `BadResponse` unless `body` has a non-empty `choices` list whose first entry is an object."""
    if not isinstance(body, dict):
        raise BadResponse(f"response is a JSON {type(body).__name__}, not an object")
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices:
        raise BadResponse("the response has no choices")
    if not isinstance(choices[0], dict):
        raise BadResponse("the response's first choice is not an object")


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def usage_of(body: dict[str, Any]) -> dict[str, int | None]:
    """Token counts of a response; anything that is not a non-negative integer (a string, a float, a
    nested object) counts as unknown (None), so a hostile `usage` cannot break totals or reports."""
    usage = body.get("usage")
    usage = usage if isinstance(usage, dict) else {}
    details = usage.get("completion_tokens_details")
    details = details if isinstance(details, dict) else {}
    return {
        "prompt_tokens": _count(usage.get("prompt_tokens")),
        "completion_tokens": _count(usage.get("completion_tokens")),
        "reasoning_tokens": _count(details.get("reasoning_tokens")),
        "total_tokens": _count(usage.get("total_tokens")),
    }


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter for retryable failures, bounded by attempts and a total deadline."""

    max_attempts: int = 6
    base_delay_s: float = 1.0
    max_delay_s: float = 60.0
    total_deadline_s: float = 900.0


@dataclass
class CallResult:
    """The outcome of one logical request after all its attempts."""

    body: dict[str, Any] | None
    error_class: str | None = None
    error: str | None = None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    latency_s: float | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.body is not None


def resolve_api_key(env_var: str) -> tuple[str, str]:
    """The key from ``env_var``, or a placeholder for local servers; also says which one was used."""
    key = os.environ.get(env_var)
    if key:
        return key, f"env:{env_var}"
    return PLACEHOLDER_KEY, "placeholder"


def parse_retry_after(headers: Any) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        value = float(raw)
        return max(0.0, value) if math.isfinite(value) else None
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(raw)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())


def classify(exc: BaseException) -> tuple[str, int | None]:
    """Our error class and the HTTP status (if any) for an exception raised by the SDK."""
    import httpx2
    import openai

    if isinstance(exc, BadResponse):
        return "bad_response", None
    if isinstance(exc, openai.APITimeoutError) and isinstance(exc.__cause__, httpx2.ConnectTimeout):
        return "connection", None  # no connection was ever made: the endpoint is unreachable
    if isinstance(exc, openai.APITimeoutError | asyncio.TimeoutError):
        return "timeout", None
    if isinstance(exc, openai.APIConnectionError):
        return "connection", None
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status == 429:
            return "rate_limit", status
        if status >= 500:
            return "server_error", status
        return "client_error", status
    return "bad_response", None


def _wall_bound(timeout_s: float) -> float:
    """The wall-clock bound of one attempt whose socket operations each have `timeout_s`."""
    return timeout_s + min(0.2 * timeout_s, 1.0)


def _short(exc: BaseException, limit: int = 300) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ChatClient:
    """An async OpenAI-compatible chat client with our retry policy."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        timeout_s: float = 120.0,
        policy: RetryPolicy | None = None,
        max_connections: int = 100,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        import httpx2
        import openai

        self.base_url = base_url
        self.redactor = Redactor([api_key if api_key != PLACEHOLDER_KEY else None, *url_secrets(base_url)])
        self.label_url = redact_url(base_url)
        self.timeout_s = timeout_s
        self.max_body_bytes = max_body_bytes
        self.policy = policy or RetryPolicy()
        # httpcore scans every pooled connection per request; several small pools keep that scan short
        shards = max(1, math.ceil(max_connections / _POOL_SIZE))
        per_pool = math.ceil(max_connections / shards)
        limits = httpx2.Limits(max_connections=per_pool, max_keepalive_connections=per_pool)
        self._sdks = [
            openai.AsyncOpenAI(
                base_url=base_url,
                api_key=api_key,
                max_retries=0,
                timeout=timeout_s,
                http_client=httpx2.AsyncClient(limits=limits, timeout=timeout_s),
            )
            for _ in range(shards)
        ]
        self._sdk = self._sdks[0]
        self._next = itertools.cycle(self._sdks)
        self._rng = random.Random()

    async def aclose(self) -> None:
        for sdk in self._sdks:
            await sdk.close()

    async def list_models(self) -> dict[str, Any]:
        """The endpoint's ``/models`` answer; a dead or refusing endpoint is a one-line user error.

        A server without a models route (404/405) may still serve chat completions: its answer is
        recorded as ``{"data": [], "error": "HTTP 404"}`` and the run goes on.
        """
        limit = min(self.timeout_s, 30.0)
        try:
            body = await asyncio.wait_for(self._read_models(limit), _wall_bound(limit))
            answer = body if isinstance(body, dict) else {"data": [], "answer": body}
            masked = self.redactor.json(answer)
            return masked if isinstance(masked, dict) else answer
        except Exception as exc:  # any other failure here means the run cannot start
            kind, status = classify(exc)
            if status in (404, 405):
                return {"data": [], "error": f"HTTP {status}"}
            hint = {
                "connection": "is the server running and the URL right?",
                "timeout": "the server did not answer in time",
            }.get(kind, "check the URL and the API key environment variable")
            where = f"HTTP {status}" if status else kind
            raise SchedbenchError(f"cannot list models at {self.label_url} ({where}): {hint}") from None

    async def _read_models(self, timeout: float) -> Any:
        async with self._sdk.models.with_streaming_response.list(timeout=timeout) as response:
            data = await self._read_capped(response)
        try:
            return loads(data, strict=False)
        except ValueError as err:
            raise BadResponse(f"models answer is not JSON: {err}") from None

    async def _read_capped(self, response: Any) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_body_bytes:
                raise BadResponse(f"response body over the {self.max_body_bytes}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _attempt(self, request: dict[str, Any], extra_body: Any, timeout: float) -> tuple[int, dict]:
        """One HTTP exchange, body included, within `timeout` seconds of wall-clock time."""
        sdk = next(self._next)
        async with sdk.chat.completions.with_streaming_response.create(
            **request, extra_body=extra_body, timeout=timeout
        ) as response:
            data = await self._read_capped(response)
            status = response.http_response.status_code
        return status, decode_body(data, limit=self.max_body_bytes)

    async def complete(
        self,
        params: dict[str, Any],
        *,
        label: str = "",
        endpoint_down: Callable[[], bool] | None = None,
    ) -> CallResult:
        """Send one chat completion with retries; never raises for endpoint trouble.

        ``endpoint_down()`` is asked after each connection error: when true, the request stops
        retrying at once and its last attempt says ``"gave_up": "endpoint_down"``.
        """
        policy = self.policy
        started = time.monotonic()
        result = CallResult(body=None)
        request = dict(params)
        extra_body = request.pop("extra_body", None)
        for attempt in range(1, policy.max_attempts + 1):
            remaining = policy.total_deadline_s - (time.monotonic() - started)
            attempt_timeout = max(0.001, min(self.timeout_s, remaining))
            t0 = time.monotonic()
            entry: dict[str, Any] = {"attempt": attempt, "t_s": round(t0 - started, 4)}
            try:
                # the SDK's timeout binds each socket operation; this bound binds the whole attempt (a
                # little later, so that a connect timeout is still told apart from a slow answer)
                status, body = await asyncio.wait_for(
                    self._attempt(request, extra_body, attempt_timeout), _wall_bound(attempt_timeout)
                )
                entry.update(status=status, outcome="ok", latency_s=round(time.monotonic() - t0, 4))
                result.attempts.append(entry)
                log.info("attempt %s %d ok %.3fs", label, attempt, entry["latency_s"])
                masked = self.redactor.json(body)
                result.body = masked if isinstance(masked, dict) else body
                result.latency_s = entry["latency_s"]
                result.error_class = result.error = None
                break
            except Exception as exc:
                kind, status = classify(exc)
                if isinstance(exc, ValueError | KeyError | TypeError):
                    kind, status = "bad_response", None
                entry.update(
                    status=status,
                    outcome=kind,
                    latency_s=round(time.monotonic() - t0, 4),
                    error=self.redactor.text(_short(exc)),
                )
                result.error_class, result.error = kind, entry["error"]
                retry_after = parse_retry_after(getattr(getattr(exc, "response", None), "headers", None))
                if retry_after is not None:
                    entry["retry_after_s"] = retry_after
                wait = self._wait_before_retry(attempt, retry_after)
                remaining = policy.total_deadline_s - (time.monotonic() - started)
                give_up = kind not in RETRYABLE or attempt == policy.max_attempts or wait >= remaining
                if not give_up and kind == "connection" and endpoint_down is not None and endpoint_down():
                    give_up = True
                    entry["gave_up"] = "endpoint_down"
                elif give_up and kind in RETRYABLE and attempt < policy.max_attempts:
                    entry["gave_up"] = "deadline"
                elif not give_up:
                    entry["wait_s"] = round(wait, 3)
                result.attempts.append(entry)
                log.info("attempt %s %d %s status=%s %s", label, attempt, kind, status, entry["error"])
                if give_up:
                    break
                await asyncio.sleep(wait)
        result.elapsed_s = round(time.monotonic() - started, 4)
        return result

    def _wait_before_retry(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return retry_after
        ceiling = min(self.policy.max_delay_s, self.policy.base_delay_s * 2 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)
