"""Job-shop dispatching rules, each registered under both schemes: ``<rule>-active`` and ``<rule>-nondelay``.

Published gaps of the same rule differ by about a factor of two between the schemes, so the scheme is part
of the name. Scores: lowest wins, ties by job index.
"""

from __future__ import annotations

import zlib

import numpy as np

from schedbench.heuristics.jssp_sgs import SCHEMES, ScoreFn, SgsState, giffler_thompson
from schedbench.heuristics.registry import register
from schedbench.problems.jssp import JsspInstance, solution_from_starts


def _fdd_mwkr(ops: np.ndarray, s: SgsState) -> np.ndarray:
    return s.flow_due[ops] / np.maximum(s.remaining_work[ops], 1)


def _random(ops: np.ndarray, s: SgsState) -> np.ndarray:
    return s.rng.random(len(ops))


RULES: dict[str, tuple[str, ScoreFn]] = {
    "spt": ("shortest operation first", lambda ops, s: s.inst.op_duration[ops]),
    "lpt": ("longest operation first", lambda ops, s: -s.inst.op_duration[ops]),
    "mwkr": ("most work remaining in the job", lambda ops, s: -s.remaining_work[ops]),
    "lwkr": ("least work remaining in the job", lambda ops, s: s.remaining_work[ops]),
    "mopnr": ("most operations remaining in the job", lambda ops, s: -s.remaining_ops[ops]),
    "fifo": ("first in first out: earliest job-ready time", lambda ops, s: s.job_ready[s.inst.op_job[ops]]),
    "fdd-mwkr": ("flow due date / most work remaining", _fdd_mwkr),
    "random": ("uniform random choice, seeded by the instance name", _random),
}


def rule_seed(inst: JsspInstance, seed: int = 0) -> int:
    """A seed fixed by the instance name, so random rules are reproducible per instance."""
    return zlib.crc32(inst.name.encode()) ^ seed


def _make(rule: str, scheme: str, description: str, score: ScoreFn) -> None:
    @register("jssp", f"{rule}-{scheme}", f"{description} ({scheme} Giffler-Thompson)")
    def run(inst: JsspInstance) -> dict:
        return solution_from_starts(inst, giffler_thompson(inst, score, scheme, seed=rule_seed(inst)))


for _rule, (_description, _score) in RULES.items():
    for _scheme in SCHEMES:
        _make(_rule, _scheme, _description, _score)
