"""PSPLIB single-mode RCPSP files (`.sm`, Kolisch & Sprecher 1996) -> rcpsp instances.

The `psplib` package reads the data. It is lenient (a short successor line parses silently), so a
layout check runs first and names the file, line and field of anything malformed or truncated.

Conventions: task names keep the PSPLIB job numbers (`J2` is job 2 of the file) and resources are
`R1`..`Rk`. The dummy source (job 1) and sink (last job), both of zero duration and demand, are left
out with their arcs; the makespan (latest finish) then equals PSPLIB's (the sink's start), so
published bounds apply unchanged. `meta["psplib"]` records which dummies were dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schedbench.datasets.importers.base import (
    INSTANCE_SCHEMA,
    ImportResult,
    expect_ints,
    family_prefix,
    read_lines,
    source_meta,
)
from schedbench.problems.errors import SchedbenchError

FORMAT = "psplib"
PROVENANCE = "PSPLIB (Kolisch & Sprecher 1996)"
SUFFIXES = (".sm",)


@dataclass
class _Layout:
    jobs: int
    renewable: int
    other_resources: int
    horizon: int | None


def _declared(lines: list[str], label: str, path: str, *, required: bool = True) -> int | None:
    """The integer after the colon on the first line containing `label`."""
    for number, text in enumerate(lines, 1):
        if label in text:
            match = re.search(r":\s*([+-]?\d+)", text)
            if not match:
                raise SchedbenchError("expected an integer after ':'", source=path, line=number, field=label)
            return int(match.group(1))
    if required:
        raise SchedbenchError(f"no line with {label!r} (not a PSPLIB .sm file?)", source=path)
    return None


def _section(lines: list[str], title: str, path: str) -> tuple[int, list[tuple[int, str]]]:
    """(title line number, data rows) of a section: rows after the title's column headers, up to `***`."""
    start = next((i for i, text in enumerate(lines) if text.strip().startswith(title)), None)
    if start is None:
        raise SchedbenchError(f"no {title!r} section (not a PSPLIB .sm file, or truncated)", source=path)
    rows: list[tuple[int, str]] = []
    for i in range(start + 1, len(lines)):
        text = lines[i].strip()
        if text.startswith("*"):
            break
        if not text:
            continue
        first = text.split()[0]
        if not rows and not first.lstrip("+-").isdigit():
            continue  # column headers and the dashed rule before the first data row
        rows.append((i + 1, text))
    return start + 1, rows


def _check_rows(rows: list[tuple[int, str]], expected: int, title_line: int, path: str, field: str) -> None:
    if len(rows) != expected:
        where = rows[-1][0] if rows else title_line
        raise SchedbenchError(
            f"expected {expected} job rows, found {len(rows)}", source=path, line=where, field=field
        )


def _row_error(message: str, where: tuple[str, int, str]) -> SchedbenchError:
    """The error for a bad row; `where` is (file, line, field)."""
    path, line, field = where
    return SchedbenchError(message, source=path, line=line, field=field)


def check_layout(path: str) -> _Layout:
    """Check the `.sm` layout strictly (counts, numbering, single mode); raise a located error if off."""
    lines = read_lines(path)
    jobs = _declared(lines, "jobs (incl. supersource/sink", path)
    renewable = _declared(lines, "- renewable", path)
    nonrenewable = _declared(lines, "- nonrenewable", path, required=False) or 0
    doubly = _declared(lines, "- doubly constrained", path, required=False) or 0
    horizon = _declared(lines, "horizon", path, required=False)
    assert jobs is not None and renewable is not None
    if jobs < 1:
        raise SchedbenchError(f"expected at least 1 job, found {jobs}", source=path, field="jobs")
    n_res = renewable + nonrenewable + doubly

    title_line, rows = _section(lines, "PRECEDENCE RELATIONS", path)
    _check_rows(rows, jobs, title_line, path, "precedence relations")
    for job, (number, text) in enumerate(rows, 1):
        values = expect_ints(text, None, source=path, line=number, field="precedence relations")
        if len(values) < 3 or values[0] != job:
            raise _row_error(
                f"expected a row 'jobnr #modes #successors successors...' for job {job}",
                (path, number, "precedence relations"),
            )
        if values[1] != 1:
            raise _row_error(
                f"job {job} has {values[1]} modes; only single-mode RCPSP (.sm) is supported",
                (path, number, "#modes"),
            )
        expect_ints(text, 3 + values[2], source=path, line=number, field="successors")
        for succ in values[3:]:
            if not 1 <= succ <= jobs or succ == job:
                raise _row_error(
                    f"successor {succ} of job {job} is not another job in 1..{jobs}",
                    (path, number, "successors"),
                )

    title_line, rows = _section(lines, "REQUESTS/DURATIONS", path)
    _check_rows(rows, jobs, title_line, path, "requests/durations")
    for job, (number, text) in enumerate(rows, 1):
        values = expect_ints(text, 3 + n_res, source=path, line=number, field="requests/durations")
        if values[0] != job or values[1] != 1:
            raise _row_error(
                f"expected job {job} mode 1, found job {values[0]} mode {values[1]}",
                (path, number, "requests/durations"),
            )
        if min(values[2:]) < 0:
            raise _row_error(f"job {job}: negative duration or demand", (path, number, "requests/durations"))
        if any(values[3 + renewable :]):
            raise _row_error(
                f"job {job} uses a nonrenewable or doubly constrained resource; only renewable ones are supported",
                (path, number, "requests/durations"),
            )

    title_line, rows = _section(lines, "RESOURCEAVAILABILITIES", path)
    if not rows:
        raise SchedbenchError(
            "missing capacities", source=path, line=title_line, field="resource availabilities"
        )
    number, text = rows[0]
    capacities = expect_ints(text, n_res, source=path, line=number, field="resource availabilities")
    if min(capacities, default=0) < 0:
        raise SchedbenchError("negative capacity", source=path, line=number, field="resource availabilities")
    return _Layout(jobs, renewable, nonrenewable + doubly, horizon)


