"""The run manifest (``RUN_DIR/manifest.json``): versions, configuration, endpoint, data hash, timings,
token totals and, from a user-supplied price table only, cost."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

from schedbench.datasets import build_manifest, package_versions
from schedbench.datasets.files import write_text_atomic
from schedbench.datasets.jsonl import JsonValue
from schedbench.llm_eval.config import EvalConfig, RunFiles
from schedbench.llm_eval.records import read_samples
from schedbench.llm_eval.redact import redact_url
from schedbench.problems.errors import SchedbenchError
from schedbench.records.sample import SampleRecord

Manifest = dict[str, JsonValue]


def check_resume_compatible(previous: Manifest | None, config: EvalConfig) -> None:
    """Refuse to mix two different runs in one RUN_DIR (more samples or another concurrency is fine)."""
    if previous is None:
        return
    old = dict(previous.get("llm", {}).get("identity", {}))
    if isinstance(old.get("base_url"), str):  # a 0.1 manifest may hold it unmasked
        old["base_url"] = redact_url(old["base_url"])
    new = identity(config)
    changed = [k for k in new if k in old and old[k] != new[k]]
    if old and old.get("shard") != new.get("shard") and "shard" not in changed:  # absent means unsharded
        changed.append("shard")
    if changed:
        parts = ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}" for k in changed)
        raise SchedbenchError(
            f"{config.run_dir} holds a run with another configuration ({parts}); use a new -o directory"
        )


def identity(config: EvalConfig) -> dict[str, JsonValue]:
    """The run's identity as written: the base URL without userinfo or key parameters."""
    return {**config.identity(), "base_url": redact_url(config.base_url)}


def load_price_table(path: str | None, model: str) -> dict[str, float] | None:
    """Prices for ``model`` from a JSON table ``{model: {"input_per_1m": x, "output_per_1m": y}}``.

    No table means no cost; a table without this model is an error, never a guess.
    """
    if path is None:
        return None
    try:
        table = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchedbenchError("no such price table", source=path) from None
    except json.JSONDecodeError as err:
        raise SchedbenchError(f"invalid JSON ({err.msg})", source=path, line=err.lineno) from None
    if not isinstance(table, dict) or model not in table:
        known = ", ".join(sorted(table)) if isinstance(table, dict) else "none"
        raise SchedbenchError(f"model {model!r} is not in the price table (known: {known})", source=path)
    entry = table[model]
    try:
        return {"input_per_1m": float(entry["input_per_1m"]), "output_per_1m": float(entry["output_per_1m"])}
    except (KeyError, TypeError, ValueError):
        raise SchedbenchError(
            f"{model}: expected {{'input_per_1m': number, 'output_per_1m': number}}", source=path
        ) from None


def _number(value: JsonValue) -> int | float:
    """``value`` when it is a finite number, else 0 (a hostile endpoint's count or a 0.1 record)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return 0 if isinstance(value, float) and not math.isfinite(value) else value


def token_totals(records: list[SampleRecord]) -> dict[str, JsonValue]:
    """Token sums over every response (repair rounds included), with the part served from the cache.

    Counts that are not numbers (a hostile or broken endpoint, a 0.1 record) are skipped.
    """
    totals = {"prompt_tokens": 0, "completion_tokens": 0, "reasoning_tokens": 0, "responses": 0}
    billed = {"prompt_tokens": 0, "completion_tokens": 0, "responses": 0}
    attempts = 0
    for rec in records:
        for part in [rec.first, *rec.repair.rounds]:
            attempts += len(part.attempts)
            usage = part.usage
            if not usage or not isinstance(usage, dict):
                continue
            for key in ("prompt_tokens", "completion_tokens", "reasoning_tokens"):
                totals[key] += int(_number(usage.get(key)))
            totals["responses"] += 1
            if not part.cache_hit:
                billed["prompt_tokens"] += int(_number(usage.get("prompt_tokens")))
                billed["completion_tokens"] += int(_number(usage.get("completion_tokens")))
                billed["responses"] += 1
    return {**totals, "billed": billed, "attempts": attempts}


def cost(tokens: dict[str, JsonValue], prices: dict[str, float] | None) -> dict[str, JsonValue] | None:
    """Cost of the billed (non-cached) tokens, from the price table."""
    if prices is None:
        return None
    billed = tokens["billed"]
    usd = (
        billed["prompt_tokens"] * prices["input_per_1m"] / 1e6
        + billed["completion_tokens"] * prices["output_per_1m"] / 1e6
    )
    return {"prices_per_1m": prices, "usd": round(usd, 6)}


def write_run_manifest(
    files: RunFiles,
    config: EvalConfig,
    *,
    models: dict[str, JsonValue],
    key_source: str,
    status: str,
    started: float,
    previous: Manifest | None,
    prices: dict[str, float] | None,
) -> Path:
    """Write ``RUN_DIR/manifest.json`` atomically; earlier sessions of a resumed run are kept."""
    records = read_samples(files.samples)
    tokens = token_totals(records)
    sessions = list((previous or {}).get("llm", {}).get("sessions", []))
    now = time.time()
    session = {"started_utc": _utc(started), "pid": os.getpid(), "status": status}
    if status != "running":
        session.update(finished_utc=_utc(now), wall_s=round(now - started, 3))
    same = ("started_utc", "pid")
    if sessions and all(sessions[-1].get(k) == session[k] for k in same):
        sessions[-1] = session
    else:
        for earlier in sessions:  # the run directory is locked: a "running" session is a dead process
            if earlier.get("status") == "running":
                earlier["status"] = "unfinished"
        sessions.append(session)
    served = {m.get("id") for m in models.get("data", []) if isinstance(m, dict)}
    llm = {
        "identity": identity(config),
        "packages": package_versions(["httpx2", "httpcore2", "anyio", "rich"]),
        "endpoint": {
            "base_url": redact_url(config.base_url),
            "models": models,
            "model_listed": config.model in served,
        },
        "api_key": {"env": config.api_key_env, "source": key_source},
        "status": status,
        "sessions": sessions,
        "records": len(records),
        "tokens": tokens,
        "cost": cost(tokens, prices),
        "latency_s_total": round(sum(_number(r.first.elapsed_s) for r in records), 3),
    }
    manifest = build_manifest(
        command="llm eval",
        config={**config.to_dict(), "base_url": redact_url(config.base_url)},
        inputs=[p for p in (config.data, config.references, config.price_table) if p],
        outputs=[files.samples] if status != "running" else [],
        extra={"llm": llm},
    )
    return write_text_atomic(files.manifest, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
