"""The core: data model, JSON Schema, verifier and objective for each problem.

This package imports nothing else of schedbench; everything else imports it.
"""

from schedbench.problems.base import (
    INSTANCE_SCHEMA_ID,
    SOLUTION_SCHEMA_ID,
    VIOLATION_CODES,
    Verification,
    Violation,
)
from schedbench.problems.errors import SchedbenchError
from schedbench.problems.jssp import JsspInstance
from schedbench.problems.rcpsp import RcpspInstance
from schedbench.problems.registry import (
    PROBLEMS,
    Instance,
    instance_digest,
    instance_schema,
    parse_instance,
    problem_module,
    solution_schema,
    verify,
)
from schedbench.problems.smtt import SmttInstance

__all__ = [
    # base
    "INSTANCE_SCHEMA_ID",
    "SOLUTION_SCHEMA_ID",
    "VIOLATION_CODES",
    "Verification",
    "Violation",
    "SchedbenchError",
    # the three problems
    "JsspInstance",
    "RcpspInstance",
    "SmttInstance",
    # the front door
    "PROBLEMS",
    "Instance",
    "instance_digest",
    "instance_schema",
    "parse_instance",
    "problem_module",
    "solution_schema",
    "verify",
]
