"""`SampleRecord`: one line of an `llm eval` run's ``samples.jsonl`` (schema ``schedbench/llm-sample/v1``).

A record is one (instance, sample): who was asked what (labels, template, request), the scored round 0
at the top level, and the repair rounds under ``repair``. `to_dict` writes the layout 0.1 wrote plus
``"record"``; `from_dict` also reads 0.1 lines, which have no ``"record"`` key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from schedbench.datasets.jsonl import JsonValue
from schedbench.problems import SchedbenchError

SAMPLE_RECORD = "schedbench/llm-sample/v1"
OUTCOMES = ("feasible", "infeasible", "parse_error", "request_error")
SCHEMA_FILE = "llm-sample.v1.json"

JsonDict = dict[str, JsonValue]
Number = int | float


@dataclass
class RoundResult:
    """One request of a sample and how its answer scored (round 0 or a repair round).

    Which fields a record carries follows how far the round got: a failed request has ``error_class``
    and ``error``; an answer has the response, content, usage and parse fields; a parsed answer that the
    verifier judged has the verification fields; a feasible one has its gaps.
    """

    outcome: str
    cache_hit: bool = False
    attempts: list[JsonDict] = field(default_factory=list)
    latency_s: float | None = None
    elapsed_s: float | None = 0.0
    error_class: str | None = None
    error: str | None = None
    response: JsonDict | None = None
    content: str | None = None
    finish_reason: str | None = None
    usage: dict[str, JsonValue] | None = None
    parse_status: str | None = None
    parse_error: str | None = None
    solution: JsonDict | None = None
    parse_note: str | None = None
    violations: list[JsonDict] | None = None
    violation_counts: dict[str, int] | None = None
    objective: Number | None = None
    claimed_objective: JsonValue = None
    claim_status: str | None = None
    gap_pct: float | None = None
    gap_to_bound_pct: float | None = None
    round: int = 0

    @property
    def verified(self) -> bool:
        """The verifier judged the answer (feasible or infeasible)."""
        return self.outcome in ("feasible", "infeasible")

    def to_dict(self, *, response: bool = True) -> JsonDict:
        """The round's fields in 0.1's order; ``response=False`` leaves out the raw body (repair rounds)."""
        out = self._pick(_TIMING)
        if self.outcome == "request_error":
            return {**out, "outcome": self.outcome, **self._pick(_FAILED)}
        if response:
            out["response"] = self.response
        out.update(self._pick(_ANSWERED))
        if self.parse_note is not None:
            out["parse_note"] = self.parse_note
        out["outcome"] = self.outcome
        if self.verified:
            out.update(self._pick(_VERIFIED))
        if self.outcome == "feasible":
            out.update(self._pick(_GAPS))
        return out

    def _pick(self, names: tuple[str, ...]) -> JsonDict:
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_dict(cls, data: JsonDict, *, round_: int = 0) -> RoundResult:
        outcome = data.get("outcome")
        if outcome not in OUTCOMES:
            raise SchedbenchError(f"outcome {outcome!r} is not one of {', '.join(OUTCOMES)}", field="outcome")
        attempts = data.get("attempts")
        return cls(
            outcome=outcome,
            cache_hit=bool(data.get("cache_hit")),
            attempts=attempts if isinstance(attempts, list) else [],
            round=data.get("round", round_),
            **{name: data[name] for name in _AS_READ if name in data},
        )


# the round's fields by how far the round got, in the order they are written
_TIMING = ("cache_hit", "attempts", "latency_s", "elapsed_s")
_FAILED = ("error_class", "error")
_ANSWERED = ("content", "finish_reason", "usage", "parse_status", "parse_error", "solution")
_VERIFIED = ("violations", "violation_counts", "objective", "claimed_objective", "claim_status")
_GAPS = ("gap_pct", "gap_to_bound_pct")
_AS_READ = ("latency_s", "elapsed_s", *_FAILED, "response", *_ANSWERED, "parse_note", *_VERIFIED, *_GAPS)


@dataclass
class Repair:
    """The repair rounds after round 0 (verifier feedback sent back to the model)."""

    rounds: list[RoundResult] = field(default_factory=list)
    feasible_round: int | None = None
    final_outcome: str | None = None

    def to_dict(self) -> JsonDict:
        return {
            "rounds": [{**r.to_dict(response=False), "round": r.round} for r in self.rounds],
            "feasible_round": self.feasible_round,
            "final_outcome": self.final_outcome,
        }

    @classmethod
    def from_dict(cls, data: JsonValue) -> Repair:
        data = data if isinstance(data, dict) else {}
        rounds = data.get("rounds") if isinstance(data.get("rounds"), list) else []
        return cls(
            rounds=[RoundResult.from_dict(r, round_=i) for i, r in enumerate(rounds, start=1)],
            feasible_round=data.get("feasible_round"),
            final_outcome=data.get("final_outcome"),
        )


# the record's own keys, in the order they are written (round 0's fields follow "bound")
_HEAD = (
    "instance",
    "sample",
    "outcome",
    "problem",
    "level",
    "family",
    "side_families",
    "rendering",
    "model",
    "instance_hash",
    "template_id",
    "template_hash",
    "request",
    "reference",
    "reference_kind",
    "bound",
)
_ROUND_KEYS = frozenset(RoundResult.__dataclass_fields__) - {"round"}
_KNOWN = frozenset({"record", *_HEAD, *_ROUND_KEYS, "repair", "time_utc"})


@dataclass
class SampleRecord:
    """One (instance, sample) of an `llm eval` run: labels, request, round 0 and the repair rounds."""

    instance: str
    sample: int
    problem: str
    first: RoundResult
    level: JsonValue = None
    family: str | None = None
    side_families: str | None = None
    rendering: str | None = None
    model: str | None = None
    instance_hash: str | None = None
    template_id: str | None = None
    template_hash: str | None = None
    request: JsonDict = field(default_factory=dict)
    reference: Number | None = None
    reference_kind: str | None = None
    bound: Number | None = None
    repair: Repair = field(default_factory=Repair)
    time_utc: str | None = None
    extra: JsonDict = field(default_factory=dict)  # keys this version does not know, kept as read

    @property
    def outcome(self) -> str:
        """Round 0's outcome: the model alone."""
        return self.first.outcome

    @property
    def last_round(self) -> RoundResult:
        """The sample's last request (a repair round when there were any)."""
        return self.repair.rounds[-1] if self.repair.rounds else self.first

    def to_dict(self) -> JsonDict:
        head: JsonDict = {"record": SAMPLE_RECORD}
        for name in _HEAD:
            head[name] = self.outcome if name == "outcome" else getattr(self, name)
        return {
            **head,
            **self.first.to_dict(),
            "repair": self.repair.to_dict(),
            "time_utc": self.time_utc,
            **self.extra,
        }

    @classmethod
    def from_dict(cls, data: JsonDict) -> SampleRecord:
        """Read a record written by this version or by 0.1; a `SchedbenchError` names the bad field."""
        why = sample_problem(data)
        if why:
            raise SchedbenchError(why)
        head: dict[str, JsonValue] = {name: data.get(name) for name in _HEAD if name != "outcome"}
        return cls(
            **head,
            first=RoundResult.from_dict(data),
            repair=Repair.from_dict(data.get("repair")),
            time_utc=data.get("time_utc"),
            extra={k: v for k, v in data.items() if k not in _KNOWN},
        )


def sample_problem(data: JsonValue) -> str | None:
    """Why ``data`` is not an llm sample record (None when it is one); 0.1 records, without "record", are."""
    why = sample_kind_problem(data)
    if why is None and data.get("outcome") not in OUTCOMES:
        why = f"outcome {data.get('outcome')!r} is not one of {', '.join(OUTCOMES)}"
    return why


def sample_kind_problem(data: JsonValue) -> str | None:
    """Why ``data`` is not a record of an llm samples file: another record kind, no instance or sample."""
    if not isinstance(data, dict):
        return "expected a JSON object"
    kind = data.get("record", SAMPLE_RECORD)
    if kind != SAMPLE_RECORD:
        return f"expected record {SAMPLE_RECORD!r}, found {kind!r}"
    if not isinstance(data.get("instance"), str):
        return "expected an 'instance' name"
    sample = data.get("sample")
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 0:
        return f"expected a 'sample' number, found {sample!r}"
    return None


@cache
def sample_schema() -> JsonDict:
    """The JSON Schema (draft 2020-12) every line of ``samples.jsonl`` validates against."""
    path = resources.files("schedbench.records") / "schemas" / SCHEMA_FILE
    schema: JsonDict = json.loads(path.read_text(encoding="utf-8"))
    return schema