def _is_dummy(activity: Any) -> bool:
    mode = activity.modes[0]
    return mode.duration == 0 and not any(mode.demands)


def read(path: str) -> ImportResult:
    """Read one `.sm` file into one rcpsp instance dict."""
    import psplib

    layout = check_layout(path)
    try:
        project = psplib.parse(path, instance_format="psplib")
    except (ValueError, IndexError) as err:  # the layout check should have caught it already
        raise SchedbenchError(f"psplib could not parse the file: {err}", source=path) from None
    activities = project.activities
    if len(activities) != layout.jobs or len(project.resources) != layout.renewable + layout.other_resources:
        raise SchedbenchError(
            f"psplib read {len(activities)} jobs and {len(project.resources)} resources, "
            f"the header declares {layout.jobs} and {layout.renewable + layout.other_resources}",
            source=path,
        )

    has_pred = {succ for act in activities for succ in act.successors}
    last = len(activities) - 1
    source_dummy = last > 0 and _is_dummy(activities[0]) and 0 not in has_pred
    sink_dummy = last > 0 and _is_dummy(activities[last]) and not activities[last].successors
    dropped = ({0} if source_dummy else set()) | ({last} if sink_dummy else set())

    resource_names = [f"R{k + 1}" for k in range(layout.renewable)]
    tasks = []
    for idx, act in enumerate(activities):
        if idx in dropped:
            continue
        mode = act.modes[0]
        demands = {r: int(q) for r, q in zip(resource_names, mode.demands) if q}
        tasks.append({"name": f"J{idx + 1}", "duration": int(mode.duration), "demands": demands})
    precedences = [
        [f"J{idx + 1}", f"J{succ + 1}"]
        for idx, act in enumerate(activities)
        for succ in act.successors
        if idx not in dropped and succ not in dropped
    ]
    resources = [
        {"name": name, "capacity": int(res.capacity)}
        for name, res in zip(resource_names, project.resources[: layout.renewable])
    ]

    stem = Path(path).stem
    family = f"j{len(tasks)}" if re.fullmatch(r"j\d+_\d+", stem) else family_prefix(stem)
    psplib_meta: dict[str, Any] = {
        "dummy_source": "J1" if source_dummy else None,
        "dummy_sink": f"J{last + 1}" if sink_dummy else None,
        "horizon": layout.horizon,
    }
    numbers = re.fullmatch(re.escape(family) + r"(\d+)_(\d+)", stem)
    if numbers:
        psplib_meta["parameter"], psplib_meta["instance"] = int(numbers.group(1)), int(numbers.group(2))
    instance = {
        "schema": INSTANCE_SCHEMA,
        "problem": "rcpsp",
        "name": stem,
        "resources": resources,
        "tasks": tasks,
        "precedences": precedences,
        "meta": {
            "source": source_meta(FORMAT, path, PROVENANCE),
            "family": family,
            "size": {"tasks": len(tasks), "resources": len(resources), "precedences": len(precedences)},
            "psplib": psplib_meta,
        },
    }
    return ImportResult(instances=[instance])
