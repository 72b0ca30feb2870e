"""The scoring protocol: three disjoint splits with references, and a candidate's metrics on one split.

A candidate runs on a split through the leaderboard's evaluation path (our code builds each schedule from
the plug-in's answers, :func:`schedbench.problems.verify` judges it). Any failed, infeasible or timed-out
instance makes the candidate invalid; there are no penalty constants. Fitness (lower is better) is the
class-balanced ratio-of-sums gap: the mean over classes of ``100 (sum H - sum R) / max(sum R, 1)``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from schedbench.datasets import read_instances, sha256_file
from schedbench.datasets.executors import Engine, TaskFailure, as_engine, run_bounded
from schedbench.datasets.labels import instance_group
from schedbench.datasets.references import Reference, gap_pct, load_references
from schedbench.discover.candidate import Failure, runtime_failure
from schedbench.heuristics import leaderboard, list_heuristics
from schedbench.heuristics.sandbox import Limits
from schedbench.problems import Instance, SchedbenchError, instance_digest, parse_instance
from schedbench.records.leaderboard import LeaderboardRecord

SPLITS = ("train", "val", "test")


def content_digest(inst: Instance) -> str:
    """The instance's content hash with its name ignored (two splits must not share one)."""
    return instance_digest(dataclasses.replace(inst, name=""))


_METRICS = ("fitness", "per_class", "paper_gap", "zero_opt_misses", "max_gap", "objectives")


@dataclass
class Split:
    """One split: its file, instances, references and classes."""

    name: str
    path: str
    instances: list[Instance]
    refs: dict[str, Reference]
    references_path: str | None = None

    @property
    def problem(self) -> str:
        return self.instances[0].problem

    def classes(self) -> list[str]:
        return [instance_group(inst) for inst in self.instances]

    def describe(self) -> dict[str, object]:
        """What run.json records about the split (no instance data, no reference values)."""
        return {
            "path": str(Path(self.path).resolve()),
            "sha256": sha256_file(self.path),
            "references": None if self.references_path is None else str(Path(self.references_path).resolve()),
            "references_sha256": None if self.references_path is None else sha256_file(self.references_path),
            "n": len(self.instances),
            "classes": sorted(set(self.classes())),
        }


def read_split(name: str, path: str) -> Split:
    """Read a split's instances (one problem, at least one instance); references come later."""
    instances = read_instances(path)
    if not instances:
        raise SchedbenchError(f"the {name} split is empty", source=path)
    problems = {inst.problem for inst in instances}
    if len(problems) > 1:
        raise SchedbenchError(f"one problem per split; found {', '.join(sorted(problems))}", source=path)
    return Split(name, path, instances, {})


def attach_references(split: Split, references: str | None) -> Split:
    """The split with its references; every instance needs one (one-line error otherwise)."""
    refs = load_references(split.instances, references)
    missing = [i.name for i in split.instances if i.name not in refs or refs[i.name].value is None]
    if missing:
        raise SchedbenchError(
            f"{len(missing)} {split.name} instance(s) have no reference value (first: {missing[0]}); "
            "solve them first (schedbench solve) and pass the output with --references",
            source=split.path,
        )
    split.refs, split.references_path = refs, references
    return split


def load_splits(paths: Mapping[str, str | None], references: str | None) -> dict[str, Split]:
    """Read the named splits, refuse shared instances, then attach references (in that order)."""
    splits = {name: read_split(name, path) for name, path in paths.items() if path}
    check_disjoint(list(splits.values()))
    return {name: attach_references(split, references) for name, split in splits.items()}


def load_split(name: str, path: str, references: str | None) -> Split:
    """One split with its references."""
    return attach_references(read_split(name, path), references)


def check_disjoint(splits: Sequence[Split]) -> None:
    """Refuse splits that share an instance (same content, whatever its name)."""
    seen: dict[str, tuple[str, str]] = {}
    for split in splits:
        for inst in split.instances:
            key = content_digest(inst)
            if key in seen and seen[key][0] != split.name:
                other, other_name = seen[key]
                raise SchedbenchError(
                    f"instance {inst.name!r} of the {split.name} split is {other_name!r} of the {other} split "
                    "(same content): the splits must be disjoint",
                    source=split.path,
                )
            seen.setdefault(key, (split.name, inst.name))


