"""Gantt charts of verified schedules (SMTT, JSSP, RCPSP) as PNG, with matplotlib's Agg backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from schedbench.problems import Instance


def schedule_bars(
    inst: Instance, solution: dict[str, Any]
) -> tuple[list[str], list[tuple[int, int, int, str]]]:
    """Row labels and bars ``(row, start, length, label)`` for an instance and its solution dict."""
    if inst.problem == "smtt":
        index = inst.index()
        t, bars = 0, []
        for job in solution["sequence"]:
            p = int(inst.processing_times[index[job]])
            bars.append((0, t, p, job))
            t += p
        return ["machine"], bars
    if inst.problem == "jssp":
        bars = []
        for j, job in enumerate(inst.job_names):
            for k, start in enumerate(solution["starts"][job]):
                machine, duration = inst.operations[j][k]
                bars.append((machine, int(start), duration, job))
        return [f"M{m}" for m in range(inst.num_machines)], bars
    if inst.problem == "rcpsp":
        starts = solution["starts"]
        bars = [(i, int(starts[t]), int(inst.durations[i]), t) for i, t in enumerate(inst.task_names)]
        return list(inst.task_names), bars
    raise ValueError(f"no Gantt chart for problem {inst.problem!r}")


def plot_gantt(
    inst: Instance, solution: dict[str, Any], path: str | Path, *, title: str | None = None
) -> Path:
    """Draw the schedule and save it to ``path`` (PNG). Due dates are marked for SMTT, downtime for RCPSP."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, bars = schedule_bars(inst, solution)
    colour_keys = list(dict.fromkeys(label for *_, label in bars))
    cmap = plt.get_cmap("tab20")
    colour = {key: cmap(i % 20) for i, key in enumerate(colour_keys)}
    height = max(2.0, min(0.28 * len(rows) + 1.2, 14.0))
    fig, ax = plt.subplots(figsize=(10, height))
    for row, start, length, label in bars:
        ax.barh(
            row, max(length, 0), left=start, height=0.8, color=colour[label], edgecolor="black", linewidth=0.3
        )
        if length > 0 and len(bars) <= 60:
            ax.text(start + length / 2, row, label, ha="center", va="center", fontsize=6)
    if inst.problem == "smtt":
        for d in np.asarray(inst.due_dates):
            ax.axvline(int(d), color="red", alpha=0.15, linewidth=0.8)
    ax.set_yticks(range(len(rows)), rows, fontsize=6 if len(rows) > 20 else 8)
    ax.invert_yaxis()
    ax.set_xlabel("time")
    ax.set_title(title or inst.name)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=120)
    plt.close(fig)
    return out
