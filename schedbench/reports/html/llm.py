"""The page data of LLM runs: aggregates by the metrics of `llm report`, a columnar sample index, and
shards of full records joined with their re-rendered prompt and their schedule laid out for the Gantt."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from schedbench.datasets import read_instances, sha256_file
from schedbench.datasets.jsonl import JsonValue, dumps
from schedbench.datasets.labels import instance_hash
from schedbench.llm_eval.metrics import (
    feasibility_curve,
    gap_stats,
    group_by,
    outcome_counts,
    violations_by_level,
)
from schedbench.llm_eval.prompts import build_prompt, messages_digest
from schedbench.llm_eval.records import Run
from schedbench.llm_eval.redact import Redactor, redact_url, url_secrets
from schedbench.llm_eval.tables import build_tables
from schedbench.problems import Instance, SchedbenchError
from schedbench.records.sample import OUTCOMES
from schedbench.reports.html.schedule import schedule_view

Json = dict[str, JsonValue]

#: columns of one row of the sample index (the page reads them by position)
INDEX_COLUMNS = (
    "run",
    "instance",
    "sample",
    "problem",
    "level",
    "family",
    "rendering",
    "outcome",
    "gap_pct",
    "gap_to_bound_pct",
    "violations",
    "codes",
    "finish_reason",
    "tokens",
    "latency_s",
    "shard",
    "slot",
)
SHARD_RECORDS = 500
SHARD_BYTES = 2_000_000


@dataclass
class Strings:
    """Interned strings: the index stores a string as its position in ``values``."""

    values: list[str] = field(default_factory=list)
    _pos: dict[str, int] = field(default_factory=dict)

    def __call__(self, value: JsonValue) -> int | None:
        if value is None:
            return None
        text = str(value)
        if text not in self._pos:
            self._pos[text] = len(self.values)
            self.values.append(text)
        return self._pos[text]


@dataclass
class Selection:
    """Which full records an export copies: all when they fit the budget, else every failure and the
    first ``per_level`` feasible samples of each run and level."""

    max_bytes: int = 50_000_000
    per_level: int = 20


def redactor_for(run: Run) -> Redactor:
    """Masks the run's API key (when its variable is set here) and any secret in its base URL."""
    config = run.manifest.get("config")
    config = config if isinstance(config, dict) else {}
    env = config.get("api_key_env")
    secrets = [os.environ.get(env) if isinstance(env, str) else None]
    base_url = config.get("base_url")
    if isinstance(base_url, str):
        secrets += url_secrets(base_url)
    return Redactor(secrets)


def _instances(run: Run) -> tuple[dict[str, Instance], str]:
    """The run's instances by name (from the data file its manifest names) and what was found."""
    config = run.manifest.get("config")
    data = config.get("data") if isinstance(config, dict) else None
    if not isinstance(data, str):
        return {}, "the manifest names no data file"
    path = Path(data)
    if not path.is_absolute() and not path.exists():
        path = run.dir / data
    if not path.exists():
        return {}, f"data file {data} not found"
    inputs = run.manifest.get("inputs")
    expected = next(
        (i.get("sha256") for i in inputs or [] if isinstance(i, dict) and i.get("path") == data), None
    )
    if expected and sha256_file(path) != expected:
        return {}, f"data file {data} changed since the run (sha256 differs)"
    try:
        return {inst.name: inst for inst in read_instances(path)}, "ok"
    except SchedbenchError as err:
        return {}, f"data file unreadable: {err}"


def _prompt(rec: Json, inst: Instance | None, why: str) -> Json:
    if inst is None:
        return {"status": f"not reproducible: {why}", "messages": []}
    if rec.get("instance_hash") and instance_hash(inst) != rec["instance_hash"]:
        return {"status": "not reproducible: the instance's content differs from the run's", "messages": []}
    prompt = build_prompt(inst, str(rec.get("rendering") or "synthetic"))
    request = rec.get("request")
    sent = request.get("messages_sha256") if isinstance(request, dict) else None
    if prompt.template_hash != rec.get("template_hash") or (
        sent and messages_digest(prompt.messages) != sent
    ):
        return {"status": "not reproducible: the template changed since the run", "messages": []}
    return {"status": "re-rendered; matches the hash of the messages sent", "messages": prompt.messages}


