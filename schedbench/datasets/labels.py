"""What an instance is called in results: its content hash, class, size, level and family.

The leaderboard groups by class (:func:`instance_group`) and size; LLM evaluation plots by level and family.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from schedbench.datasets.jsonl import JsonValue
from schedbench.problems import Instance, JsspInstance, SmttInstance, instance_digest


def instance_hash(inst: Instance) -> str:
    """The first 16 hex digits of :func:`schedbench.problems.instance_digest` (what records show)."""
    return instance_digest(inst)[:16]


def instance_size(inst: Instance) -> int:
    """Jobs (SMTT), operations (JSSP) or tasks (RCPSP)."""
    if isinstance(inst, SmttInstance):
        return inst.n
    if isinstance(inst, JsspInstance):
        return inst.num_operations
    return inst.num_tasks


def size_label(inst: Instance) -> str:
    """``jobs x machines`` for a job shop, else ``n=<size>``."""
    if isinstance(inst, JsspInstance):
        return f"{inst.num_jobs}x{inst.num_machines}"
    return f"n={instance_size(inst)}"


def instance_group(inst: Instance) -> str:
    """The class label of an instance: ``meta["class"]``, else ``rdd=..,tf=..``, else its size."""
    meta = inst.meta
    if isinstance(meta.get("class"), str):
        return meta["class"]
    if "rdd" in meta and "tf" in meta:
        return f"rdd={meta['rdd']},tf={meta['tf']}"
    return size_label(inst)


def instance_level(inst: Instance) -> tuple[JsonValue, str]:
    """The difficulty level and what it counts: ``meta.level`` when the generator set one, else the size."""
    if inst.meta.get("level") is not None:
        return inst.meta["level"], "meta.level"
    if isinstance(inst, SmttInstance):
        return inst.n, "jobs"
    if isinstance(inst, JsspInstance):
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


@dataclass(frozen=True)
class InstanceLabels:
    """The labels results carry for an instance (see the functions of the same names)."""

    group: str
    size: int
    size_label: str
    level: JsonValue
    family: str

    @classmethod
    def of(cls, inst: Instance) -> InstanceLabels:
        return cls(
            instance_group(inst),
            instance_size(inst),
            size_label(inst),
            instance_level(inst)[0],
            instance_family(inst),
        )

    def to_dict(self) -> dict[str, JsonValue]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, JsonValue]) -> InstanceLabels:
        return cls(
            str(data["group"]),
            int(data["size"]),
            str(data["size_label"]),
            data.get("level"),
            str(data["family"]),
        )
