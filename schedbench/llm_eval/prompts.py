"""Versioned prompt templates: rules, compact instance data and the answer format, per problem.

The instance data sits between ``<instance_data>`` tags as one compact JSON object, so that the
baseline server (and any reader of a run) can rebuild the exact instance from the prompt alone.
The instance's ``meta`` (which may hold the reference value) is never shown to the model.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from schedbench.problems import Instance
from schedbench.problems.base import INSTANCE_SCHEMA_ID
from schedbench.problems.errors import SchedbenchError

TEMPLATE_VERSION = "v1"
RENDERINGS = ("synthetic", "domain")
DATA_OPEN, DATA_CLOSE = "<instance_data>", "</instance_data>"

_SYSTEM = (
    "You are an expert in combinatorial scheduling. You answer with a schedule that satisfies every rule "
    "exactly. Finish your reply with one JSON object in the requested answer format."
)

_RULES = {
    "smtt": (
        "Single machine total {weighted}tardiness.\n"
        "- One machine processes every job exactly once, one at a time, without preemption or idle time, "
        "starting at time 0 in the order you choose.\n"
        "- The completion time C_j of a job is the sum of the processing times of the jobs up to and including it.\n"
        "- Tardiness T_j = max(0, C_j - due_date_j). Minimise the total {weighted}tardiness {formula}.\n"
        'Data: "jobs" lists [name, processing_time, due_date{weight_col}] per job.'
    ),
    "jssp": (
        "Job shop scheduling, minimise the makespan.\n"
        "- Each job is a sequence of operations; operation k of a job is [machine, duration].\n"
        "- A job's operations run in the given order: operation k+1 starts no earlier than operation k ends.\n"
        "- A machine processes at most one operation at a time; no preemption.\n"
        "- Start times are non-negative integers. The makespan is the latest end time of any operation.\n"
        'Data: "machines" is the number of machines (numbered from 0), "jobs" maps each job name to its operations.'
    ),
    "rcpsp": (
        "Resource-constrained project scheduling, minimise the makespan.\n"
        "- Every {task} runs once, without preemption, for its duration, from an integer start time >= 0.\n"
        "- Precedence [a, b]: b starts no earlier than a ends.\n"
        "- At every time t, the {task}s running at t (start <= t < start + duration) together use at most the "
        "capacity of each {resource}.\n"
        "- During a {resource}'s downtime window [s, e) its capacity is 0.\n"
        "- A {task} with a release starts no earlier than it; one with a deadline ends no later than it.\n"
        "- Disjunctive pair [a, b]: a and b must not overlap in time.\n"
        "- The makespan is the latest end time of any {task}.\n"
        'Data: "resources" maps each {resource} to its capacity (and downtime), "tasks" maps each {task} to its '
        'duration, demands per {resource} (and release/deadline), then "precedences" and "disjunctive" list name pairs.'
    ),
}

_DOMAIN_PREAMBLE = (
    "Context: you are planning the migration of a company's data centre to a new site. Each task below is "
    "one migration step (for example backing up a database cluster, moving a rack, re-cabling a network "
    "segment, cutting over a service). Resources are the teams, tools and transport that the steps share; "
    "their capacity is how many units are available at once, and downtime windows are periods when a "
    "resource is unavailable (change freezes, team shifts, maintenance). Precedences are technical "
    "dependencies between steps, releases and deadlines are the change windows agreed with the business, "
    "and disjunctive pairs are steps that must never run at the same time. The migration should finish as "
    "early as possible.\n\n"
)

_ANSWER = {
    "smtt": (
        'Answer with one JSON object {{"sequence": [job names in processing order], "objective": '
        "your total {weighted}tardiness}}, for example {example}."
    ),
    "jssp": (
        'Answer with one JSON object {{"starts": {{job name: [start time of each operation, in job order]}}, '
        '"objective": your makespan}}, for example {example}.'
    ),
    "rcpsp": (
        'Answer with one JSON object {{"starts": {{{task} name: start time}}, "objective": your makespan}}, '
        "for example {example}."
    ),
}

_USER = "{preamble}Instance: {name}\n\n{rules}\n\n{open}\n{data}\n{close}\n\n{answer}"


@dataclass(frozen=True)
class Prompt:
    """The messages sent for one instance, with the template that made them."""

    template_id: str
    template_hash: str
    messages: list[dict[str, str]]


def messages_digest(messages: list[dict[str, str]]) -> str:
    """sha256 (first 16 hex digits) of the messages as sent: a record's ``request.messages_sha256``."""
    return hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()[:16]


