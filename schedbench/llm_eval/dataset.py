"""The instances of a run, prepared once: prompt, labels (level, family), hash and reference."""

from __future__ import annotations

from dataclasses import dataclass

from schedbench.datasets import read_instances, read_solutions
from schedbench.datasets.jsonl import JsonValue
from schedbench.datasets.labels import instance_family, instance_hash, instance_level, side_families
from schedbench.datasets.references import reference_for_sample
from schedbench.datasets.shards import parse_shard, select_shard
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
    """Read the run's instances (the first ``limit``, then its shard) and references, and prepare each one."""
    instances = read_instances(config.data)
    if config.limit is not None:
        instances = instances[: config.limit]
    if config.shard is not None:
        instances = select_shard(instances, parse_shard(config.shard))
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
                reference=reference_for_sample(inst, references, config.references),
            )
        )
    return prepared
