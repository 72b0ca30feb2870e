"""Resumable asynchronous LLM evaluation runs: one verified record per (instance, sample).

Records are appended to ``RUN_DIR/samples.jsonl`` and flushed as they arrive; a rerun of the same
command skips every (instance, sample) already written, so a killed run loses nothing on disk.
A circuit breaker (`breaker`) stops the run when the endpoint dies: the samples still in flight are
abandoned unrecorded, so a rerun resumes them. Instances are prepared by `dataset`, answers scored by
`scorer`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from schedbench.datasets.jsonl import JsonValue
from schedbench.llm_eval.breaker import Breaker, EndpointDown, Scheduler
from schedbench.llm_eval.cache import ResponseCache, cache_key, default_cache_path
from schedbench.llm_eval.client import CallResult, ChatClient, RetryPolicy, resolve_api_key
from schedbench.llm_eval.config import EvalConfig
from schedbench.llm_eval.dataset import PreparedSample, prepare_instances
from schedbench.llm_eval.manifest import check_resume_compatible, load_price_table, write_run_manifest
from schedbench.llm_eval.prompts import repair_message, response_format
from schedbench.llm_eval.records import RecordWriter, read_manifest, set_aside_request_errors
from schedbench.llm_eval.redact import redact_url
from schedbench.llm_eval.scorer import score_response
from schedbench.records.sample import Repair, RoundResult, SampleRecord

__all__ = ["EndpointDown", "EvalConfig", "Evaluation", "RunSummary", "run_eval"]

Progress = Callable[[int, int, Counter[str]], None]
Work = tuple[PreparedSample, int]  # (instance, sample number)


@dataclass(frozen=True)
class RunSummary:
    """What a call of `run_eval` did: samples in the run, already done, written now, and by what means.

    ``set_aside`` counts the request errors that ``--retry-errors`` moved to the audit file.
    """

    run_dir: str
    total: int
    skipped: int
    written: int
    outcomes: dict[str, int]
    cache_hits: int
    requests: int
    wall_s: float
    set_aside: int


class Evaluation:
    """One run: prepared instances, the client, the cache and the output file."""

    def __init__(self, config: EvalConfig, progress: Progress | None = None):
        config.check()
        self.config = config
        self.progress = progress
        self.files = config.files
        self.run_dir = self.files.dir
        self.outcomes: Counter[str] = Counter()
        self.cache_hits = 0
        self.requests = 0
        self.breaker = Breaker(config.max_consecutive_failures)

    # ---- preparation ----
    def load_instances(self) -> list[PreparedSample]:
        return prepare_instances(self.config)

    def base_params(self, problem: str) -> dict[str, JsonValue]:
        params: dict[str, JsonValue] = {"model": self.config.model}
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
        self,
        client: ChatClient,
        cache: ResponseCache | None,
        params: dict[str, JsonValue],
        sample: int,
        label: str,
        fail_fast: bool,
    ) -> tuple[CallResult, bool]:
        """The reply to one request (from the cache when it holds one) and whether it was a cache hit."""
        key = cache_key(self.config.base_url, params, sample) if cache is not None else None
        if cache is not None:
            body = cache.get(key)
            if body is not None:
                self.cache_hits += 1
                return CallResult(body=body, elapsed_s=0.0), True
        self.requests += 1
        endpoint_down = self.breaker.looks_down if fail_fast and self.breaker.limit else None
        result = await client.complete(params, label=label, endpoint_down=endpoint_down)
        self.breaker.request_done(result.error_class)
        if result.ok and cache is not None:
            cache.put(key, result.body)
        return result, False

    async def run_sample(
        self,
        client: ChatClient,
        cache: ResponseCache | None,
        prep: PreparedSample,
        sample: int,
        *,
        fail_fast: bool = True,
    ) -> SampleRecord:
        """Round 0 and the repair rounds of one sample, as its record.

        With ``fail_fast`` a request stops retrying connection errors while the breaker's streak lasts.
        """
        params = self.base_params(prep.inst.problem)
        if self.config.seed is not None:
            params["seed"] = self.config.seed + sample
        messages = list(prep.prompt.messages)
        rounds: list[RoundResult] = []
        for r in range(self.config.repair_rounds + 1):
            label = f"{prep.inst.name}#{sample}.{r}"
            reply, hit = await self._call(
                client, cache, {**params, "messages": messages}, sample, label, fail_fast
            )
            scored = score_response(prep, reply, cache_hit=hit)
            scored.round = r
            rounds.append(scored)
            if scored.outcome in ("feasible", "request_error") or r == self.config.repair_rounds:
                break
            feedback = repair_message(
                scored.violations,
                scored.parse_error if scored.outcome == "parse_error" else None,
                total=sum((scored.violation_counts or {}).values()) or None,
            )
            messages = [
                *messages,
                {"role": "assistant", "content": scored.content or ""},
                {"role": "user", "content": feedback},
            ]
        return self._record(prep, sample, params, rounds)

    def _record(
        self, prep: PreparedSample, sample: int, params: dict[str, JsonValue], rounds: list[RoundResult]
    ) -> SampleRecord:
        request = dict(params)
        request["messages_sha256"] = hashlib.sha256(
            json.dumps(prep.prompt.messages, sort_keys=True).encode()
        ).hexdigest()[:16]
        request["timeout_s"] = self.config.timeout_s
        ref = prep.reference or {}
        return SampleRecord(
            instance=prep.inst.name,
            sample=sample,
            problem=prep.inst.problem,
            first=rounds[0],
            level=prep.level,
            family=prep.family,
            side_families=prep.side_families,
            rendering=prep.rendering,
            model=self.config.model,
            instance_hash=prep.instance_hash,
            template_id=prep.prompt.template_id,
            template_hash=prep.prompt.template_hash,
            request=request,
            reference=ref.get("value") if prep.reference else None,
            reference_kind=ref.get("kind") if prep.reference else None,
            bound=ref.get("lower_bound") if prep.reference else None,
            repair=Repair(
                rounds=rounds[1:],
                feasible_round=next((x.round for x in rounds if x.outcome == "feasible"), None),
                final_outcome=rounds[-1].outcome,
            ),
            time_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )

    # ---- the run ----
    def _client(self, api_key: str) -> ChatClient:
        policy = RetryPolicy(
            max_attempts=self.config.max_attempts,
            base_delay_s=self.config.backoff_base_s,
            total_deadline_s=self.config.total_deadline_s,
        )
        return ChatClient(
            self.config.base_url,
            api_key=api_key,
            timeout_s=self.config.timeout_s,
            policy=policy,
            max_connections=max(self.config.concurrency, 1),
        )

    async def run(self) -> RunSummary:
        started = time.time()
        prepared = self.load_instances()
        previous = read_manifest(self.files.manifest)
        check_resume_compatible(previous, self.config)
        prices = load_price_table(self.config.price_table, self.config.model)
        api_key, key_source = resolve_api_key(self.config.api_key_env)
        client = self._client(api_key)
        lock = self.files.output_lock()
        try:
            models = await client.list_models()  # an unreachable endpoint stops here, nothing written
            self.run_dir.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except BaseException:
            await client.aclose()
            raise

        facts = {"models": models, "key_source": key_source, "started": started, "previous": previous}

        def write_manifest(status: str) -> None:
            write_run_manifest(self.files, self.config, status=status, prices=prices, **facts)

        status = "failed"
        try:
            with _logging_to(self.files.log) as logger:
                try:
                    write_manifest("running")
                    total, skipped, set_aside = await self._run_samples(client, prepared, logger)
                    status = "complete"
                except EndpointDown as err:
                    status = "endpoint_down"
                    logger.error("stopped: %s", err)
                    raise
                except (asyncio.CancelledError, KeyboardInterrupt):
                    status = "interrupted"
                    raise
                finally:
                    await client.aclose()
        finally:
            try:
                write_manifest(status)
            finally:
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

    async def _run_samples(
        self, client: ChatClient, prepared: list[PreparedSample], logger: logging.Logger
    ) -> tuple[int, int, int]:
        """Send every sample not yet in samples.jsonl; returns (total, skipped, set aside)."""
        set_aside = 0
        if self.config.retry_errors:
            set_aside = set_aside_request_errors(self.files.samples, self.files.retried)
            logger.info(
                "retry errors: %d request-error records moved to %s", set_aside, self.files.retried.name
            )
        cache = (
            ResponseCache(self.config.cache_path or default_cache_path()) if self.config.use_cache else None
        )
        try:
            writer = RecordWriter(self.files.samples)
        except BaseException:
            if cache is not None:
                cache.close()
            raise
        try:
            done = {(r.get("instance"), r.get("sample")) for r in writer.existing}
            work = [
                (p, s) for p in prepared for s in range(self.config.samples) if (p.inst.name, s) not in done
            ]
            total = len(prepared) * self.config.samples
            skipped = total - len(work)
            logger.info(
                "run start: %d samples, %d already done, endpoint %s",
                total,
                skipped,
                redact_url(self.config.base_url),
            )
            await self._schedule(client, cache, writer, work, total, skipped)
        finally:
            writer.close()
            if cache is not None:
                cache.close()
        return total, skipped, set_aside

    async def _schedule(
        self,
        client: ChatClient,
        cache: ResponseCache | None,
        writer: RecordWriter,
        work: list[Work],
        total: int,
        skipped: int,
    ) -> None:
        def write(record: SampleRecord) -> None:
            writer.write(record.to_dict())
            self.outcomes[record.outcome] += 1
            if self.progress:
                self.progress(skipped + sum(self.outcomes.values()), total, self.outcomes)

        async def run_one(item: Work, fail_fast: bool) -> SampleRecord:
            prep, sample = item
            return await self.run_sample(client, cache, prep, sample, fail_fast=fail_fast)

        await Scheduler(run_one, write, self.breaker, self.config.concurrency).run(work)
        if self.breaker.tripped:
            written = skipped + sum(self.outcomes.values())
            url = redact_url(self.config.base_url)
            raise EndpointDown(url, self.breaker.streak, written, total - written)


@contextlib.contextmanager
def _logging_to(path: Path) -> Iterator[logging.Logger]:
    """The package's logger, writing to ``path`` for the duration of the block."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("schedbench.llm_eval")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()


def run_eval(config: EvalConfig, progress: Progress | None = None) -> RunSummary:
    """Run (or resume) an evaluation and return its summary.

    Where an event loop already runs in this thread (Jupyter, a playwright session), the evaluation runs on
    a loop of its own in a helper thread, and this call still blocks until it ends.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(Evaluation(config, progress).run())
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="llm-eval") as pool:
        return pool.submit(lambda: asyncio.run(Evaluation(config, progress).run())).result()
