"""The run manifest (``RUN_DIR/manifest.json``): versions, configuration, endpoint, data hash, timings,
token totals and, from a user-supplied price table only, cost."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from schedbench.problems.errors import SchedbenchError


def read_manifest(run_dir: Path) -> dict[str, Any] | None:
    path = Path(run_dir) / "manifest.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise SchedbenchError(f"unreadable manifest ({err.msg})", source=str(path)) from None


def identity(config: Any) -> dict[str, Any]:
    """The configuration fields a resumed run must share with the original one, plus the data hash."""
    from schedbench.datasets import sha256_file
    from schedbench.llm_eval.runner import IDENTITY_FIELDS

    ident = {name: getattr(config, name) for name in IDENTITY_FIELDS}
    ident["data_sha256"] = sha256_file(config.data)
    ident["limit"] = config.limit
    return ident


def check_resume_compatible(previous: dict[str, Any] | None, config: Any) -> None:
    """Refuse to mix two different runs in one RUN_DIR (more samples or another concurrency is fine)."""
    if previous is None:
        return
    old = previous.get("llm", {}).get("identity", {})
    new = identity(config)
    changed = [k for k in new if k in old and old[k] != new[k]]
    if changed:
        parts = ", ".join(f"{k}: {old[k]!r} -> {new[k]!r}" for k in changed)
        raise SchedbenchError(
            f"{config.run_dir} holds a run with another configuration ({parts}); use a new -o directory"
        )


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


def token_totals(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Token sums over every response (repair rounds included), with the part served from the cache."""
    totals = {"prompt_tokens": 0, "completion_tokens": 0, "reasoning_tokens": 0, "responses": 0}
    billed = {"prompt_tokens": 0, "completion_tokens": 0, "responses": 0}
    attempts = 0
    for rec in records:
        for part in [rec, *rec.get("repair", {}).get("rounds", [])]:
            attempts += len(part.get("attempts") or [])
            usage = part.get("usage")
            if not usage:
                continue
            for key in ("prompt_tokens", "completion_tokens", "reasoning_tokens"):
                totals[key] += int(usage.get(key) or 0)
            totals["responses"] += 1
            if not part.get("cache_hit"):
                billed["prompt_tokens"] += int(usage.get("prompt_tokens") or 0)
                billed["completion_tokens"] += int(usage.get("completion_tokens") or 0)
                billed["responses"] += 1
    return {**totals, "billed": billed, "attempts": attempts}


def cost(tokens: dict[str, Any], prices: dict[str, float] | None) -> dict[str, Any] | None:
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
    run_dir: Path,
    config: Any,
    *,
    models: dict[str, Any],
    key_source: str,
    status: str,
    started: float,
    previous: dict[str, Any] | None,
    prices: dict[str, float] | None,
) -> Path:
    """Write ``RUN_DIR/manifest.json`` atomically; earlier sessions of a resumed run are kept."""
    from schedbench.datasets import build_manifest, package_versions
    from schedbench.llm_eval.runner import SAMPLES_FILE, config_dict

    run_dir = Path(run_dir)
    samples = run_dir / SAMPLES_FILE
    records = _read_records(samples)
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
        "endpoint": {"base_url": config.base_url, "models": models, "model_listed": config.model in served},
        "api_key": {"env": config.api_key_env, "source": key_source},
        "status": status,
        "sessions": sessions,
        "records": len(records),
        "tokens": tokens,
        "cost": cost(tokens, prices),
        "latency_s_total": round(sum(r.get("elapsed_s") or 0.0 for r in records), 3),
    }
    manifest = build_manifest(
        command="llm eval",
        config=config_dict(config),
        inputs=[p for p in (config.data, config.references, config.price_table) if p],
        outputs=[samples] if status != "running" else [],
        extra={"llm": llm},
    )
    target = run_dir / "manifest.json"
    tmp = target.with_name(".manifest.json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return target


def _read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn last line of a killed run; the appender cuts it on resume
    return out


def _utc(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
