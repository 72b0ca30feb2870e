"""The RCPSP difficulty ladder of R-ConstraintBench (arXiv 2508.15204).

``tasks`` tasks in ``layers`` layers share ``resources`` renewable resources. Level ``k`` has exactly
``k`` non-redundant precedences (the transitive reduction of its precedence graph has ``k`` edges).
Levels are nested: for one replicate, level ``k+1`` is level ``k`` plus one precedence, with the same
durations, demands and capacities. Phase ``side`` adds downtime, release/deadline windows and
disjunctive pairs whose numbers grow with the level; each family is on with ``family_probability``
or as chosen by ``families``. Every instance carries a feasible witness schedule by construction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from schedbench import __version__
from schedbench.generators import _rendering
from schedbench.generators._dag import balanced_layers, descendants, forward_pairs, grow_reduced_chain
from schedbench.generators._random import check_seed, stream
from schedbench.generators._rcpsp_side import (
    Project,
    SideConstraints,
    draw_disjunctive,
    draw_downtime,
    project_instance,
    resource_strength,
)
from schedbench.heuristics.rcpsp_sgs import serial_sgs
from schedbench.problems import parse_instance, verify
from schedbench.problems.base import INSTANCE_SCHEMA_ID
from schedbench.problems.errors import SchedbenchError

GENERATOR = "r-constraintbench-ladder"
FAMILIES = ("downtime", "windows", "disjunctive")
PHASES = ("precedence", "side")
RENDERINGS = ("synthetic", "domain")
DURATION_RANGE = (1, 10)
CAPACITY_RANGE = (2, 6)
DEMAND_PROBABILITY = 0.5
_CHAIN_ATTEMPTS = 25

# Random-stream tags, so each part of an instance has its own stream.
_BASE, _CHAIN, _SIDE, _NAMES, _PRIORITY = range(5)


def side_counts(level: int, tasks: int) -> dict[str, int]:
    """How many constraints each side family adds at ``level``: one, plus one more every few levels."""
    return {
        "downtime": 1 + level // 10,
        "windows": min(tasks, 1 + level // 4),
        "disjunctive": 1 + level // 4,
    }


def parse_levels(text: str) -> list[int]:
    """``"1-40"``, ``"5"``, ``"1,5,10-12"`` -> sorted unique levels."""
    levels: set[int] = set()
    for part in text.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise SchedbenchError(f"cannot read levels {text!r}: use e.g. 1-40 or 1,5,10-12", field="levels")
        low, high = int(m[1]), int(m[2] or m[1])
        if high < low:
            raise SchedbenchError(f"empty level range {part!r}", field="levels")
        levels.update(range(low, high + 1))
    return sorted(levels)


def parse_families(text: str | None) -> list[str] | None:
    """``"downtime,windows"`` -> list; ``"none"`` or ``""`` -> no family; ``None`` -> probabilistic."""
    if text is None:
        return None
    if text.strip().lower() in ("", "none"):
        return []
    return [f.strip() for f in text.split(",") if f.strip()]


def _check_args(tasks, resources, levels, per_level, phase, families, family_probability, rendering, layers):
    for what, value, low in (("tasks", tasks, 2), ("resources", resources, 1), ("per_level", per_level, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise SchedbenchError(f"{what} must be an integer >= {low}, got {value!r}", field=what)
    if not levels or any(not isinstance(k, int) or k < 0 for k in levels):
        raise SchedbenchError("levels must be non-negative integers", field="levels")
    if phase not in PHASES:
        raise SchedbenchError(f"phase must be one of {', '.join(PHASES)}, got {phase!r}", field="phase")
    if rendering not in RENDERINGS:
        raise SchedbenchError(f"rendering must be one of {', '.join(RENDERINGS)}, got {rendering!r}")
    if families is not None:
        unknown = sorted(set(families) - set(FAMILIES))
        if unknown:
            raise SchedbenchError(f"unknown families {unknown}; choose from {', '.join(FAMILIES)}")
        if phase == "precedence" and families:
            raise SchedbenchError("side-constraint families need --phase side", field="families")
    if not 0 <= family_probability <= 1:
        raise SchedbenchError("family probability must lie in [0, 1]", field="family_probability")
    if not 1 <= layers <= tasks:
        raise SchedbenchError(f"layers must lie in 1..tasks, got {layers}", field="layers")


def _base_project(seed: int, rep: int, tasks: int, resources: int, layers: int):
    rng = stream(seed, _BASE, rep)
    durations = rng.integers(DURATION_RANGE[0], DURATION_RANGE[1], size=tasks, endpoint=True)
    capacities = rng.integers(CAPACITY_RANGE[0], CAPACITY_RANGE[1], size=resources, endpoint=True)
    uses = rng.random((tasks, resources)) < DEMAND_PROBABILITY
    uses[np.arange(tasks), rng.integers(resources, size=tasks)] = True  # every task needs something
    amounts = np.floor(rng.random((tasks, resources)) * capacities[None, :]).astype(np.int64) + 1
    demands = np.where(uses, amounts, 0)
    layer_of = balanced_layers(rng, tasks, layers)
    return durations, capacities, demands, layer_of


def _edge_chain(seed: int, rep: int, layer_of: np.ndarray, needed: int, tasks: int, layers: int):
    n_pairs = len(forward_pairs(layer_of)[0])
    longest: list[tuple[int, int]] = []
    for attempt in range(_CHAIN_ATTEMPTS):
        order = stream(seed, _CHAIN, rep, attempt).permutation(n_pairs)
        chain = grow_reduced_chain(layer_of, order, needed)
        if len(chain) >= needed:
            return chain
        longest = max(longest, chain, key=len)
    raise SchedbenchError(
        f"level {needed} is out of reach for {tasks} tasks in {layers} layers "
        f"(best chain held {len(longest)} non-redundant precedences); use more tasks or fewer levels",
        field="levels",
    )


def _side(seed, rep, level, project, tasks, families, family_probability, desc, es, lower):
    rng = stream(seed, _SIDE, rep, level)
    draws = rng.random(len(FAMILIES))
    if families is None:
        on = {f: bool(u < family_probability) for f, u in zip(FAMILIES, draws, strict=True)}
    else:
        on = {f: f in families for f in FAMILIES}
    counts = side_counts(level, tasks)
    side = SideConstraints(downtime=[[] for _ in project.capacities])
    if on["downtime"]:
        max_len = max(1, lower // 8, int(project.durations.max()) // 2)
        side.downtime = draw_downtime(rng, project, counts["downtime"], lower, max_len)
    if on["windows"]:
        chosen = rng.choice(tasks, size=counts["windows"], replace=False)
        for i in sorted(chosen.tolist()):
            side.releases[i] = int(es[i]) + int(rng.integers(0, max(1, lower // 4), endpoint=True))
    if on["disjunctive"]:
        side.disjunctive = draw_disjunctive(rng, project, counts["disjunctive"], desc)
    return on, side, rng


def _build(seed, rep, level, base, chain, args, names_by_rendering):
    tasks, resources, layers, phase, families, family_probability, rendering = args
    durations, capacities, demands, layer_of = base
    topo = np.argsort(layer_of, kind="stable")
    project = Project(durations, capacities, demands, chain[:level], topo)
    desc = descendants(tasks, project.edges, topo)
    plain = project_instance(project)
    es, lower = plain.earliest_starts, max(plain.critical_path_length, 1)
    if phase == "side":
        on, side, rng = _side(seed, rep, level, project, tasks, families, family_probability, desc, es, lower)
    else:
        on = dict.fromkeys(FAMILIES, False)
        side, rng = SideConstraints(downtime=[[] for _ in capacities]), None
    prio_rng = stream(seed, _PRIORITY, rep, level)
    ls = plain.latest_finishes(lower) - durations
    priority = ls + prio_rng.random(tasks) * float(durations.mean())
    witness = serial_sgs(project_instance(project, side), priority)
    finish = witness + durations
    if on["windows"]:
        for i in side.releases:
            side.deadlines[i] = int(finish[i]) + int(
                rng.integers(0, max(1, int(durations[i])), endpoint=True)
            )

    task_names, task_descriptions, resource_rows = names_by_rendering
    res_names = [row[0] for row in resource_rows]
    resources_out = []
    for r, (name, what, reason) in enumerate(resource_rows):
        row = {
            "name": name,
            "capacity": int(capacities[r]),
            "downtime": [[s, e] for s, e in side.downtime[r]],
        }
        if what:
            row["description"] = what + (f"; unavailable during {reason}s" if side.downtime[r] else "")
        resources_out.append(row)
    tasks_out = []
    for i in range(tasks):
        row = {
            "name": task_names[i],
            "duration": int(durations[i]),
            "demands": {res_names[r]: int(demands[i, r]) for r in range(resources) if demands[i, r]},
        }
        if task_descriptions:
            row["description"] = task_descriptions[i]
        if i in side.releases:
            row["release"] = side.releases[i]
            row["deadline"] = side.deadlines[i]
        tasks_out.append(row)
    rs = resource_strength(project, es)
    downtime_windows = sum(len(w) for w in side.downtime)
    sizes = {
        "downtime": downtime_windows,
        "windows": len(side.releases),
        "disjunctive": len(side.disjunctive),
    }
    present = [f for f in FAMILIES if sizes[f]]
    meta = {
        "generator": GENERATOR,
        "schedbench_version": __version__,
        "seed": seed,
        "parameters": {
            "tasks": tasks,
            "resources": resources,
            "layers": layers,
            "phase": phase,
            "families": families,
            "family_probability": family_probability,
            "rendering": rendering,
            "duration_range": list(DURATION_RANGE),
            "capacity_range": list(CAPACITY_RANGE),
            "demand_probability": DEMAND_PROBABILITY,
        },
        "level": level,
        "replicate": rep + 1,
        "phase": phase,
        "families": present,  # families with at least one constraint
        "family_flags": on,  # families switched on (drawn or chosen)
        "side_counts": {
            "downtime_windows": downtime_windows,
            "windowed_tasks": len(side.releases),
            "disjunctive_pairs": len(side.disjunctive),
        },
        "reduced_edges": level,
        "nc_equivalent": round(level / tasks, 4),
        "rs": round(float(np.mean(rs)), 4),
        "rs_per_resource": rs,
        "task_layers": [int(x) for x in layer_of],
        "critical_path_length": lower,
        "witness_makespan": int(finish.max()),
    }
    if rendering == "domain":
        meta["downtime_reasons"] = {
            name: reason for (name, _, reason), w in zip(resource_rows, side.downtime, strict=True) if w
        }
    instance = {
        "schema": INSTANCE_SCHEMA_ID,
        "problem": "rcpsp",
        "name": "",
        "description": _rendering.DOMAIN_DESCRIPTION
        if rendering == "domain"
        else _rendering.SYNTHETIC_DESCRIPTION,
        "resources": resources_out,
        "tasks": tasks_out,
        "precedences": [[task_names[i], task_names[j]] for i, j in project.edges],
        "disjunctive": [[task_names[a], task_names[b]] for a, b in side.disjunctive],
        "meta": meta,
    }
    witness_starts = {task_names[i]: int(witness[i]) for i in range(tasks)}
    return instance, witness_starts


def _names(seed: int, rep: int, rendering: str, layer_of: np.ndarray, layers: int, resources: int):
    if rendering == "domain":
        task_names = _rendering.domain_task_names(stream(seed, _NAMES, rep), layer_of, layers)
        descriptions = _rendering.domain_task_descriptions(layer_of, layers)
        return task_names, descriptions, _rendering.domain_resources(resources)
    rows = [(name, "", "") for name in _rendering.synthetic_resource_names(resources)]
    return _rendering.synthetic_task_names(len(layer_of)), None, rows


def iter_rcpsp_ladder_with_witness(
    *,
    tasks: int,
    resources: int,
    levels: Iterable[int] | str,
    per_level: int,
    phase: str,
    families: Sequence[str] | None = None,
    family_probability: float = 0.75,
    rendering: str = "synthetic",
    layers: int | None = None,
    seed: int,
    verify_witness: bool = True,
) -> Iterator[tuple[dict, dict[str, int]]]:
    """Yield ``(instance, witness starts)`` level by level, replicate by replicate: RCPSP ladder instances,
    ``per_level`` per level.

    ``families=None`` switches each side family on with ``family_probability`` per instance (phase
    ``side``); a list (possibly empty) fixes them. ``layers`` defaults to round(sqrt(tasks)).
    """
    levels = parse_levels(levels) if isinstance(levels, str) else sorted(set(levels))
    if layers is None:
        layers = max(2, min(tasks, round(math.sqrt(tasks))))
    families = None if families is None else sorted(set(families))
    _check_args(tasks, resources, levels, per_level, phase, families, family_probability, rendering, layers)
    seed = check_seed(seed)
    args = (tasks, resources, layers, phase, families, family_probability, rendering)
    width = len(str(max(levels)))
    bases = [_base_project(seed, rep, tasks, resources, layers) for rep in range(per_level)]
    chains = [_edge_chain(seed, rep, b[3], max(levels), tasks, layers) for rep, b in enumerate(bases)]
    names = [_names(seed, rep, rendering, b[3], layers, resources) for rep, b in enumerate(bases)]
    check = _witness_checker() if verify_witness else None
    for level in levels:
        for rep in range(per_level):
            instance, witness = _build(seed, rep, level, bases[rep], chains[rep], args, names[rep])
            instance["name"] = f"rcpsp_n{tasks}_{phase}_k{level:0{width}d}_{rep + 1}"
            if check is not None:
                check(instance, witness)
            yield instance, witness


def _witness_checker():
    """The project's exact verifier, applied to every planted witness."""

    def check(instance: dict, witness: dict[str, int]) -> None:
        inst = parse_instance(instance, source="generator")
        solution = {"schema": "schedbench/solution/v1", "instance": instance["name"], "starts": witness}
        verdict = verify(inst, solution)
        if not verdict.feasible:  # a generator bug, not a user error
            raise RuntimeError(f"witness of {instance['name']} is infeasible: {verdict.to_dict()}")

    return check


def iter_rcpsp_ladder(**kwargs: Any) -> Iterator[dict]:
    """Yield ladder instances one at a time (the keyword arguments of :func:`iter_rcpsp_ladder_with_witness`)."""
    for instance, _ in iter_rcpsp_ladder_with_witness(**kwargs):
        yield instance


def generate_rcpsp_ladder(**kwargs: Any) -> list[dict]:
    """The instances of :func:`iter_rcpsp_ladder` (same keyword arguments) as a list."""
    return list(iter_rcpsp_ladder(**kwargs))
