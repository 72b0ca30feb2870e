"""Discovery prompts: the problem, how our code turns the answer into a schedule, the signature, a tiny
worked example, the parents with their train metrics, and (for repair) the failure.

A prompt never holds validation or test data, scores or references. The template is versioned; its hash
(:data:`TEMPLATE_HASH`) covers every fixed text below, so a changed wording is a changed template.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from schedbench.discover.candidate import Failure
from schedbench.discover.seeds import SIGNATURES, entry_function
from schedbench.heuristics.sandbox import PRELOADED

TEMPLATE_ID = "discover/v1"
OPERATORS = ("e1", "e2", "m1", "m2", "m3")
REPAIR = "repair"

SYSTEM = (
    "You write one Python plug-in file for schedbench, a scheduling benchmark. Pure functions only: no "
    "input or output, no files, no network, no processes. Allowed imports: {imports}. Answer with exactly "
    "one ```python block holding the whole file; its first line is a comment '# idea: <one sentence>'."
)

PROBLEM = {
    "smtt": (
        "Problem: single machine total {weighted}tardiness. n jobs with integer processing times p and due "
        "dates d{weights} run one after another from time 0, without idle time. The tardiness of job j is "
        "max(0, C_j - d_j), C_j its completion time. Minimise the total {weighted}tardiness."
    ),
    "jssp": (
        "Problem: job shop scheduling, minimise the makespan. Each job is a chain of operations, each on one "
        "machine for an integer duration; a machine runs one operation at a time, without preemption."
    ),
    "rcpsp": (
        "Problem: resource-constrained project scheduling, minimise the makespan. Tasks with durations use "
        "renewable resources with capacities; precedence pairs (before, after) must be respected; tasks may "
        "have release times and deadlines (-1: none)."
    ),
}

USE = {
    ("smtt", "priority"): (
        "How your answer is used: our code builds the sequence one job at a time. At each step it calls "
        "priority(p, d, w, t, remaining) with numpy arrays p, d, w over all jobs, the current time t and the "
        "indices `remaining` of the unscheduled jobs; you return one score per remaining job (same order as "
        "`remaining`); the lowest score goes next, ties by index. Every sequence is feasible, so only the "
        "tardiness matters."
    ),
    ("smtt", "sequence"): (
        "How your answer is used: our code calls sequence(p, d, w) once with numpy arrays over all jobs; you "
        "return the full order as a permutation of 0..n-1 (any other answer is invalid)."
    ),
    ("jssp", "priority"): (
        "How your answer is used: our code builds the schedule with the Giffler-Thompson {scheme} scheme. "
        "At each step it calls priority(...) with arrays over the operations of the current conflict set and "
        "the time t; you return one score per operation; the lowest is scheduled next, ties by index. Every "
        "schedule built this way is feasible."
    ),
    ("rcpsp", "priority"): (
        "How your answer is used: our code calls priority(...) once; you return one score per task; the "
        "{scheme} schedule generation scheme then starts eligible tasks lowest score first, ties by index, "
        "so the schedule respects every constraint."
    ),
}

EXAMPLE = {
    ("smtt", "priority"): (
        "Tiny example: p = [3, 1, 2], d = [3, 2, 6]. With the earliest-due-date rule (return d[remaining]) "
        "the order is 1, 0, 2: completions 1, 4, 6, tardiness 0 + 1 + 0 = 1."
    ),
    ("smtt", "sequence"): (
        "Tiny example: p = [3, 1, 2], d = [3, 2, 6]. Returning [1, 0, 2] gives completions 1, 4, 6 and total "
        "tardiness 0 + 1 + 0 = 1."
    ),
    ("jssp", "priority"): (
        "Tiny example: two operations compete for machine 0 with durations [5, 2] and remaining work [9, 2]; "
        "returning -remaining_work schedules the first one (most work remaining) next."
    ),
    ("rcpsp", "priority"): (
        "Tiny example: durations [2, 3, 1], precedence (0, 2), one resource of capacity 1 used by every task. "
        "Returning [0, 2, 1] makes the serial scheme start task 0 at 0, then task 2 (eligible once 0 is "
        "placed, score 1) at 2, then task 1 (score 2) at 3: makespan 6."
    ),
}

INSTRUCTION = {
    "e1": "Write a new rule whose idea is totally different from the rules above.",
    "e2": "Identify the common backbone of the rules above and write a new rule motivated by them, better than both.",
    "m1": "Modify the last rule above into a better one: change its idea, not only its numbers.",
    "m2": "Keep the idea of the last rule above but tune its parameters (constants, weights, tie-breaks).",
    "m3": (
        "Check whether the last rule above overfits the training instances (special constants, cases for "
        "particular sizes). Simplify it into a rule that generalises; shorter is better."
    ),
    REPAIR: "The rule below failed. Fix it; keep its idea if you can.",
}

PARENT = "Rule {k} (train: gap {fitness}; worst classes {worst}):\n```python\n{code}```"
FAILURE = "It failed with {code}{where}: {detail}"
REGIME = "Training instances: {count} instances, sizes {sizes}, classes {classes}."


def _hash_templates() -> str:
    parts = [SYSTEM, *PROBLEM.values(), *USE.values(), *EXAMPLE.values(), *INSTRUCTION.values()]
    parts += [PARENT, FAILURE, REGIME, TEMPLATE_ID]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]


TEMPLATE_HASH = _hash_templates()


@dataclass(frozen=True)
class Parent:
    """A parent as the prompt shows it: its code and its train metrics (never validation or test)."""

    code: str
    fitness: float
    per_class: dict[str, float]


@dataclass(frozen=True)
class PromptContext:
    """What every prompt of a run states: the problem, interface, scheme, and the train regime."""

    problem: str
    interface: str
    scheme: str | None
    weighted: bool
    train_count: int
    train_sizes: tuple[int, int]
    train_classes: int


def _parent_text(k: int, parent: Parent) -> str:
    worst = sorted(parent.per_class.items(), key=lambda kv: -kv[1])[:3]
    worst_text = ", ".join(f"{c} {g:.2f}%" for c, g in worst) or "-"
    return PARENT.format(k=k, fitness=f"{parent.fitness:.3f}%", worst=worst_text, code=parent.code)


def build_messages(
    ctx: PromptContext,
    operator: str,
    parents: Sequence[Parent],
    failed_code: str | None = None,
    failure: Failure | None = None,
) -> list[dict[str, str]]:
    """The chat messages of one request; parents in order worst to best (the last is the best)."""
    key = (ctx.problem, ctx.interface)
    weighted = "weighted " if ctx.weighted else ""
    weights = " and weights w" if ctx.weighted else " (all weights w are 1)"
    low, high = ctx.train_sizes
    sizes = f"{low}" if low == high else f"{low}-{high}"
    parts = [
        PROBLEM[ctx.problem].format(weighted=weighted, weights=weights),
        USE[key].format(scheme=ctx.scheme or ""),
        f"Signature: {SIGNATURES[key]}"
        + (f'  (the file sets SCHEME = "{ctx.scheme}")' if ctx.scheme else ""),
        EXAMPLE[key],
        REGIME.format(count=ctx.train_count, sizes=sizes, classes=ctx.train_classes),
        "Gaps are percent above the best known total on the training set (lower is better).",
    ]
    parts += [_parent_text(k + 1, p) for k, p in enumerate(parents)]
    if operator == REPAIR and failed_code is not None and failure is not None:
        where = f" on a {failure.instance_class} instance" if failure.instance_class else ""
        parts.append(INSTRUCTION[REPAIR])
        parts.append(f"```python\n{failed_code}```")
        parts.append(FAILURE.format(code=failure.code, where=where, detail=failure.detail))
    else:
        parts.append(INSTRUCTION[operator])
    parts.append(f"Define {entry_function(ctx.interface)}() exactly with the signature above.")
    imports = ", ".join(m for m in PRELOADED if "." not in m)
    return [
        {"role": "system", "content": SYSTEM.format(imports=imports)},
        {"role": "user", "content": "\n\n".join(parts)},
    ]
