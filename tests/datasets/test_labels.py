"""Instance labels (level, family, side families, group) and the content hash that ignores meta."""

from __future__ import annotations

import json

from helpers.instances import golden_smtt_dict

from schedbench.datasets.labels import (
    InstanceLabels,
    instance_family,
    instance_group,
    instance_hash,
    instance_level,
    side_families,
)
from schedbench.problems import parse_instance


def smtt(name: str, meta: dict | None = None) -> dict:
    return golden_smtt_dict(name, meta or {})


def test_labels_keep_the_0_1_llm_behaviour_and_the_leaderboard_groups():
    metas = [
        {},
        {"level": 4, "family": "mine"},
        {"phase": "side", "parameters": {"families": ["windows", "downtime"]}, "families": []},
        {"phase": "precedence", "families": ["disjunctive"]},
        {"class": "hard", "rdd": 0.2, "tf": 0.4},
        {"rdd": 0.2, "tf": 0.4},
    ]
    expected = [  # pinned from 0.1's llm_eval.runner label functions
        ((6, "jobs"), "-", None),
        ((4, "meta.level"), "mine", None),
        ((6, "jobs"), "side:downtime+windows", "base"),
        ((6, "jobs"), "precedence", "disjunctive"),
        ((6, "jobs"), "-", None),
        ((6, "jobs"), "-", None),
    ]
    for meta, (level, family, sides) in zip(metas, expected):
        inst = parse_instance(smtt("g", meta))
        assert (instance_level(inst), instance_family(inst), side_families(inst)) == (level, family, sides)
        assert instance_hash(inst) == "43d576a02ba9d219"  # meta never changes the hash
    groups = [instance_group(parse_instance(smtt("g", meta))) for meta in metas]
    assert groups == ["n=6", "n=6", "n=6", "n=6", "hard", "rdd=0.2,tf=0.4"]
    labels = InstanceLabels.of(parse_instance(smtt("g", {"level": 2})))
    assert InstanceLabels.from_dict(json.loads(json.dumps(labels.to_dict()))) == labels
    # the hash ignores meta (references, labels), not the content
    assert instance_hash(parse_instance(smtt("g", {"a": 1}))) == instance_hash(parse_instance(smtt("g")))
    other = smtt("g")
    other["jobs"][0]["due_date"] += 1
    assert instance_hash(parse_instance(other)) != instance_hash(parse_instance(smtt("g")))
