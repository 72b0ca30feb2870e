"""The model side of a discovery run: one request's messages and reservation, its call (through the run's
response cache), and the fields its ``llm_request`` and ``llm_response`` events log.

Answers are cached in ``RUN_DIR/cache.sqlite`` as they arrive, before they are logged: a run killed while
requests were in flight gets the same answers back on resume instead of new draws from the model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schedbench.datasets.jsonl import JsonValue
from schedbench.discover.budget import Reservation, cost_of, worst_case
from schedbench.discover.config import DiscoverConfig
from schedbench.discover.journal import store_text
from schedbench.discover.prompts import TEMPLATE_HASH
from schedbench.llm_eval.cache import ResponseCache, cache_key
from schedbench.llm_eval.client import ChatClient, usage_of


@dataclass(frozen=True)
class Request:
    """One request of the run: where it sits, what it asks, and its worst-case reservation."""

    slot: int
    gen: int
    island: int
    round: int  # 0: the slot's proposal; 1: its repair
    operator: str
    parents: tuple[str, ...]
    messages: tuple[Mapping[str, str], ...]
    seed: int
    reservation: Reservation

    @property
    def req(self) -> str:
        return f"{self.slot}.{self.round}"

    @property
    def prompt_text(self) -> str:
        return json.dumps(list(self.messages), ensure_ascii=False, indent=1)


Answer = tuple[dict[str, JsonValue], dict[str, JsonValue], str | None]


class Asker:
    """Builds, sends and logs the requests of one run directory."""

    def __init__(self, config: DiscoverConfig, run_dir: Path, prices: Mapping[str, float] | None) -> None:
        self.config = config
        self.dir = run_dir
        self.prices = prices
        self.cache: ResponseCache | None = None
        self.client: ChatClient | None = None

    def request(
        self,
        slot: int,
        gen: int,
        island: int,
        round_: int,
        operator: str,
        parents: list[str],
        messages: list[dict[str, str]],
        seed: int,
    ) -> Request:
        text = json.dumps(messages, ensure_ascii=False, indent=1)
        reservation = worst_case(self.prices, len(text), self.config.max_tokens_per_call)
        return Request(
            slot, gen, island, round_, operator, tuple(parents), tuple(messages), seed, reservation
        )

    def request_fields(self, r: Request) -> dict[str, JsonValue]:
        """The ``llm_request`` event of ``r`` (its prompt stored content-addressed)."""
        text = r.prompt_text
        prompt_sha = store_text(self.dir / "prompts", text)
        return {
            "req": r.req,
            "operator": r.operator,
            "parents": list(r.parents),
            "prompt_sha": prompt_sha[:16],
            "prompt_chars": len(text),
            "temperature": self.config.temperature,
            "seed": r.seed,
            "max_tokens": self.config.max_tokens_per_call,
            "reserved_tokens": r.reservation.tokens,
            "reserved_cost": r.reservation.cost,
            "template": TEMPLATE_HASH,
        }

    def _params(self, r: Request) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.config.model,
            "messages": [dict(m) for m in r.messages],
            "max_tokens": self.config.max_tokens_per_call,
            "seed": r.seed,
        }
        if self.config.temperature is not None:
            params["temperature"] = self.config.temperature
        return params

    async def call(self, r: Request) -> Answer:
        """Send ``r`` (or take its cached answer): the ``llm_response`` fields, timing, and the text."""
        assert self.client is not None
        params = self._params(r)
        key = cache_key("discover", params, 0)
        body = self.cache.get(key) if self.cache is not None else None
        timing: dict[str, JsonValue] = {"cache_hit": body is not None}
        if body is None:
            result = await self.client.complete(params, label=r.req)
            timing.update(latency_s=result.latency_s, elapsed_s=result.elapsed_s)
            if not result.ok or result.body is None:
                return self._error(r, result.error_class, result.error), timing, None
            body = result.body
            if self.cache is not None:
                self.cache.put(key, body)
        return self._answer(r, body, timing)

    def _error(self, r: Request, error_class: str | None, error: str | None) -> dict[str, JsonValue]:
        return {
            "req": r.req,
            "status": "error",
            "error_class": error_class,
            "error": error,
            "finish_reason": None,
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "estimated": False,
            "cost": 0.0,
            "response_sha": None,
            "fingerprint": None,
        }

    def _answer(self, r: Request, body: Mapping[str, Any], timing: dict[str, JsonValue]) -> Answer:
        choices = body.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices else None
        if not isinstance(choice, dict):
            return self._error(r, "bad_response", "no choices in the answer"), timing, None
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        text = content if isinstance(content, str) else ""
        usage = usage_of(dict(body))
        estimated = usage["prompt_tokens"] is None or usage["completion_tokens"] is None
        prompt_tokens = usage["prompt_tokens"] or math.ceil(len(r.prompt_text) / 4)
        completion_tokens = usage["completion_tokens"] or math.ceil(len(text) / 4)
        fingerprint = body.get("system_fingerprint")
        data: dict[str, JsonValue] = {
            "req": r.req,
            "status": "ok",
            "finish_reason": choice.get("finish_reason"),
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "estimated": estimated,
            "cost": cost_of(self.prices, prompt_tokens, completion_tokens),
            "response_sha": store_text(self.dir / "responses", text)[:16],
            "fingerprint": fingerprint if isinstance(fingerprint, str) else None,
        }
        return data, timing, text

    def logged_text(self, event: Mapping[str, JsonValue]) -> str | None:
        """The answer text of a logged ``llm_response`` (None for a failed request)."""
        if event["status"] != "ok":
            return None
        return (self.dir / "responses" / f"{event['response_sha']}.txt").read_text(encoding="utf-8")
