"""`schedbench llm serve-baseline`: an offline OpenAI-compatible endpoint answering from a heuristic.

It speaks ``GET /v1/models`` and ``POST /v1/chat/completions`` on localhost, rebuilds the instance from
the prompt's ``<instance_data>`` block, answers with a heuristic schedule, and can inject faults
(garbage, truncated JSON, infeasible schedules, a wrong claimed objective, 429, 500, delays,
dropped connections) so the
whole pipeline can be dry-run without a model. ``GET /stats`` reports request counts.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schedbench.heuristics import run_heuristic
from schedbench.llm_eval.mutate import MutateConfig, mutate_reply
from schedbench.llm_eval.prompts import (
    DATA_CLOSE,
    DATA_OPEN,
    data_from_prompt,
    instance_dict_from_data,
)
from schedbench.problems import Instance, SchedbenchError, parse_instance, verify

MODES = ("solve", "mutate")
FAULTS = ("garbage", "truncate", "infeasible", "lie", "429", "500", "delay", "drop")
STYLES = ("plain", "fenced", "prose")
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


@dataclass
class RequestInfo:
    """What the fault chooser sees about one chat request."""

    number: int
    instance: str | None
    seed: int | None
    turns: int


@dataclass
class BaselineConfig:
    """How the baseline answers: heuristic, answer style, fault probabilities and their parameters."""

    heuristic: str = "auto"
    style: str = "plain"
    faults: dict[str, float] = field(default_factory=dict)
    delay_s: float = 5.0
    retry_after: str = "1"
    seed: int = 0
    model: str = "schedbench-baseline"
    mode: str = "solve"  # "mutate": answer discovery prompts (see schedbench.llm_eval.mutate)
    mutate: MutateConfig = field(default_factory=MutateConfig)


#: ``auto``: a good rule per problem; ``builtin``: the cheapest one (for measuring the pipeline's overhead)
AUTO_RULES = {"smtt": "mddc", "jssp": "mwkr-active", "rcpsp": "lft-serial"}
BUILTIN_RULES = {"smtt": "edd", "jssp": "fifo-nondelay", "rcpsp": "lft-serial"}


def rule_for(spec: str, problem: str) -> str:
    """The registry rule for ``problem`` from ``auto``, ``builtin``, one name, or ``rcpsp=lft-serial,smtt=atc``
    (a problem left out gets ``auto``)."""
    if "=" in spec:
        spec = dict(part.split("=", 1) for part in spec.split(",") if "=" in part).get(problem, "auto")
    return {"auto": AUTO_RULES, "builtin": BUILTIN_RULES}.get(spec, {}).get(problem, spec)


def parse_faults(spec: str | None) -> dict[str, float]:
    """``"garbage=0.1,429=0.05"`` -> probabilities; the sum must not exceed 1."""
    faults: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in (spec or "").split(","))):
        name, _, value = part.partition("=")
        if name not in FAULTS:
            raise SchedbenchError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}", field="--faults")
        try:
            faults[name] = float(value) if value else 1.0
        except ValueError:
            raise SchedbenchError(f"fault {name}: {value!r} is not a probability", field="--faults") from None
    if any(p < 0 for p in faults.values()) or sum(faults.values()) > 1 + 1e-9:
        raise SchedbenchError("fault probabilities must be >= 0 and sum to at most 1", field="--faults")
    return faults


class BaselineServer:
    """The request handler and its counters; `serve` runs it on an asyncio loop."""

    def __init__(
        self, config: BaselineConfig, choose_fault: Callable[[RequestInfo], str | None] | None = None
    ):
        for name in ("style",):
            if getattr(config, name) not in STYLES:
                raise SchedbenchError(f"unknown style {config.style!r}; choose from {', '.join(STYLES)}")
        self.config = config
        self.choose_fault = choose_fault or self._random_fault
        self._rng = random.Random(config.seed)
        self._answers: dict[str, tuple[Any, dict[str, Any], int | None]] = {}
        self.stats: Counter[str] = Counter()
        self._in_flight = 0  # mutate mode: answers being prepared now (stats["max_in_flight"]: the most)
        self.by_key: Counter[str] = Counter()
        self.server: asyncio.AbstractServer | None = None

    def _random_fault(self, info: RequestInfo) -> str | None:
        u = self._rng.random()
        for name, p in self.config.faults.items():
            if u < p:
                return name
            u -= p
        return None

    # ---- HTTP ----
    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line.strip():
                    break
                method, target, *_ = line.decode("latin-1").split()
                headers: dict[str, str] = {}
                while True:
                    raw = await reader.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    key, _, value = raw.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                status, extra, payload = await self.route(method, target.split("?")[0], body)
                if status == 0:
                    break  # the "drop" fault: close the connection without an answer
                reason = _REASONS.get(status, "Error")
                head = [
                    f"HTTP/1.1 {status} {reason}",
                    "Content-Type: application/json",
                    f"Content-Length: {len(payload)}",
                ]
                head += [f"{k}: {v}" for k, v in extra.items()]
                writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def route(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        self.stats["requests"] += 1
        if method == "GET" and path.rstrip("/") in ("/v1/models", "/models"):
            models = {
                "object": "list",
                "data": [
                    {"id": self.config.model, "object": "model", "created": 0, "owned_by": "schedbench"}
                ],
            }
            return 200, {}, json.dumps(models).encode()
        if method == "GET" and path.rstrip("/") in ("/stats", "/v1/stats"):
            return 200, {}, json.dumps({**self.stats, "by_key": dict(self.by_key)}).encode()
        if method == "POST" and path.rstrip("/") in ("/v1/chat/completions", "/chat/completions"):
            return await self.chat(body)
        return 404, {}, _error("not found", "invalid_request_error")

    async def chat(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        self.stats["chat"] += 1
        try:
            request, messages, first_user = _chat_request(body)
            if self.config.mode == "mutate":
                return 200, {}, await self._mutate(request)
            inst, solution, objective = self._answer_for(first_user)
        except SchedbenchError as err:
            return 400, {}, _error(str(err), "invalid_request_error")
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
            return 400, {}, _error(f"bad request: {err}", "invalid_request_error")
        except Exception as err:  # noqa: BLE001 - every request gets an answer, even when answering fails
            return 500, {}, _error(f"the baseline could not answer: {type(err).__name__}", "server_error")
        seed = request.get("seed")
        self.by_key[f"{inst.name}|{seed}"] += 1
        info = RequestInfo(
            self.stats["chat"], inst.name, seed, sum(1 for m in messages if m.get("role") == "user")
        )
        fault = self.choose_fault(info)
        if fault:
            self.stats[f"fault_{fault}"] += 1
        if fault == "429":
            return (
                429,
                {"Retry-After": self.config.retry_after},
                _error("rate limited (injected)", "rate_limit_error"),
            )
        if fault == "drop":
            return 0, {}, b""
        if fault == "500":
            return 500, {}, _error("server error (injected)", "server_error")
        if fault == "delay":
            await asyncio.sleep(self.config.delay_s)
        content, finish = self._render(inst, solution, objective, fault)
        reply = {
            "id": "chatcmpl-" + hashlib.sha1(f"{info.number}".encode()).hexdigest()[:12],
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", self.config.model),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
            ],
            "usage": {
                "prompt_tokens": sum(len(str(m.get("content", ""))) for m in messages) // 4,
                "completion_tokens": len(content) // 4,
                "total_tokens": sum(len(str(m.get("content", ""))) for m in messages) // 4
                + len(content) // 4,
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        }
        return 200, {}, json.dumps(reply).encode()

    async def _mutate(self, request: dict[str, Any]) -> bytes:
        """A mutate answer after ``mutate.latency_s`` (a model's thinking time), counting overlaps."""
        self._in_flight += 1
        self.stats["max_in_flight"] = max(self.stats["max_in_flight"], self._in_flight)
        try:
            if self.config.mutate.latency_s > 0:
                await asyncio.sleep(self.config.mutate.latency_s)
            return mutate_reply(request, self.config.mutate)
        finally:
            self._in_flight -= 1

    def _answer_for(self, prompt: str) -> tuple[Instance, dict[str, Any], int | None]:
        start = prompt.find(DATA_OPEN)
        key = hashlib.sha1(prompt[start : prompt.find(DATA_CLOSE, start)].encode()).hexdigest()
        cached = self._answers.get(key)
        if cached is None:
            inst = parse_instance(instance_dict_from_data(data_from_prompt(prompt)), source="prompt")
            solution = run_heuristic(inst, rule_for(self.config.heuristic, inst.problem))
            cached = (inst, solution, verify(inst, solution).objective)
            self._answers[key] = cached
        return cached

    def _render(
        self, inst: Instance, solution: dict[str, Any], objective: int | None, fault: str | None
    ) -> tuple[str, str]:
        key = "sequence" if inst.problem == "smtt" else "starts"
        answer: dict[str, Any] = {key: solution[key], "objective": objective}
        if fault == "garbage":
            return "I am sorry, but I cannot produce a schedule for this instance.", "stop"
        if fault == "infeasible":
            answer = {key: _break(solution[key]), "objective": objective}
        if fault == "lie" and objective is not None:
            answer["objective"] = objective + 1
        text = json.dumps(answer, separators=(",", ":"))
        if fault == "truncate":
            return text[: max(1, len(text) // 2)], "length"
        if self.config.style == "fenced":
            return f"```json\n{text}\n```", "stop"
        if self.config.style == "prose":
            return (
                f"I scheduled {inst.name} with a priority rule. Here is the schedule:\n{text}\nDone.",
                "stop",
            )
        return text, "stop"

    # ---- running ----
    async def start(self, host: str = "127.0.0.1", port: int = 8000) -> tuple[str, int]:
        self.server = await asyncio.start_server(self.handle, host, port, backlog=1024)
        sockname = self.server.sockets[0].getsockname()
        return sockname[0], sockname[1]


def _chat_request(body: bytes) -> tuple[dict[str, Any], list[dict[str, Any]], str]:
    """The request, its messages and the first user message's text; a ValueError says what is wrong."""
    request = json.loads(body)
    if not isinstance(request, dict):
        raise ValueError("the body must be a JSON object")
    messages = request.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise ValueError("'messages' must be a list of message objects")
    first_user = next((m.get("content") for m in messages if m.get("role") == "user"), None)
    if not isinstance(first_user, str):
        raise ValueError("the first user message must have text 'content'")
    return request, messages, first_user


def _break(value: Any) -> Any:
    """An infeasible variant: a negative first start (rcpsp/jssp) or a repeated job in place of the last (smtt)."""
    if isinstance(value, list):
        return value[:-1] + value[:1] if len(value) > 1 else []
    broken = dict(value)
    first = next(iter(broken))
    broken[first] = [-1, *broken[first][1:]] if isinstance(broken[first], list) else -1
    return broken


def _error(message: str, kind: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": kind, "code": None}}).encode()


def serve(
    config: BaselineConfig,
    host: str = "127.0.0.1",
    port: int = 8000,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the baseline server until interrupted."""

    async def main() -> None:
        server = BaselineServer(config)
        bound_host, bound_port = await server.start(host, port)
        if on_ready:
            on_ready(f"http://{bound_host}:{bound_port}/v1")
        assert server.server is not None
        async with server.server:
            await server.server.serve_forever()

    try:
        asyncio.run(main())
    except OSError as err:
        raise SchedbenchError(f"cannot listen on {host}:{port}: {err.strerror}") from None


class ServerThread:
    """A baseline server on its own loop in a daemon thread (tests, benchmarks): ``with ServerThread(cfg) as s``."""

    def __init__(
        self,
        config: BaselineConfig | None = None,
        choose_fault: Callable[[RequestInfo], str | None] | None = None,
        port: int = 0,
    ):
        self.handler = BaselineServer(config or BaselineConfig(), choose_fault)
        self.port = port  # 0: any free port
        self.loop = asyncio.new_event_loop()
        self.url = ""
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        starting = asyncio.run_coroutine_threadsafe(self.handler.start("127.0.0.1", self.port), self.loop)
        try:
            host, port = starting.result(10)
        except OSError as err:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()
            raise SchedbenchError(f"cannot listen on 127.0.0.1:{self.port}: {err.strerror}") from None
        self.url = f"http://{host}:{port}/v1"
        return self

    def __exit__(self, *exc: object) -> None:
        async def stop() -> None:
            assert self.handler.server is not None
            self.handler.server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