def _schedule(inst: Instance | None, solution: JsonValue) -> JsonValue:
    return schedule_view(inst, solution) if inst is not None and isinstance(solution, dict) else None


def _full_record(rec: Json, inst: Instance | None) -> Json:
    """A sample record for the page: without the raw response body (its content is kept), with the
    schedule of each round laid out."""
    out = {k: v for k, v in rec.items() if k != "response"}
    out["schedule"] = _schedule(inst, rec.get("solution"))
    repair = rec.get("repair")
    if isinstance(repair, dict) and repair.get("rounds"):
        out["repair"] = {
            **repair,
            "rounds": [{**r, "schedule": _schedule(inst, r.get("solution"))} for r in repair["rounds"]],
        }
    return out


def _masked(redactor: Redactor, text: str) -> str:
    """``redactor.text``, skipped when nothing in ``text`` could match (no secret, no ``@``, no ``=``)."""
    if redactor.secrets or "@" in text or "=" in text:
        return redactor.text(text)
    return text


def _copied(rows: list[Json], sizes: list[int], selection: Selection) -> tuple[list[bool], str]:
    """Which records to copy, and the sentence the page shows about it.

    Under the budget: all. Over it: the first ``per_level`` feasible samples of each level, then every
    failure while the budget lasts, taken in turn from each (problem, level, outcome), so a level with
    many failures cannot crowd out the others.
    """
    total = sum(sizes)
    if total <= selection.max_bytes:
        return [True] * len(rows), f"all {len(rows)} full records are in this export"
    keep = [False] * len(rows)
    used = 0
    seen: dict[tuple[JsonValue, ...], int] = defaultdict(int)
    queues: dict[tuple[JsonValue, ...], list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        if r["outcome"] == "feasible":
            key = (r.get("problem"), r.get("level"))
            if seen[key] < selection.per_level:
                seen[key] += 1
                keep[i] = True
                used += sizes[i]
        else:
            queues[(r.get("problem"), r.get("level"), r["outcome"])].append(i)
    failures = sum(len(q) for q in queues.values())
    taken = 0
    for rank in range(max((len(q) for q in queues.values()), default=0)):
        for queue in queues.values():
            if rank < len(queue) and used + sizes[queue[rank]] <= selection.max_bytes:
                keep[queue[rank]] = True
                used += sizes[queue[rank]]
                taken += 1
    which = "every failure" if taken == failures else f"{taken} of {failures} failures (spread over levels)"
    note = (
        f"{sum(keep)} of {len(rows)} full records are in this export ({total / 1e6:.1f} MB would exceed the "
        f"{selection.max_bytes / 1e6:g} MB budget): {which} and the first {selection.per_level} feasible "
        "samples per level; the sample list and every statistic cover all samples"
    )
    return keep, note


def _aggregates(rows: list[Json]) -> Json:
    """Per problem: outcome mix and gaps per level, violation types by level, renderings compared."""
    out: Json = {}
    for (problem,), group in group_by(rows, "problem").items():
        levels = group_by(group, "level")
        out[str(problem)] = {
            "outcomes_by_level": [{"level": level, **outcome_counts(g)} for (level,), g in levels.items()],
            "gaps_by_level": [{"level": level, **gap_stats(g)} for (level,), g in levels.items()],
            "violations_by_level": [
                {"level": level, "codes": dict(sorted(c.items()))}
                for level, c in violations_by_level(group).items()
            ],
            "renderings": [
                {"rendering": rendering, "curve": feasibility_curve(g)}
                for (rendering,), g in group_by(group, "rendering").items()
            ],
        }
    return out


def _run_header(run: Run, redactor: Redactor) -> Json:
    config = run.manifest.get("config")
    config = config if isinstance(config, dict) else {}
    base_url = config.get("base_url")
    inputs = run.manifest.get("inputs") or []
    return {
        "label": run.label,
        "model": run.model,
        "endpoint": redact_url(base_url) if isinstance(base_url, str) else None,
        "dataset": [
            {"path": i.get("path"), "sha256": i.get("sha256")} for i in inputs if isinstance(i, dict)
        ],
        "templates": sorted({f"{r.template_id} {r.template_hash}" for r in run.records if r.template_id}),
        "samples": len(run.records),
        "created_utc": run.manifest.get("created_utc"),
        "config": redactor.json(
            {k: config.get(k) for k in ("samples", "temperature", "seed", "max_tokens", "rendering")}
        ),
    }


def compare_runs(a: list[Json], b: list[Json]) -> Json:
    """Instances both runs answered, per problem and level: solved by both, only one, or neither
    (solved = a feasible round-0 answer among its samples), and the instances that flip."""

    def solved(rows: list[Json]) -> dict[str, tuple[bool, Json]]:
        out: dict[str, tuple[bool, Json]] = {}
        for r in rows:
            if r["outcome"] == "request_error":
                continue
            was = out.get(r["instance"], (False, r))[0]
            out[r["instance"]] = (was or r["outcome"] == "feasible", r)
        return out

    sa, sb = solved(a), solved(b)
    cells: dict[tuple[JsonValue, JsonValue], dict[str, int]] = {}
    a_only, b_only = [], []
    for name in [n for n in sa if n in sb]:
        (fa, ra), (fb, _) = sa[name], sb[name]
        key = (ra.get("problem"), ra.get("level"))
        cell = cells.setdefault(key, {"both": 0, "a_only": 0, "b_only": 0, "neither": 0})
        which = "both" if fa and fb else "a_only" if fa else "b_only" if fb else "neither"
        cell[which] += 1
        if which == "a_only":
            a_only.append({"instance": name, "problem": key[0], "level": key[1]})
        elif which == "b_only":
            b_only.append({"instance": name, "problem": key[0], "level": key[1]})
    rows = [
        {"problem": p, "level": lv, **c}
        for (p, lv), c in sorted(cells.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))
    ]
    return {"rows": rows, "a_only": a_only, "b_only": b_only}