def template_id(problem: str, rendering: str) -> str:
    """Id of the template used for a problem and rendering, e.g. ``rcpsp-domain/v1``."""
    if problem == "rcpsp":
        return f"rcpsp-{rendering}/{TEMPLATE_VERSION}"
    return f"{problem}/{TEMPLATE_VERSION}"


def template_hash(problem: str, rendering: str) -> str:
    """sha256 (first 16 hex digits) of the fixed template text, so any wording change shows in records."""
    parts = [_SYSTEM, _USER, _RULES[problem], _ANSWER[problem]]
    if problem == "rcpsp" and rendering == "domain":
        parts.append(_DOMAIN_PREAMBLE)
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]


def compact_data(inst: Instance, *, descriptions: bool = False) -> dict[str, Any]:
    """The instance as a compact JSON object (no meta), readable by a model and by `instance_dict_from_data`.

    ``descriptions`` keeps the RCPSP resource and task descriptions (the domain rendering's story).
    """
    if inst.problem == "smtt":
        rows = []
        for j, name in enumerate(inst.job_names):
            row: list[Any] = [name, int(inst.processing_times[j]), int(inst.due_dates[j])]
            if inst.weights_given:
                row.append(int(inst.weights[j]))
            rows.append(row)
        return {"problem": "smtt", "name": inst.name, "weighted": bool(inst.weights_given), "jobs": rows}
    if inst.problem == "jssp":
        jobs = {name: [[m, p] for m, p in inst.operations[j]] for j, name in enumerate(inst.job_names)}
        return {"problem": "jssp", "name": inst.name, "machines": inst.num_machines, "jobs": jobs}
    if inst.problem == "rcpsp":
        full = inst.to_dict()
        resources = {}
        for res in full["resources"]:
            entry: dict[str, Any] = {"capacity": res["capacity"]}
            if descriptions and res.get("description"):
                entry["description"] = res["description"]
            if res.get("downtime"):
                entry["downtime"] = res["downtime"]
            resources[res["name"]] = entry
        tasks = {}
        for task in full["tasks"]:
            entry = {"duration": task["duration"]}
            demands = {r: q for r, q in task.get("demands", {}).items() if q}
            if demands:
                entry["demands"] = demands
            for key in ("release", "deadline"):
                if task.get(key) is not None:
                    entry[key] = task[key]
            if descriptions and task.get("description"):
                entry["description"] = task["description"]
            tasks[task["name"]] = entry
        data: dict[str, Any] = {"problem": "rcpsp", "name": inst.name, "resources": resources, "tasks": tasks}
        data["precedences"] = full.get("precedences", [])
        if full.get("disjunctive"):
            data["disjunctive"] = full["disjunctive"]
        return data
    raise SchedbenchError(f"unknown problem {inst.problem!r}")


def instance_dict_from_data(data: dict[str, Any]) -> dict[str, Any]:
    """Turn a compact data block back into the canonical instance JSON object."""
    problem = data.get("problem")
    head = {"schema": INSTANCE_SCHEMA_ID, "problem": problem, "name": data["name"]}
    if problem == "smtt":
        jobs = []
        for row in data["jobs"]:
            job = {"name": row[0], "processing_time": row[1], "due_date": row[2]}
            if len(row) > 3:
                job["weight"] = row[3]
            jobs.append(job)
        return {**head, "jobs": jobs}
    if problem == "jssp":
        jobs = [
            {"name": name, "operations": [{"machine": m, "duration": p} for m, p in ops]}
            for name, ops in data["jobs"].items()
        ]
        return {**head, "machines": data["machines"], "jobs": jobs}
    if problem == "rcpsp":
        resources = [{"name": name, **entry} for name, entry in data["resources"].items()]
        tasks = [{"name": name, **entry} for name, entry in data["tasks"].items()]
        out = {**head, "resources": resources, "tasks": tasks, "precedences": data.get("precedences", [])}
        if data.get("disjunctive"):
            out["disjunctive"] = data["disjunctive"]
        return out
    raise SchedbenchError(f"unknown problem {problem!r} in instance data")


_DATA_RE = re.compile(re.escape(DATA_OPEN) + r"\s*(.*?)\s*" + re.escape(DATA_CLOSE), re.S)


