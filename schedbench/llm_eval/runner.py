"""Resumable asynchronous LLM evaluation runs: one verified record per (instance, sample).

Records are appended to ``RUN_DIR/samples.jsonl`` and flushed as they arrive; a rerun of the same
command skips every (instance, sample) already written, so a killed run loses nothing on disk.
A circuit breaker stops the run when the endpoint dies: after N consecutive requests that finally fail
with a connection error, the samples still in flight are abandoned unrecorded, so a rerun resumes them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from schedbench.problems.errors import SchedbenchError

OUTCOMES = ("feasible", "infeasible", "parse_error", "request_error")
SAMPLES_FILE = "samples.jsonl"
MANIFEST_FILE = "manifest.json"
LOG_FILE = "run.log"
# configuration that defines what a run measures; a resume must not change it
IDENTITY_FIELDS = (
    "base_url",
    "model",
    "temperature",
    "seed",
    "max_tokens",
    "response_format",
    "rendering",
    "repair_rounds",
    "extra_body",
)


@dataclass
class EvalConfig:
    """Everything `schedbench llm eval` takes (the API key itself is never stored, only its variable)."""

    data: str
    base_url: str
    model: str
    run_dir: str
    samples: int = 1
    concurrency: int = 8
    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    timeout_s: float = 120.0
    response_format: str = "none"
    rendering: str = "auto"
    repair_rounds: int = 0
    api_key_env: str = "OPENAI_API_KEY"
    extra_body: dict[str, Any] | None = None
    use_cache: bool = True
    cache_path: str | None = None
    references: str | None = None
    price_table: str | None = None
    max_attempts: int = 6
    total_deadline_s: float = 900.0
    backoff_base_s: float = 1.0
    limit: int | None = None
    max_consecutive_failures: int = 10
    retry_errors: bool = False

    def check(self) -> None:
        if self.samples < 1:
            raise SchedbenchError("must be at least 1", field="--samples")
        if self.concurrency < 1:
            raise SchedbenchError("must be at least 1", field="--concurrency")
        if self.repair_rounds < 0:
            raise SchedbenchError("must be 0 or more", field="--repair-rounds")
        if self.timeout_s <= 0:
            raise SchedbenchError("must be positive", field="--timeout")
        if self.response_format not in ("none", "json_object", "json_schema"):
            raise SchedbenchError("choose none, json_object or json_schema", field="--response-format")
        if self.rendering not in ("auto", "synthetic", "domain"):
            raise SchedbenchError("choose auto, synthetic or domain", field="--rendering")
        if self.max_consecutive_failures < 0:
            raise SchedbenchError("must be 0 (never stop) or more", field="--max-consecutive-failures")


class EndpointDown(SchedbenchError):
    """The circuit breaker stopped the run: the endpoint kept refusing connections."""

    def __init__(self, base_url: str, failures: int, written: int, left: int) -> None:
        super().__init__(
            f"endpoint {base_url}: {failures} consecutive connection failures; "
            f"{written} samples written, {left} left for a re-run"
        )
        self.base_url, self.failures, self.written, self.left = base_url, failures, written, left


class _Breaker:
    """Counts requests that finally failed with a connection error, in completion order.

    While such a streak lasts the endpoint looks down: other requests stop retrying at their next
    connection error (so a dead endpoint trips the breaker after one full retry sequence, not N), and
    those cut-short samples are sent again with full retries once the endpoint answers or the work runs
    out. Records of samples that did use their full retries are held back during the streak: a success
    releases them (the endpoint was alive, so they are real request errors); a trip drops them.
    A trip abandons every sample in flight unrecorded, so a rerun sends them again.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.streak = 0
        self.tripped = False
        self.held: list[dict[str, Any]] = []

    def looks_down(self) -> bool:
        return self.streak > 0

    def request_done(self, error_class: str | None) -> None:
        if error_class == "connection":
            self.streak += 1
            if self.limit and self.streak >= self.limit:
                self.tripped = True
        else:
            self.streak = 0


@dataclass
class RunSummary:
    """What a call of `run_eval` did."""

    run_dir: str
    total: int
    skipped: int
    written: int
    outcomes: dict[str, int] = field(default_factory=dict)
    cache_hits: int = 0
    requests: int = 0
    wall_s: float = 0.0
    set_aside: int = 0


@dataclass
class _Prepared:
    inst: Any
    prompt: Any
    rendering: str
    instance_hash: str
    level: Any
    family: str
    side_families: str | None
    reference: dict[str, Any] | None