class _Packer:
    """Packs records (as JSON text) into shards named ``<prefix>-0000``, ... of at most SHARD_RECORDS
    records and about SHARD_BYTES each."""

    def __init__(self, prefix: str, out: dict[str, str]) -> None:
        self.prefix, self.out = prefix, out
        self.number, self.size = 0, 0
        self.records: list[str] = []

    def add(self, text: str) -> tuple[int, int]:
        """Add a record; returns its (shard, slot)."""
        if len(self.records) >= SHARD_RECORDS or (self.size and self.size + len(text) > SHARD_BYTES):
            self.close()
        self.records.append(text)
        self.size += len(text)
        return self.number, len(self.records) - 1

    def close(self) -> None:
        if self.records:
            self.out[f"{self.prefix}-{self.number:04d}"] = '{"records":[' + ",".join(self.records) + "]}"
            self.number += 1
        self.size, self.records = 0, []


class _Prompts:
    """The re-rendered prompts of a run, once per instance and rendering, in shards ``<prefix>-0000``, ...
    of about SHARD_BYTES (a sample page loads its record's shard and its prompt's)."""

    def __init__(self, prefix: str, out: dict[str, str]) -> None:
        self.prefix, self.out = prefix, out
        self.where: dict[str, int] = {}
        self.number, self.size = 0, 0
        self.texts: list[str] = []

    def __contains__(self, key: str) -> bool:
        return key in self.where

    def shard_of(self, key: str) -> int:
        return self.where[key]

    def add(self, key: str, text: str) -> None:
        if self.texts and self.size + len(text) > SHARD_BYTES:
            self.close()
        self.texts.append(f"{dumps(key)}:{text}")
        self.size += len(text)
        self.where[key] = self.number

    def close(self) -> None:
        if self.texts:
            self.out[f"{self.prefix}-{self.number:04d}"] = "{" + ",".join(self.texts) + "}"
            self.number += 1
        self.size, self.texts = 0, []


