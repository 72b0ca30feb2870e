"""Switches for every pruning rule of the exact SMTT search, so each can be tested on its own."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Rules:
    """Which reductions the search may use; every combination must give the same optimum.

    - ``emmons_first``: the shortest job goes first when Emmons' first theorem orders it before every
      other job (``d_s <= max(d_j, t + p_j)``).
    - ``emmons_last``: a job that is on time at the very end goes last, and so does a longest job
      that Emmons' first theorem orders after every other job.
    - ``trivial_cases``: EDD with zero tardiness, or every job tardy in any position (then SPT).
    - ``pvw_elimination``: Potts & Van Wassenhove / Lawler: drop a split of the longest job ``k``
      when the next job's due date is not beyond ``max(d_k, C_k)``.
    - ``chang_elimination``: Chang et al.: drop a split whose last job before ``k`` is due after
      ``max(d_k, C_k)`` (it could move behind ``k`` for free).
    - ``lawler_last``: a longest job whose only split left by the rules above is the last
      position goes last at once (a chain of one-split subproblems becomes one step).
    - ``lower_bound``: skip a split whose lower bound cannot beat the best split found so far.
    - ``memo``: reuse solved subproblems keyed by (job set, start time).
    - ``shift_bound``: bound a job set at start ``t`` from the same set met at other starts,
      and a split's left part from the smaller left parts of the same node already evaluated.
    """

    emmons_first: bool = True
    emmons_last: bool = True
    trivial_cases: bool = True
    pvw_elimination: bool = True
    chang_elimination: bool = True
    lawler_last: bool = True
    lower_bound: bool = True
    memo: bool = True
    shift_bound: bool = True

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def without(self, name: str) -> Rules:
        """The same rules with one switched off."""
        if name not in self.names():
            raise ValueError(f"unknown rule {name!r}; known: {', '.join(self.names())}")
        return Rules(**{f.name: getattr(self, f.name) and f.name != name for f in fields(self)})
