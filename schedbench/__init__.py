"""schedbench: benchmarking constraint-solving scheduling.

Generators with a difficulty knob, certified references from exact solvers, an exact verifier,
heuristic leaderboards and LLM evaluation for RCPSP, single-machine total tardiness and job shop.
"""

from schedbench.problems import (
    JsspInstance,
    RcpspInstance,
    SchedbenchError,
    SmttInstance,
    Verification,
    Violation,
    parse_instance,
    verify,
)

__version__ = "0.1.0"

__all__ = [
    "JsspInstance",
    "RcpspInstance",
    "SchedbenchError",
    "SmttInstance",
    "Verification",
    "Violation",
    "__version__",
    "parse_instance",
    "verify",
]
