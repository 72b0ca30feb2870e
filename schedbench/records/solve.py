"""The typed record of one solve: ``SolveResult``, one JSON line of ``schedbench solve`` output.

The schedule part (``starts`` or ``sequence``) stays the public solution dict the verifier judges; the
envelope around it is typed. ``to_dict()`` writes schema ``schedbench/solve-result/v1``
(``schemas/solve-result.v1.json``); ``from_dict()`` also reads lines written by schedbench 0.1, which
carry every key but ``record``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from schedbench.problems import SOLUTION_SCHEMA_ID, SchedbenchError
from schedbench.registry import Word

SOLVE_RESULT_ID = "schedbench/solve-result/v1"
SCHEDULE_KEYS = ("starts", "sequence")
_CONVERT = "re-run `schedbench solve` on its instances to write it again"


class SolveStatus(Word):
    """How a solve ended. ``optimal`` and ``feasible`` carry a verified schedule."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNKNOWN = "unknown"
    ERROR = "error"

    @property
    def has_schedule(self) -> bool:
        return self in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


@dataclass(frozen=True)
class SolverInfo:
    """Who produced a schedule: a solver backend or a heuristic rule, its version and its parameters."""

    name: str
    version: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, obj: object) -> SolverInfo:
        """From the ``solver`` object; a bare string (0.1 heuristic solutions wrote one) becomes its name."""
        if isinstance(obj, str) and obj:
            return cls(obj)
        if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
            raise SchedbenchError("solver must be an object with a string name", field="solver")
        params = obj.get("params") or {}
        if not isinstance(params, dict):
            raise SchedbenchError("solver params must be an object", field="solver.params")
        return cls(obj["name"], str(obj.get("version") or ""), params)


@dataclass(frozen=True)
class SolveResult:
    """A verified solve outcome.

    ``schedule`` is ``{"starts": ...}`` or ``{"sequence": [...]}`` (None without a schedule); ``bound`` is
    the proven lower bound, ``gap`` the relative gap between objective and bound. ``infeasible_proven``
    is written for status infeasible only. ``instance_sha256`` is the instance's content hash
    (:func:`instance_digest`), so a resumed run can tell a renamed or edited instance from the one it solved.
    ``host`` and ``cpu_model`` name the machine that ran the solve (optional: older lines have neither),
    so times from a run spread over unlike nodes can be told apart.
    """

    instance: str
    status: SolveStatus
    solver: SolverInfo
    objective: int | None = None
    bound: int | None = None
    gap: float | None = None
    time_s: float = 0.0
    seed: int | None = 0
    schedule: Mapping[str, Any] | None = None
    message: str | None = None
    infeasible_proven: bool = False
    stats: Mapping[str, Any] = field(default_factory=dict)
    reference_check: Mapping[str, Any] | None = None
    instance_sha256: str | None = None
    host: str | None = None
    cpu_model: str | None = None

    def solution(self) -> dict[str, Any] | None:
        """The public solution dict (schema, instance, starts or sequence) to hand to ``verify``."""
        if self.schedule is None:
            return None
        return {"schema": SOLUTION_SCHEMA_ID, "instance": self.instance, **self.schedule}

    def to_dict(self) -> dict[str, Any]:
        """The JSON line: every key 0.1 wrote, in its order, plus ``record`` first."""
        out: dict[str, Any] = {
            "record": SOLVE_RESULT_ID,
            "schema": SOLUTION_SCHEMA_ID,
            "instance": self.instance,
        }
        out.update(self.schedule or {})
        out["status"] = self.status.value
        out["objective"] = self.objective
        out["bound"] = self.bound
        out["gap"] = self.gap
        out["time_s"] = self.time_s
        out["solver"] = self.solver.to_dict()
        out["seed"] = self.seed
        if self.status is SolveStatus.INFEASIBLE:
            out["infeasible_proven"] = self.infeasible_proven
        if self.message:
            out["message"] = self.message
        if self.stats:
            out["stats"] = dict(self.stats)
        if self.reference_check is not None:
            out["reference_check"] = dict(self.reference_check)
        if self.instance_sha256 is not None:
            out["instance_sha256"] = self.instance_sha256
        if self.host is not None:
            out["host"] = self.host
        if self.cpu_model is not None:
            out["cpu_model"] = self.cpu_model
        return out

    @classmethod
    def from_dict(cls, obj: object) -> SolveResult:
        """Read a solve-result line (v1, or 0.1 without ``record``); a one-line error otherwise."""
        if not isinstance(obj, dict):
            raise SchedbenchError(f"expected a solve result object, found {type(obj).__name__}")
        record = obj.get("record")
        if record is None:
            if obj.get("schema") != SOLUTION_SCHEMA_ID or "status" not in obj:
                raise SchedbenchError(
                    f"not a solve result (no 'record': {SOLVE_RESULT_ID!r}, and not a 0.1 solve line "
                    f"with 'schema' and 'status'); {_CONVERT}",
                    field="record",
                )
        elif record != SOLVE_RESULT_ID:
            raise SchedbenchError(
                f"expected record {SOLVE_RESULT_ID!r}, found {record!r}; {_CONVERT}", field="record"
            )
        instance = obj.get("instance")
        if not isinstance(instance, str) or not instance:
            raise SchedbenchError("instance must be a non-empty string", field="instance")
        try:
            status = SolveStatus(obj.get("status"))
        except ValueError:
            known = ", ".join(s.value for s in SolveStatus)
            raise SchedbenchError(
                f"unknown status {obj.get('status')!r}; known: {known}", field="status"
            ) from None
        schedule = {k: obj[k] for k in SCHEDULE_KEYS if k in obj}
        return cls(
            instance=instance,
            status=status,
            solver=SolverInfo.from_dict(obj.get("solver")),
            objective=_optional_int(obj, "objective"),
            bound=_optional_int(obj, "bound"),
            gap=obj.get("gap"),
            time_s=float(obj.get("time_s") or 0.0),
            seed=obj.get("seed"),
            schedule=schedule or None,
            message=obj.get("message"),
            infeasible_proven=bool(obj.get("infeasible_proven", False)),
            stats=obj.get("stats") or {},
            reference_check=obj.get("reference_check"),
            instance_sha256=obj.get("instance_sha256"),
            host=_optional_str(obj, "host"),
            cpu_model=_optional_str(obj, "cpu_model"),
        )


def _optional_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise SchedbenchError(f"{key} must be a string, found {value!r}", field=key)
    return value


def _optional_int(obj: dict[str, Any], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise SchedbenchError(f"{key} must be an integer or null, found {value!r}", field=key)
    return int(value)
