"""A schedule laid out for the HTML Gantt: rows, bars, due dates, windows and resource profiles.

Tolerant of broken answers (an LLM's): start times that are missing or not integers are left out, so
whatever part of a schedule can be drawn is drawn, next to the verifier's violations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from schedbench.datasets.jsonl import JsonValue
from schedbench.problems import Instance, JsspInstance, RcpspInstance, SmttInstance
from schedbench.problems._checks import as_int

# one bar: [row, start, end, label, owner]; ``owner`` is the name a violation's ``names`` use
Bar = list[JsonValue]


def schedule_view(inst: Instance, solution: dict[str, Any] | None) -> dict[str, JsonValue] | None:
    """The drawable part of ``solution`` on ``inst``, or None when nothing can be drawn."""
    if not isinstance(solution, dict):
        return None
    if isinstance(inst, SmttInstance):
        view = _smtt(inst, solution)
    elif isinstance(inst, JsspInstance):
        view = _jssp(inst, solution)
    elif isinstance(inst, RcpspInstance):
        view = _rcpsp(inst, solution)
    else:
        return None
    if view is None or not view["bars"]:
        return None
    ends = [bar[2] for bar in view["bars"]]
    view["horizon"] = max([*ends, *view.pop("marks", [])], default=0)
    view["origin"] = min(0, *(bar[1] for bar in view["bars"]))
    return view


def _smtt(inst: SmttInstance, solution: dict[str, Any]) -> dict[str, Any] | None:
    sequence = solution.get("sequence")
    if not isinstance(sequence, list):
        return None
    index = inst.index()
    t, bars, due = 0, [], []
    for job in sequence:
        if not isinstance(job, str) or job not in index:
            continue
        j = index[job]
        p, d = int(inst.processing_times[j]), int(inst.due_dates[j])
        bars.append([0, t, t + p, job, job])
        due.append([job, d])
        t += p
    return {"problem": "smtt", "rows": ["machine"], "bars": bars, "due": due, "marks": [d for _, d in due]}


def _jssp(inst: JsspInstance, solution: dict[str, Any]) -> dict[str, Any] | None:
    starts = solution.get("starts")
    if not isinstance(starts, dict):
        return None
    bars = []
    for j, job in enumerate(inst.job_names):
        values = starts.get(job)
        if not isinstance(values, list):
            continue
        for k, (machine, duration) in enumerate(inst.operations[j]):
            start = as_int(values[k]) if k < len(values) else None
            if start is not None:
                bars.append([int(machine), start, start + int(duration), f"{job}/op{k}", job])
    rows = [f"machine {m}" for m in range(inst.num_machines)]
    return {"problem": "jssp", "rows": rows, "bars": bars}


def _rcpsp(inst: RcpspInstance, solution: dict[str, Any]) -> dict[str, Any] | None:
    starts = solution.get("starts")
    if not isinstance(starts, dict):
        return None
    bars, placed, windows = [], [], []
    for i, task in enumerate(inst.task_names):
        start = as_int(starts.get(task))
        release = int(inst.releases[i]) or None
        deadline = inst.deadlines[i]
        if release is not None or deadline is not None:
            windows.append([i, release, deadline])
        if start is None:
            continue
        bars.append([i, start, start + int(inst.durations[i]), task, task])
        placed.append((i, start))
    marks = [w for row in windows for w in row[1:] if w is not None]
    marks += [e for windows_r in inst.downtime for _, e in windows_r]
    return {
        "problem": "rcpsp",
        "rows": list(inst.task_names),
        "bars": bars,
        "windows": windows,
        "profiles": [_profile(inst, r, placed) for r in range(inst.num_resources)],
        "marks": marks,
    }


def _profile(inst: RcpspInstance, r: int, placed: list[tuple[int, int]]) -> dict[str, JsonValue]:
    """Usage of resource ``r`` over time as steps ``[t, usage from t on]``, with its capacity and downtime."""
    events: dict[int, int] = {}
    for i, start in placed:
        q = int(inst.demands[i, r])
        if q and inst.durations[i] > 0:
            events[start] = events.get(start, 0) + q
            end = start + int(inst.durations[i])
            events[end] = events.get(end, 0) - q
    times = sorted(events)
    usage = np.cumsum([events[t] for t in times]).tolist() if times else []
    return {
        "resource": inst.resource_names[r],
        "capacity": int(inst.capacities[r]),
        "downtime": [[int(s), int(e)] for s, e in inst.downtime[r]],
        "steps": [[t, int(u)] for t, u in zip(times, usage)],
    }