def _estimate(rec: Json) -> int:
    """About how many bytes a record takes in a shard (its schedule layout aside)."""
    return len(dumps({k: v for k, v in rec.items() if k != "response"}))


def llm_payloads(
    runs: list[Run], selection: Selection, *, tau: float = 0.5, weights: str = "k"
) -> tuple[Json, dict[str, str]]:
    """The index part for ``runs`` and the shards (name -> payload as JSON text)."""
    strings = Strings()
    index_rows: list[list[JsonValue]] = []
    shards: dict[str, str] = {}
    headers: list[Json] = []
    aggregates: list[Json] = []
    all_rows: list[list[Json]] = []
    for r_i, run in enumerate(runs):
        redactor = redactor_for(run)
        rows = run.rows()
        all_rows.append(rows)
        instances, why = _instances(run)
        # the selection is made on size estimates (each record's size without its schedule layout, scaled
        # by what the layout adds on a probe of up to 200 records); only the records copied are laid out
        sizes = [_estimate(rec) for rec in rows]
        probe = range(0, len(rows), max(1, len(rows) // 200))
        laid_out = sum(len(dumps(_full_record(rows[i], instances.get(rows[i]["instance"])))) for i in probe)
        scale = laid_out / max(1, sum(sizes[i] for i in probe))
        keep, note = _copied(rows, [int(size * scale) + 1 for size in sizes], selection)
        header = _run_header(run, redactor)
        header["note"] = note
        header["instances"] = "found" if instances else why
        headers.append(header)
        aggregates.append(_aggregates(rows))
        packer = _Packer(f"r{r_i}", shards)
        prompts = _Prompts(f"p{r_i}", shards)
        for rec, copy in zip(rows, keep):
            shard = place = None
            if copy:
                inst = instances.get(rec["instance"])
                key = f"{rec['instance']}\x1f{rec.get('rendering')}"
                if key not in prompts:
                    prompts.add(key, _masked(redactor, dumps(_prompt(rec, inst, why))))
                full = _full_record(rec, inst)
                full["prompt"] = [prompts.shard_of(key), key]
                shard, place = packer.add(_masked(redactor, dumps(full)))
            codes = sorted((rec.get("violation_counts") or {}).keys())
            usage = rec.get("usage")
            tokens = usage.get("total_tokens") if isinstance(usage, dict) else None
            index_rows.append(
                [
                    r_i,
                    strings(rec["instance"]),
                    rec["sample"],
                    strings(rec.get("problem")),
                    rec.get("level"),
                    strings(rec.get("family")),
                    strings(rec.get("rendering")),
                    OUTCOMES.index(rec["outcome"]),
                    rec.get("gap_pct"),
                    rec.get("gap_to_bound_pct"),
                    sum((rec.get("violation_counts") or {}).values()),
                    [strings(c) for c in codes],
                    strings(rec.get("finish_reason")),
                    tokens,
                    rec.get("latency_s"),
                    shard,
                    place,
                ]
            )
        packer.close()
        prompts.close()
    tables = build_tables(runs, tau=tau, weights=weights) if runs else {}
    compare = [
        {"a": i, "b": j, **compare_runs(all_rows[i], all_rows[j])}
        for i in range(len(runs))
        for j in range(len(runs))
        if i != j
    ]
    part: Json = {
        "runs": headers,
        "aggregates": aggregates,
        "tables": {name: {"header": h, "rows": rows} for name, (h, rows) in tables.items()},
        "columns": list(INDEX_COLUMNS),
        "outcomes": list(OUTCOMES),
        "strings": strings.values,
        "samples": index_rows,
        "compare": compare,
        "tau": tau,
        "weights": weights,
    }
    return part, shards
