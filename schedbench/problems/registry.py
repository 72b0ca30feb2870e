"""One front door over the three problems: parse, verify, schemas."""

from __future__ import annotations

import hashlib
import json
from types import ModuleType
from typing import Any

from schedbench.problems import jssp, rcpsp, smtt
from schedbench.problems.base import INSTANCE_SCHEMA_ID, Verification, Violation
from schedbench.problems.errors import SchedbenchError
from schedbench.problems.jssp import JsspInstance
from schedbench.problems.rcpsp import RcpspInstance
from schedbench.problems.schemas import INSTANCE_SCHEMAS, SOLUTION_SCHEMAS
from schedbench.problems.smtt import SmttInstance

Instance = RcpspInstance | SmttInstance | JsspInstance

PROBLEMS: dict[str, ModuleType] = {"rcpsp": rcpsp, "smtt": smtt, "jssp": jssp}


def problem_module(problem: object) -> ModuleType:
    """The module of a problem by name, or a one-line error listing the known ones."""
    try:
        return PROBLEMS[problem] if isinstance(problem, str) else PROBLEMS[repr(problem)]
    except KeyError:
        raise SchedbenchError(
            f"unknown problem {problem!r}; expected one of {', '.join(PROBLEMS)}", field="problem"
        ) from None


def parse_instance(obj: Any, *, source: str | None = None, line: int | None = None) -> Instance:
    """Check an instance's JSON object (schema and meaning) and build its data class."""
    try:
        if not isinstance(obj, dict):
            raise SchedbenchError(f"expected a JSON object, found {type(obj).__name__}")
        if obj.get("schema") != INSTANCE_SCHEMA_ID:
            raise SchedbenchError(
                f"expected {INSTANCE_SCHEMA_ID!r}, found {obj.get('schema')!r}", field="schema"
            )
        return problem_module(obj.get("problem")).from_dict(obj)
    except SchedbenchError as err:
        raise err.located(source=source, line=line) from None


def verify(instance: Instance, solution: Any) -> Verification:
    """Check a solution against its instance; every violation is listed and the objective recomputed."""
    if not isinstance(solution, dict):
        return Verification(
            instance.name, False, None, [Violation("malformed", "solution is not a JSON object", 1)]
        )
    return PROBLEMS[instance.problem].verify(instance, solution)


def instance_schema(problem: str) -> dict[str, Any]:
    """The JSON Schema of a problem's instances."""
    problem_module(problem)
    return INSTANCE_SCHEMAS[problem]


def solution_schema(problem: str) -> dict[str, Any]:
    """The JSON Schema of a problem's solutions."""
    problem_module(problem)
    return SOLUTION_SCHEMAS[problem]


def instance_digest(inst: Instance) -> str:
    """sha256 (hex) of the instance's canonical JSON without ``meta``: equal digests mean the same scheduling
    problem, whatever its name's references or labels. Records carry it so that a resumed run can tell an
    edited instance from the one it scored."""
    body = {k: v for k, v in inst.to_dict().items() if k != "meta"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
