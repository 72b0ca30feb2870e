"""JSON Schemas (draft 2020-12) of the public instance and solution formats, v1."""

from __future__ import annotations

from typing import Any

from schedbench.problems.base import INSTANCE_SCHEMA_ID, MAX_MAGNITUDE, SOLUTION_SCHEMA_ID

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_NAME = {"type": "string", "minLength": 1}
_NONNEG = {"type": "integer", "minimum": 0, "maximum": MAX_MAGNITUDE}
_INT = {"type": "integer", "minimum": -MAX_MAGNITUDE, "maximum": MAX_MAGNITUDE}
_PAIR_OF_NAMES = {"type": "array", "items": _NAME, "minItems": 2, "maxItems": 2}
_WINDOW = {"type": "array", "items": _INT, "minItems": 2, "maxItems": 2}


def _instance(problem: str, title: str, properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {
        "$schema": _DRAFT,
        "$id": f"{INSTANCE_SCHEMA_ID}/{problem}",
        "title": title,
        "type": "object",
        "required": ["schema", "problem", "name", *required],
        "properties": {
            "schema": {"const": INSTANCE_SCHEMA_ID},
            "problem": {"const": problem},
            "name": _NAME,
            "description": {"type": "string"},
            "meta": {"type": "object"},
            **properties,
        },
        "additionalProperties": False,
    }


RCPSP_INSTANCE = _instance(
    "rcpsp",
    "schedbench RCPSP instance (objective: makespan)",
    {
        "resources": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "capacity"],
                "properties": {
                    "name": _NAME,
                    "capacity": _NONNEG,
                    "downtime": {
                        "description": "half-open [start, end) windows in which the capacity is 0",
                        "type": "array",
                        "items": _WINDOW,
                    },
                    "description": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "tasks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "duration"],
                "properties": {
                    "name": _NAME,
                    "duration": _NONNEG,
                    "demands": {"type": "object", "additionalProperties": _NONNEG},
                    "release": {"description": "earliest start", **_NONNEG},
                    "deadline": {"description": "latest finish", **_NONNEG},
                    "description": {"type": "string"},
                },
                "additionalProperties": False,
            },
        },
        "precedences": {
            "description": "[before, after]: after starts no earlier than before ends",
            "type": "array",
            "items": _PAIR_OF_NAMES,
        },
        "disjunctive": {
            "description": "[a, b]: a and b must not overlap",
            "type": "array",
            "items": _PAIR_OF_NAMES,
        },
    },
    ["resources", "tasks"],
)

SMTT_INSTANCE = _instance(
    "smtt",
    "schedbench single-machine total (weighted) tardiness instance",
    {
        "jobs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "processing_time", "due_date"],
                "properties": {
                    "name": _NAME,
                    "processing_time": _NONNEG,
                    "due_date": _INT,
                    "weight": _NONNEG,
                },
                "additionalProperties": False,
            },
        },
    },
    ["jobs"],
)

JSSP_INSTANCE = _instance(
    "jssp",
    "schedbench job shop instance (objective: makespan)",
    {
        "machines": {"type": "integer", "minimum": 1, "maximum": MAX_MAGNITUDE},
        "jobs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "operations"],
                "properties": {
                    "name": _NAME,
                    "operations": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["machine", "duration"],
                            "properties": {"machine": _NONNEG, "duration": _NONNEG},
                            "additionalProperties": False,
                        },
                    },
                    "due_date": _INT,
                    "weight": _NONNEG,
                },
                "additionalProperties": False,
            },
        },
    },
    ["machines", "jobs"],
)

_SOLUTION_COMMON = {
    "schema": {"const": SOLUTION_SCHEMA_ID},
    "instance": _NAME,
    "objective": {"type": ["number", "null"]},
    "status": {"enum": ["optimal", "feasible", "infeasible", "unknown", "error"]},
    "bound": {"type": ["number", "null"]},
    "gap": {"type": ["number", "null"]},
    "solver": {},
    "time_s": {"type": ["number", "null"]},
    "seed": {"type": ["integer", "null"]},
}


def _solution(problem: str, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": _DRAFT,
        "$id": f"{SOLUTION_SCHEMA_ID}/{problem}",
        "title": f"schedbench {problem} solution",
        "type": "object",
        "required": ["instance"],
        "properties": {**_SOLUTION_COMMON, **body},
    }


RCPSP_SOLUTION = _solution("rcpsp", {"starts": {"type": "object", "additionalProperties": _INT}})
SMTT_SOLUTION = _solution(
    "smtt", {"sequence": {"type": "array", "items": _NAME, "description": "back to back from 0"}}
)
JSSP_SOLUTION = _solution(
    "jssp",
    {
        "starts": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": _INT},
        }
    },
)

INSTANCE_SCHEMAS = {"rcpsp": RCPSP_INSTANCE, "smtt": SMTT_INSTANCE, "jssp": JSSP_INSTANCE}
SOLUTION_SCHEMAS = {"rcpsp": RCPSP_SOLUTION, "smtt": SMTT_SOLUTION, "jssp": JSSP_SOLUTION}
