"""Join the run folders of ``llm eval --shard I/N`` into one run folder that ``llm report`` and
``report --html`` read like any other. Refused in one line unless the shards are one run (the same
identity on the same data, shard aside), each shard is finished (every sample of its instances), and
together they hold every instance of the data exactly once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from schedbench.datasets import build_manifest, read_instances, sha256_file, write_jsonl_atomic
from schedbench.datasets.files import StrPath, write_text_atomic
from schedbench.datasets.jsonl import JsonValue
from schedbench.datasets.shards import check_cover, check_shard_numbers
from schedbench.llm_eval.config import RunFiles
from schedbench.llm_eval.manifest import token_totals
from schedbench.llm_eval.records import read_manifest, read_sample_dicts
from schedbench.problems.errors import SchedbenchError
from schedbench.records.sample import SampleRecord

__all__ = ["merge_runs"]

JsonDict = dict[str, JsonValue]


def merge_runs(data: StrPath, shard_dirs: Sequence[StrPath], output: StrPath) -> int:
    """Write ``output/samples.jsonl`` (the data's order, sample by sample) and its manifest from the
    shard run folders; returns the number of records. Nothing is written when any check fails."""
    files = RunFiles(output)
    if files.samples.exists() or files.manifest.exists():
        raise SchedbenchError("holds a run already: merge into a new folder", source=str(output))
    manifests = [_manifest(d) for d in shard_dirs]
    check_shard_numbers([(str(d), _str(_config(m).get("shard"))) for d, m in zip(shard_dirs, manifests)])
    digest = sha256_file(data)
    first, first_dir = manifests[0], str(shard_dirs[0])
    base = _identity(first)
    for folder, manifest in zip(shard_dirs, manifests):
        identity = _identity(manifest)
        if identity.get("data_sha256") != digest:
            raise SchedbenchError(f"this shard evaluated other data than {data}", source=str(folder))
        changed = sorted(k for k in base.keys() | identity.keys() if base.get(k) != identity.get(k))
        if changed:
            raise SchedbenchError(
                f"another run than {first_dir} ({', '.join(changed)} differ): shards must be one run",
                source=str(folder),
            )
    counts = {_config(m).get("samples") for m in manifests}
    if len(counts) != 1 or not isinstance(k := counts.pop(), int):
        raise SchedbenchError("the shards were run with different --samples; resume them to one K first")
    limit = base.get("limit")
    names = [inst.name for inst in read_instances(data)][: limit if isinstance(limit, int) else None]
    found: dict[str, list[str]] = {}
    records: dict[tuple[str, int], JsonDict] = {}
    for folder in shard_dirs:
        mine = _finished_samples(folder, k)
        found[str(folder)] = list(dict.fromkeys(name for name, _ in mine))
        records.update(mine)
    check_cover(names, found)
    rows = [records[name, s] for name in names for s in range(k)]
    files.dir.mkdir(parents=True, exist_ok=True)
    with files.output_lock():
        count = write_jsonl_atomic(files.samples, rows)
        _write_manifest(files, data, shard_dirs, manifests, rows)
    return count


def _manifest(folder: StrPath) -> JsonDict:
    manifest = read_manifest(RunFiles(folder).manifest)
    if manifest is None:
        raise SchedbenchError("not an `llm eval` run folder (no manifest.json)", source=str(folder))
    if not isinstance(manifest, dict) or not isinstance(manifest.get("llm"), dict):
        raise SchedbenchError("not the manifest of an `llm eval` run", source=str(RunFiles(folder).manifest))
    return manifest


def _config(manifest: JsonDict) -> JsonDict:
    config = manifest.get("config")
    return config if isinstance(config, dict) else {}


def _identity(manifest: JsonDict) -> JsonDict:
    """The run's identity without its shard."""
    llm = manifest["llm"]
    identity = llm.get("identity") if isinstance(llm, dict) else None
    return {k: v for k, v in (identity if isinstance(identity, dict) else {}).items() if k != "shard"}


def _str(value: JsonValue) -> str | None:
    return value if isinstance(value, str) else None


def _finished_samples(folder: StrPath, k: int) -> dict[tuple[str, int], JsonDict]:
    """The shard's records by (instance, sample); refused when an instance lacks one of its K samples."""
    mine: dict[tuple[str, int], JsonDict] = {}
    for record in read_sample_dicts(RunFiles(folder).samples):
        name, sample = record.get("instance"), record.get("sample")
        if isinstance(name, str) and isinstance(sample, int):
            mine[name, sample] = record
    for name in dict.fromkeys(n for n, _ in mine):
        done = sum((name, s) in mine for s in range(k))
        if done < k:
            raise SchedbenchError(
                f"instance {name!r} has {done} of its {k} samples: the shard is unfinished (resume it first)",
                source=str(folder),
            )
    return mine


def _summed_cost(parts: list[JsonDict]) -> JsonValue:
    """The shards' costs added up, when every shard has one (a price table was given)."""
    costs = [part.get("cost") for part in parts]
    usd = [c.get("usd") for c in costs if isinstance(c, dict)]
    if not costs or not all(isinstance(u, int | float) for u in usd) or len(usd) != len(costs):
        return None
    first = costs[0]
    assert isinstance(first, dict)
    return {**first, "usd": round(sum(float(u) for u in usd if isinstance(u, int | float)), 6)}


def _write_manifest(
    files: RunFiles,
    data: StrPath,
    shard_dirs: Sequence[StrPath],
    manifests: list[JsonDict],
    rows: list[JsonDict],
) -> Path:
    parts = [m["llm"] for m in manifests if isinstance(m["llm"], dict)]
    sessions = [s for part in parts for s in _list(part.get("sessions"))]
    llm: JsonDict = {
        **parts[0],
        "identity": {**_identity(manifests[0]), "shard": None},
        "status": "finished",
        "sessions": sessions,
        "records": len(rows),
        "tokens": token_totals([SampleRecord.from_dict(r) for r in rows]),
        "cost": _summed_cost(parts),
        "merged_from": [
            {"run_dir": str(Path(d).resolve()), "shard": _config(m).get("shard")}
            for d, m in zip(shard_dirs, manifests)
        ],
    }
    config = {**_config(manifests[0]), "data": str(data), "run_dir": str(files.dir), "shard": None}
    manifest = build_manifest(
        command="llm merge",
        config=config,
        inputs=[data, *(RunFiles(d).samples for d in shard_dirs)],
        outputs=[files.samples],
        extra={"llm": llm},
    )
    return write_text_atomic(files.manifest, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


def _list(value: JsonValue) -> list[JsonValue]:
    return value if isinstance(value, list) else []