@dataclass
class Score:
    """A candidate (or rule) on one split: valid with its metrics, or invalid with its failure."""

    objectives: list[int] = field(default_factory=list)
    failure: Failure | None = None
    fitness: float | None = None
    per_class: dict[str, float] = field(default_factory=dict)
    paper_gap: float | None = None
    zero_opt_misses: int = 0
    max_gap: float | None = None
    seconds: float = 0.0

    @property
    def valid(self) -> bool:
        return self.failure is None

    def metrics(self) -> dict[str, object]:
        """The deterministic part (no timing), as events and reports store it."""
        return {name: getattr(self, name) for name in _METRICS}

    @classmethod
    def from_metrics(cls, metrics: Mapping[str, object], failure: Failure | None = None) -> Score:
        objectives = metrics.get("objectives") or []
        per_class = metrics.get("per_class") or {}
        assert isinstance(objectives, list) and isinstance(per_class, dict)
        return cls(
            objectives=[int(x) for x in objectives],
            failure=failure,
            fitness=_opt_float(metrics.get("fitness")),
            per_class={str(k): float(v) for k, v in per_class.items()},
            paper_gap=_opt_float(metrics.get("paper_gap")),
            zero_opt_misses=int(metrics.get("zero_opt_misses") or 0),  # type: ignore[call-overload]
            max_gap=_opt_float(metrics.get("max_gap")),
        )


def _opt_float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def compute_metrics(split: Split, objectives: Sequence[int]) -> Score:
    """Fitness, per-class gaps, the paper's metric and the zero-optimum misses of a full set of objectives."""
    sums: dict[str, list[int]] = {}
    gaps: list[float] = []
    zero_misses = 0
    for inst, value in zip(split.instances, objectives, strict=True):
        ref = split.refs[inst.name].value
        assert ref is not None
        total = sums.setdefault(instance_group(inst), [0, 0])
        total[0] += value
        total[1] += ref
        gap = gap_pct(value, ref)
        if gap is not None:
            gaps.append(gap)
        elif value > 0:
            zero_misses += 1
    per_class = {c: 100.0 * (h - r) / max(r, 1) for c, (h, r) in sums.items()}
    return Score(
        objectives=list(objectives),
        fitness=sum(per_class.values()) / len(per_class),
        per_class=per_class,
        paper_gap=sum(gaps) / len(gaps) if gaps else None,
        zero_opt_misses=zero_misses,
        max_gap=max(gaps) if gaps else None,
    )