def instance_hash(inst: Any) -> str:
    """sha256 (16 hex digits) of the instance's canonical JSON without ``meta``."""
    data = {k: v for k, v in inst.to_dict().items() if k != "meta"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def instance_level(inst: Any) -> tuple[Any, str]:
    """The difficulty level: ``meta.level`` when the generator set one, else the instance size."""
    if inst.meta.get("level") is not None:
        return inst.meta["level"], "meta.level"
    if inst.problem == "smtt":
        return inst.n, "jobs"
    if inst.problem == "jssp":
        return inst.num_jobs * inst.num_machines, "jobs*machines"
    return inst.num_tasks, "tasks"


def instance_family(inst: Any) -> str:
    """The curve an instance belongs to.

    ``meta.family`` when set; for an RCPSP ladder its phase (``precedence``, ``side``, or
    ``side:downtime+windows`` when the families were chosen), so one ladder is one F(k) curve; else the
    side-constraint families present (``base`` if none); else ``-``.
    """
    meta = inst.meta
    if meta.get("family"):
        return str(meta["family"])
    if meta.get("phase") in ("precedence", "side"):
        chosen = (meta.get("parameters") or {}).get("families")
        if meta["phase"] == "side" and isinstance(chosen, list) and chosen:
            return "side:" + "+".join(sorted(map(str, chosen)))
        return str(meta["phase"])
    return side_families(inst) or "-"


def side_families(inst: Any) -> str | None:
    """The RCPSP side-constraint families present in the instance (``base`` if none), from its meta."""
    present = inst.meta.get("families")
    if not isinstance(present, list):
        return None
    return "+".join(sorted(map(str, present))) or "base"


def reference_for(
    inst: Any, references: dict[str, dict[str, Any]], source: str | None
) -> dict[str, Any] | None:
    """The reference of an instance: from a solve-output file when given, else ``meta.reference``."""
    sol = references.get(inst.name)
    if sol is not None and sol.get("objective") is not None:
        return {
            "value": sol["objective"],
            "kind": "optimal" if sol.get("status") == "optimal" else "best_known",
            "lower_bound": sol.get("bound"),
            "upper_bound": sol["objective"],
            "source": source,
        }
    ref = inst.meta.get("reference")
    return dict(ref) if isinstance(ref, dict) else None


def _pct(value: float | None, base: float | None) -> float | None:
    if value is None or base is None:
        return None
    if base > 0:
        return round(100.0 * (value - base) / base, 6)
    return 0.0 if value == base else None


class Evaluation:
    """One run: prepared instances, the client, the cache and the output file."""

    def __init__(self, config: EvalConfig, progress: Callable[[int, int, Counter[str]], None] | None = None):
        config.check()
        self.config = config
        self.progress = progress
        self.run_dir = Path(config.run_dir)
        self.outcomes: Counter[str] = Counter()
        self.cache_hits = 0
        self.requests = 0
        self.breaker = _Breaker(config.max_consecutive_failures)

    # ---- preparation ----
    def load_instances(self) -> list[_Prepared]:
        from schedbench.datasets import read_instances, read_solutions
        from schedbench.llm_eval.prompts import build_prompt, resolve_rendering

        instances = read_instances(self.config.data)
        if self.config.limit is not None:
            instances = instances[: self.config.limit]
        references = read_solutions(self.config.references) if self.config.references else {}
        prepared = []
        for inst in instances:
            rendering = resolve_rendering(inst, self.config.rendering)
            prepared.append(
                _Prepared(
                    inst=inst,
                    prompt=build_prompt(inst, rendering),
                    rendering=rendering,
                    instance_hash=instance_hash(inst),
                    level=instance_level(inst)[0],
                    family=instance_family(inst),
                    side_families=side_families(inst),
                    reference=reference_for(inst, references, self.config.references),
                )
            )
        return prepared

    def base_params(self, problem: str) -> dict[str, Any]:
        from schedbench.llm_eval.prompts import response_format

        params: dict[str, Any] = {"model": self.config.model}
        if self.config.temperature is not None:
            params["temperature"] = self.config.temperature
        if self.config.max_tokens is not None:
            params["max_tokens"] = self.config.max_tokens
        fmt = response_format(problem, self.config.response_format)
        if fmt is not None:
            params["response_format"] = fmt
        if self.config.extra_body:
            params["extra_body"] = self.config.extra_body
        return params

    # ---- one sample ----
    async def _call(
        self, client: Any, cache: Any, params: dict[str, Any], sample: int, label: str, fail_fast: bool
    ) -> dict[str, Any]:
        from schedbench.llm_eval.cache import cache_key

        key = cache_key(self.config.base_url, params, sample) if cache is not None else None
        if cache is not None:
            body = cache.get(key)
            if body is not None:
                self.cache_hits += 1
                return {"body": body, "cache_hit": True, "attempts": [], "latency_s": None, "elapsed_s": 0.0}
        self.requests += 1
        endpoint_down = self.breaker.looks_down if fail_fast and self.breaker.limit else None
        result = await client.complete(params, label=label, endpoint_down=endpoint_down)
        self.breaker.request_done(result.error_class)
        if result.ok and cache is not None:
            cache.put(key, result.body)
        return {
            "body": result.body,
            "cache_hit": False,
            "attempts": result.attempts,
            "latency_s": result.latency_s,
            "elapsed_s": result.elapsed_s,
            "error_class": result.error_class,
            "error": result.error,
        }

    def _score(self, prep: _Prepared, call: dict[str, Any]) -> dict[str, Any]:
        """Turn one response into outcome, parse status, verification, objective and gaps."""
        from schedbench.llm_eval.client import usage_of
        from schedbench.llm_eval.parsing import claim_status, parse_answer
        from schedbench.problems import verify

        out: dict[str, Any] = {"cache_hit": call["cache_hit"], "attempts": call["attempts"]}
        out["latency_s"] = call["latency_s"]
        out["elapsed_s"] = call["elapsed_s"]
        body = call["body"]
        if body is None:
            out.update(outcome="request_error", error_class=call["error_class"], error=call["error"])
            return out
        choice = body["choices"][0] if isinstance(body["choices"][0], dict) else {}
        message = choice.get("message")
        message = message if isinstance(message, dict) else {}
        content = message.get("content")
        if isinstance(content, list):  # content parts: keep their text, in order
            content = "".join(
                p.get("text", "") for p in content if isinstance(p, dict) and isinstance(p.get("text"), str)
            )
        elif content is not None and not isinstance(content, str):
            content = json.dumps(content)
        out.update(
            response=body,
            content=content,
            finish_reason=choice.get("finish_reason"),
            usage=usage_of(body),
        )
        parsed = parse_answer(content, prep.inst.problem, prep.inst.name)
        out.update(parse_status=parsed.status, parse_error=parsed.error, solution=parsed.solution)
        if parsed.truncated_after:
            out["parse_note"] = "an unfinished JSON object follows the one taken"
        if not parsed.ok:
            out["outcome"] = "parse_error"
            return out
        try:
            verification = verify(prep.inst, parsed.solution)
        except Exception as exc:  # a verifier bug must not end the run; the record says what happened
            out.update(
                outcome="parse_error",
                parse_status="verifier_error",
                parse_error=f"{type(exc).__name__}: {exc}",
            )
            return out
        counts = Counter(v.code for v in verification.violations)
        objective = verification.objective
        ref = prep.reference or {}
        out.update(
            outcome="feasible" if verification.feasible else "infeasible",
            violations=[v.to_dict() for v in verification.violations],
            violation_counts=dict(counts),
            objective=objective,
            claimed_objective=parsed.claimed_objective,
            claim_status=claim_status(parsed.claimed_objective, objective),
        )
        if verification.feasible:
            out["gap_pct"] = _pct(objective, ref.get("value"))
            out["gap_to_bound_pct"] = _pct(objective, ref.get("lower_bound"))
        return out

    async def run_sample(
        self, client: Any, cache: Any, prep: _Prepared, sample: int, *, fail_fast: bool = True
    ) -> dict[str, Any]:
        """Round 0 and the repair rounds of one sample, as its record.

        With ``fail_fast`` a request stops retrying connection errors while the breaker's streak lasts.
        """
        from schedbench.llm_eval.prompts import repair_message

        params = self.base_params(prep.inst.problem)
        if self.config.seed is not None:
            params["seed"] = self.config.seed + sample
        messages = list(prep.prompt.messages)
        rounds: list[dict[str, Any]] = []
        for r in range(self.config.repair_rounds + 1):
            label = f"{prep.inst.name}#{sample}.{r}"
            call = await self._call(client, cache, {**params, "messages": messages}, sample, label, fail_fast)
            scored = self._score(prep, call)
            scored["round"] = r
            rounds.append(scored)
            if scored["outcome"] in ("feasible", "request_error") or r == self.config.repair_rounds:
                break
            feedback = repair_message(
                scored.get("violations"),
                scored.get("parse_error") if scored["outcome"] == "parse_error" else None,
            )
            messages = [
                *messages,
                {"role": "assistant", "content": scored.get("content") or ""},
                {"role": "user", "content": feedback},
            ]
        first = rounds[0]
        feasible_round = next((x["round"] for x in rounds if x["outcome"] == "feasible"), None)
        request = {k: v for k, v in params.items()}
        request["messages_sha256"] = hashlib.sha256(
            json.dumps(prep.prompt.messages, sort_keys=True).encode()
        ).hexdigest()[:16]
        request["timeout_s"] = self.config.timeout_s
        record: dict[str, Any] = {
            "instance": prep.inst.name,
            "sample": sample,
            "outcome": first["outcome"],
            "problem": prep.inst.problem,
            "level": prep.level,
            "family": prep.family,
            "side_families": prep.side_families,
            "rendering": prep.rendering,
            "model": self.config.model,
            "instance_hash": prep.instance_hash,
            "template_id": prep.prompt.template_id,
            "template_hash": prep.prompt.template_hash,
            "request": request,
            "reference": ref.get("value") if (ref := prep.reference) else None,
            "reference_kind": ref.get("kind") if ref else None,
            "bound": ref.get("lower_bound") if ref else None,
            **{k: v for k, v in first.items() if k not in ("round",)},
            "repair": {
                "rounds": [{k: v for k, v in x.items() if k != "response"} for x in rounds[1:]],
                "feasible_round": feasible_round,
                "final_outcome": rounds[-1]["outcome"],
            },
            "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return record

    # ---- the run ----
    async def run(self) -> RunSummary:
        from schedbench.llm_eval import manifest as run_manifest
        from schedbench.llm_eval.cache import ResponseCache, default_cache_path
        from schedbench.llm_eval.client import ChatClient, RetryPolicy, resolve_api_key
        from schedbench.llm_eval.records import (
            RETRIED_FILE,
            RecordWriter,
            RunLock,
            set_aside_request_errors,
        )

        started = time.time()
        prepared = self.load_instances()
        previous = run_manifest.read_manifest(self.run_dir)
        run_manifest.check_resume_compatible(previous, self.config)
        prices = run_manifest.load_price_table(self.config.price_table, self.config.model)
        api_key, key_source = resolve_api_key(self.config.api_key_env)
        policy = RetryPolicy(
            max_attempts=self.config.max_attempts,
            base_delay_s=self.config.backoff_base_s,
            total_deadline_s=self.config.total_deadline_s,
        )
        client = ChatClient(
            self.config.base_url,
            api_key=api_key,
            timeout_s=self.config.timeout_s,
            policy=policy,
            max_connections=max(self.config.concurrency, 1),
        )
        try:
            models = await client.list_models()  # an unreachable endpoint stops here, nothing written
        except BaseException:
            await client.aclose()
            raise
        self.run_dir.mkdir(parents=True, exist_ok=True)
        lock = RunLock(self.run_dir)
        try:
            lock.acquire()
        except BaseException:
            await client.aclose()
            raise
        handler = logging.FileHandler(self.run_dir / LOG_FILE, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger = logging.getLogger("schedbench.llm_eval")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

        def write_manifest(status: str) -> None:
            run_manifest.write_run_manifest(
                self.run_dir,
                self.config,
                models=models,
                key_source=key_source,
                status=status,
                started=started,
                previous=previous,
                prices=prices,
            )

        cache = None
        writer = None
        status = "failed"
        set_aside = 0
        try:
            write_manifest("running")
            if self.config.retry_errors:
                set_aside = set_aside_request_errors(self.run_dir / SAMPLES_FILE, self.run_dir / RETRIED_FILE)
                logger.info("retry errors: %d request-error records moved to %s", set_aside, RETRIED_FILE)
            cache = (
                ResponseCache(self.config.cache_path or default_cache_path())
                if self.config.use_cache
                else None
            )
            writer = RecordWriter(self.run_dir / SAMPLES_FILE)
            done = {(r.get("instance"), r.get("sample")) for r in writer.existing}
            work = [
                (p, s) for p in prepared for s in range(self.config.samples) if (p.inst.name, s) not in done
            ]
            total = len(prepared) * self.config.samples
            skipped = total - len(work)
            logger.info("run start: %d samples, %d already done", total, skipped)
            await self._run_all(client, cache, writer, work, total, skipped)
            status = "complete"
        except EndpointDown as err:
            status = "endpoint_down"
            logger.error("stopped: %s", err)
            raise
        except (asyncio.CancelledError, KeyboardInterrupt):
            status = "interrupted"
            raise
        finally:
            if writer is not None:
                writer.close()
            if cache is not None:
                cache.close()
            await client.aclose()
            logger.removeHandler(handler)
            handler.close()
            write_manifest(status)
            lock.release()
        return RunSummary(
            run_dir=str(self.run_dir),
            total=total,
            skipped=skipped,
            written=sum(self.outcomes.values()),
            outcomes=dict(self.outcomes),
            cache_hits=self.cache_hits,
            requests=self.requests,
            wall_s=round(time.time() - started, 3),
            set_aside=set_aside,
        )

    async def _run_all(
        self, client: Any, cache: Any, writer: Any, work: list, total: int, skipped: int
    ) -> None:
        sem = asyncio.Semaphore(self.config.concurrency)
        pending: set[asyncio.Task] = set()
        failures: list[BaseException] = []
        breaker = self.breaker
        queue: deque[tuple[_Prepared, int, bool]] = deque((p, s, True) for p, s in work)
        cut_short: list[tuple[_Prepared, int, bool]] = []  # to send again, with full retries

        def write(record: dict[str, Any]) -> None:
            writer.write(record)
            self.outcomes[record["outcome"]] += 1
            if self.progress:
                self.progress(skipped + sum(self.outcomes.values()), total, self.outcomes)

        def keep(record: dict[str, Any]) -> None:
            if _last_error_class(record) == "connection" and breaker.streak > 0:
                breaker.held.append(record)  # released by the next success, dropped by a trip
                return
            write(record)
            if breaker.streak == 0:  # the endpoint answers again
                while breaker.held:
                    write(breaker.held.pop(0))
                queue.extend(cut_short)
                cut_short.clear()

        async def one(prep: _Prepared, sample: int, fail_fast: bool) -> None:
            try:
                record = await self.run_sample(client, cache, prep, sample, fail_fast=fail_fast)
                if breaker.tripped:  # this sample and every one in flight are abandoned, unrecorded
                    current = asyncio.current_task()
                    for task in list(pending):
                        if task is not current:
                            task.cancel()
                elif _gave_up_early(record):
                    cut_short.append((prep, sample, False))
                else:
                    keep(record)
            finally:
                sem.release()

        def finished(task: asyncio.Task) -> None:
            pending.discard(task)
            if not task.cancelled() and task.exception() is not None:
                failures.append(task.exception())

        try:
            while not breaker.tripped and not failures:
                if queue:
                    await sem.acquire()
                    if breaker.tripped or failures:
                        break
                    task = asyncio.create_task(one(*queue.popleft()))
                    pending.add(task)
                    task.add_done_callback(finished)
                elif pending:
                    await asyncio.wait(set(pending), return_when=asyncio.FIRST_COMPLETED)
                elif cut_short:  # the work ran out inside a short streak: full retries for these
                    queue.extend(cut_short)
                    cut_short.clear()
                else:
                    break
            if failures:
                raise failures[0]
        finally:
            for task in list(pending):
                task.cancel()
            if pending:
                await asyncio.gather(*list(pending), return_exceptions=True)
        if breaker.tripped:
            breaker.held.clear()
            written = skipped + sum(self.outcomes.values())
            raise EndpointDown(self.config.base_url, breaker.streak, written, total - written)
        while breaker.held:  # the run ended inside a short streak: those were real request errors
            write(breaker.held.pop(0))


def _last_request(record: dict[str, Any]) -> dict[str, Any]:
    rounds = record.get("repair", {}).get("rounds") or []
    return rounds[-1] if rounds else record


def _last_error_class(record: dict[str, Any]) -> str | None:
    """The error class of the sample's last request when it failed (repair rounds included)."""
    last = _last_request(record)
    return last.get("error_class") if last.get("outcome") == "request_error" else None


def _gave_up_early(record: dict[str, Any]) -> bool:
    """True when the sample's last request stopped retrying because the endpoint looked down."""
    attempts = _last_request(record).get("attempts") or []
    return bool(attempts) and attempts[-1].get("gave_up") == "endpoint_down"


def run_eval(
    config: EvalConfig, progress: Callable[[int, int, Counter[str]], None] | None = None
) -> RunSummary:
    """Run (or resume) an evaluation and return its summary."""
    return asyncio.run(Evaluation(config, progress).run())


def config_dict(config: EvalConfig) -> dict[str, Any]:
    """The configuration as JSON (the API key is not part of it, only the variable's name)."""
    return asdict(config)
