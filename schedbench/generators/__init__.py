"""Deterministic instance generators: the RCPSP ladder, Potts & Van Wassenhove SMTT and Taillard JSSP.

Same parameters and seed give byte-identical instances (serialise with sorted keys).
"""

from schedbench.generators.jssp import TAILLARD_SEEDS, generate_jssp, iter_jssp
from schedbench.generators.rcpsp import generate_rcpsp_ladder, iter_rcpsp_ladder
from schedbench.generators.smtt import generate_smtt, iter_smtt

__all__ = [
    "TAILLARD_SEEDS",
    "generate_jssp",
    "generate_rcpsp_ladder",
    "generate_smtt",
    "iter_jssp",
    "iter_rcpsp_ladder",
    "iter_smtt",
]