def data_from_prompt(text: str) -> dict[str, Any]:
    """Read the compact instance data block back out of a prompt."""
    match = _DATA_RE.search(text)
    if not match:
        raise SchedbenchError("prompt has no <instance_data> block")
    return json.loads(match.group(1))


def _example(inst: Instance) -> str:
    if inst.problem == "smtt":
        names = list(inst.job_names[:2])
        return json.dumps({"sequence": [*names, "..."], "objective": 0})
    if inst.problem == "jssp":
        name = inst.job_names[0]
        return json.dumps({"starts": {name: [0] * len(inst.operations[0]), "...": "..."}, "objective": 0})
    return json.dumps({"starts": {inst.task_names[0]: 0, "...": "..."}, "objective": 0})


def resolve_rendering(inst: Instance, rendering: str) -> str:
    """``auto`` takes the instance's own rendering (``meta.rendering``); only RCPSP has two renderings."""
    if inst.problem != "rcpsp":
        return "synthetic"
    if rendering == "auto":
        params = inst.meta.get("parameters")
        own = inst.meta.get("rendering") or (params.get("rendering") if isinstance(params, dict) else None)
        return own if own in RENDERINGS else "synthetic"
    if rendering not in RENDERINGS:
        raise SchedbenchError(f"unknown rendering {rendering!r}; choose from {', '.join(RENDERINGS)} or auto")
    return rendering


def build_prompt(inst: Instance, rendering: str = "synthetic") -> Prompt:
    """The system and user messages for one instance."""
    rendering = resolve_rendering(inst, rendering)
    problem = inst.problem
    if problem not in _RULES:
        raise SchedbenchError(f"unknown problem {problem!r}")
    weighted = "weighted " if problem == "smtt" and inst.weights_given else ""
    words = {"task": "task", "resource": "resource"}
    preamble = ""
    if problem == "rcpsp" and rendering == "domain":
        words = {"task": "migration step", "resource": "resource"}
        preamble = _DOMAIN_PREAMBLE
    rules = _RULES[problem].format(
        weighted=weighted,
        formula="sum_j w_j * T_j" if weighted else "sum_j T_j",
        weight_col=", weight" if weighted else "",
        **words,
    )
    answer = _ANSWER[problem].format(weighted=weighted, example=_example(inst), **words)
    data = json.dumps(compact_data(inst, descriptions=rendering == "domain"), separators=(",", ":"))
    user = _USER.format(
        preamble=preamble,
        name=inst.name,
        rules=rules,
        open=DATA_OPEN,
        data=data,
        close=DATA_CLOSE,
        answer=answer,
    )
    messages = [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": user}]
    return Prompt(template_id(problem, rendering), template_hash(problem, rendering), messages)


def repair_message(
    violations: list[dict[str, Any]] | None,
    parse_error: str | None,
    limit: int = 20,
    total: int | None = None,
) -> str:
    """Feedback for a repair round: the verifier's violations (or the parse error), then the same answer format.

    `total` is the number of violations when `violations` is a capped list (records keep at most a few per
    code), so "and N more" counts them all."""
    if parse_error is not None:
        head = f"Your answer could not be read: {parse_error}."
    else:
        lines = [f"- [{v['code']}] {v['message']}" for v in (violations or [])[:limit]]
        more = (len(violations or []) if total is None else total) - len(lines)
        if more > 0:
            lines.append(f"- ... and {more} more")
        head = "Your schedule breaks these rules:\n" + "\n".join(lines)
    return head + "\n\nFix the schedule and answer again with one JSON object in the same format."


def response_format(problem: str, mode: str) -> dict[str, Any] | None:
    """The ``response_format`` request field for ``none``, ``json_object`` or ``json_schema``."""
    if mode == "none":
        return None
    if mode == "json_object":
        return {"type": "json_object"}
    if mode != "json_schema":
        raise SchedbenchError(f"unknown response format {mode!r}; choose none, json_object or json_schema")
    if problem == "smtt":
        props: dict[str, Any] = {"sequence": {"type": "array", "items": {"type": "string"}}}
        required = ["sequence"]
    elif problem == "jssp":
        props = {
            "starts": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "integer"}},
            }
        }
        required = ["starts"]
    else:
        props = {"starts": {"type": "object", "additionalProperties": {"type": "integer"}}}
        required = ["starts"]
    props["objective"] = {"type": "number"}
    schema = {"type": "object", "properties": props, "required": required}
    return {"type": "json_schema", "json_schema": {"name": f"{problem}_solution", "schema": schema}}
