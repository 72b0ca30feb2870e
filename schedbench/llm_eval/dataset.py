"""The instances of a run, prepared once: prompt, labels (level, family), hash and reference."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from schedbench.datasets import read_instances, read_solutions
from schedbench.datasets.jsonl import JsonValue
from schedbench.llm_eval.config import EvalConfig
from schedbench.llm_eval.prompts import Prompt, build_prompt, resolve_rendering
from schedbench.problems import Instance

Reference = dict[str, JsonValue]


@dataclass
class PreparedSample:
    """One instance as the runner sends it: what to ask and how to label the answers."""

    inst: Instance
    prompt: Prompt
    rendering: str
    instance_hash: str
    level: JsonValue
    family: str
    side_families: str | None
    reference: Reference | None


def prepare_instances(config: EvalConfig) -> list[PreparedSample]:
    """Read the run's instances (the first ``limit``) and references, and prepare each one."""
    instances = read_instances(config.data)
    if config.limit is not None:
        instances = instances[: config.limit]
    references = read_solutions(config.references) if config.references else {}
    prepared = []
    for inst in instances:
        rendering = resolve_rendering(inst, config.rendering)
        prepared.append(
            PreparedSample(
                inst=inst,
                prompt=build_prompt(inst, rendering),
                rendering=rendering,
                instance_hash=instance_hash(inst),
                level=instance_level(inst)[0],
                family=instance_family(inst),
                side_families=side_families(inst),
                reference=reference_for(inst, references, config.references),
            )
        )
    return prepared


def instance_hash(inst: Instance) -> str:
    """sha256 (16 hex digits) of the instance's canonical JSON without ``meta``."""
    data = {k: v for k, v in inst.to_dict().items() if k != "meta"}
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:16]


def instance_level(inst: Instance) -> tuple[JsonValue, str]:
    """The difficulty level: ``meta.level`` when the generator set one, else the instance size."""
    if inst.meta.get("level") is not None:
        return inst.meta["level"], "meta.level"
    if inst.problem == "smtt":
        return inst.n, "jobs"
    if inst.problem == "jssp":
        return inst.num_jobs * inst.num_machines, "jobs*machines"
    return inst.num_tasks, "tasks"


def instance_family(inst: Instance) -> str:
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


def side_families(inst: Instance) -> str | None:
    """The RCPSP side-constraint families present in the instance (``base`` if none), from its meta."""
    present = inst.meta.get("families")
    if not isinstance(present, list):
        return None
    return "+".join(sorted(map(str, present))) or "base"


def reference_for(
    inst: Instance, references: dict[str, dict[str, JsonValue]], source: str | None
) -> Reference | None:
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
