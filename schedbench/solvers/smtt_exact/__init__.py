"""Exact single-machine total tardiness (1||sum T_j) for hundreds of jobs.

Lawler's decomposition on the longest job with position elimination (a longest job whose only
split left is the last position goes last at once), Emmons end reductions and memoisation of
subproblems keyed by (job set, start time). See ``solve_smtt_exact``.
"""

from __future__ import annotations

from .rules import Rules
from .solver import ExactResult, solve_smtt_exact

__all__ = ["ExactResult", "Rules", "solve_smtt_exact"]