def _records_on(
    executor: Engine | Executor, code: leaderboard.PluginCode, split: Split, limits: Limits
) -> Iterator[LeaderboardRecord | Failure]:
    """The plug-in's record per instance of the split, in the split's order, computed on ``executor``
    (its source travels with the tasks); a load failure or a lost task as a Failure in its place."""
    engine = as_engine(executor)
    size = max(1, min(leaderboard.CHUNK_MAX, len(split.instances) // (4 * engine.slots())))
    chunks = [split.instances[i : i + size] for i in range(0, len(split.instances), size)]
    tasks = [(chunk, [], [code], limits) for chunk in chunks]
    done: dict[int, list[list[LeaderboardRecord]] | TaskFailure] = dict(
        run_bounded(engine, leaderboard.evaluate_many, tasks)
    )
    for index in range(len(chunks)):
        outcome = done[index]
        if isinstance(outcome, TaskFailure):
            group = instance_group(chunks[index][0])
            if "does not load" in outcome.reason:
                yield Failure("load_error", outcome.reason[:300], group)
            else:
                yield runtime_failure(outcome.reason, group)
            return
        for records in outcome:
            yield records[0]


def score_plugin(
    path: str, split: Split, limits: Limits, *, executor: Engine | Executor | None = None
) -> Score:
    """Run a plug-in file on every instance of a split (stopping at the first failure) and score it.

    With ``executor`` (an engine of :mod:`schedbench.datasets.executors` or any Executor) the instances
    run there, side by side; the score is the same, the first failure in the split's order wins."""
    started = time.perf_counter()
    objectives: list[int] = []
    failure: Failure | None = None
    try:
        if executor is not None:
            found: Iterable[LeaderboardRecord | Failure] = _records_on(
                executor, leaderboard.PluginCode.read(path), split, limits
            )
        else:
            found = _one_by_one(path, split, limits)
        for inst, record in zip(split.instances, found):
            if isinstance(record, Failure):
                failure = record
                break
            if record.error:
                failure = runtime_failure(record.error, instance_group(inst))
                break
            if not record.feasible or record.objective is None:
                codes = ",".join(sorted(record.violations)) or "unknown"
                failure = Failure(
                    f"infeasible:{codes}", "the verifier rejected the schedule", instance_group(inst)
                )
                break
            objectives.append(int(record.objective))
    finally:
        leaderboard._close_plugins()  # one sandbox per candidate; the next candidate is another file
    if failure is not None:
        return Score(objectives=[], failure=failure, seconds=time.perf_counter() - started)
    score = compute_metrics(split, objectives)
    score.seconds = time.perf_counter() - started
    return score


def _one_by_one(path: str, split: Split, limits: Limits) -> Iterator[LeaderboardRecord | Failure]:
    for inst in split.instances:
        try:
            (record,) = leaderboard.evaluate(inst, [], [path], limits)
        except SchedbenchError as err:  # the file does not load
            yield Failure("load_error", str(err)[:300])
            return
        yield record


def score_builtin(rule: str, split: Split) -> Score:
    """A built-in rule on a split, through the same evaluation path (its failures are the rule's bugs)."""
    objectives = []
    for inst in split.instances:
        (record,) = leaderboard.evaluate(inst, [rule], [])
        if record.objective is None or not record.feasible:
            return Score(failure=Failure("infeasible", record.error or "built-in rule failed"))
        objectives.append(int(record.objective))
    return compute_metrics(split, objectives)


def win_tie_loss(mine: Sequence[int], theirs: Sequence[int]) -> dict[str, int]:
    """Per instance: strictly lower objective (win), equal (tie), higher (loss)."""
    out = {"win": 0, "tie": 0, "loss": 0}
    for a, b in zip(mine, theirs, strict=True):
        out["win" if a < b else "tie" if a == b else "loss"] += 1
    return out


def _doubled(item: dict, keys: tuple[str, ...]) -> dict:
    return {**item, **{k: 2 * item[k] for k in keys if isinstance(item.get(k), int)}}


def _variants(inst: Instance) -> tuple[Instance, Instance]:
    """The instance with its jobs (tasks) in reverse order, and with every time in it doubled."""
    body = inst.to_dict()
    key = "tasks" if inst.problem == "rcpsp" else "jobs"
    items = body[key]
    assert isinstance(items, list)
    scaled: dict = {**body, "name": f"{inst.name}~scale"}
    if inst.problem == "smtt":
        scaled["jobs"] = [_doubled(j, ("processing_time", "due_date")) for j in items]
    elif inst.problem == "jssp":
        scaled["jobs"] = [
            {
                **_doubled(j, ("due_date",)),
                "operations": [_doubled(o, ("duration",)) for o in j["operations"]],
            }
            for j in items
        ]
    else:
        scaled["tasks"] = [_doubled(t, ("duration", "release", "deadline")) for t in items]
        scaled["resources"] = [
            {**r, "downtime": [[2 * a, 2 * b] for a, b in r.get("downtime", [])]}
            for r in body["resources"]  # type: ignore[union-attr]
        ]
    relabelled = parse_instance({**body, "name": f"{inst.name}~relabel", key: items[::-1]})
    return relabelled, parse_instance(scaled)


def metamorphic_check(path: str, split: Split, limits: Limits) -> dict[str, object]:
    """Relabelled jobs (tasks) must give the same objective, doubled times (processing times and due
    dates; durations, releases, deadlines and downtime) twice the objective. Ties are broken by index, so
    a change is a flag, not a failure: ``index_dependent`` / ``scale_dependent`` when any instance changes."""
    changed = {"relabel": 0, "scale": 0}
    checked = 0
    try:
        for inst in split.instances:
            values = []
            for one in (inst, *_variants(inst)):
                (record,) = leaderboard.evaluate(one, [], [path], limits)
                values.append(record.objective if record.feasible else None)
            base, relabel, scale = values
            if base is None:
                continue
            checked += 1
            changed["relabel"] += relabel != base
            changed["scale"] += scale != 2 * base
    finally:
        leaderboard._close_plugins()
    flags = [f for f, k in (("index_dependent", "relabel"), ("scale_dependent", "scale")) if changed[k]]
    return {"instances": checked, "changed": changed, "flags": flags}


EXCLUDED_BUILTINS = ("tabu", "random")


def builtin_rules(problem: str) -> list[str]:
    """The built-in rules a run compares against (all but the random and search-based ones)."""
    return [h.name for h in list_heuristics(problem) if not any(x in h.name for x in EXCLUDED_BUILTINS)]
