"""The registries (solvers, heuristics, importers): names, problems, descriptions, case-insensitive lookup
and errors that list the known names."""

from __future__ import annotations

import pytest
from helpers.instances import random_smtt

from schedbench.datasets.importers import IMPORTERS, list_importers
from schedbench.heuristics import get_heuristic, list_heuristics, run_heuristic
from schedbench.heuristics.leaderboard import resolve_rules
from schedbench.problems import SchedbenchError
from schedbench.solvers import SOLVERS, list_solvers, resolve_solver


def test_solver_registry_lists_every_solver_with_its_problems():
    entries = {e.name: e for e in list_solvers()}
    assert (
        tuple(entries) == SOLVERS == ("auto", "cpsat", "hybrid", "mip", "mip-cbc", "mip-highs", "dp", "exact")
    )
    assert entries["dp"].problems == entries["exact"].problems == ("smtt",)
    assert entries["hybrid"].problems == ("jssp",)
    assert all(e.description and "\n" not in e.description for e in entries.values())
    assert entries["cpsat"].available()
    assert [e.name for e in list_solvers("jssp")] == [
        "auto",
        "cpsat",
        "hybrid",
        "mip",
        "mip-cbc",
        "mip-highs",
    ]


def test_solver_names_match_in_any_case_and_unknown_lists_the_known():
    inst = random_smtt(1, n=8)
    assert resolve_solver(inst, "DP") == resolve_solver(inst, "auto") == "dp"
    assert resolve_solver(inst, "CP-SAT".replace("-", "")) == "cpsat"
    assert resolve_solver(random_smtt(1, n=25), "Auto") == "exact"
    with pytest.raises(SchedbenchError, match="unknown solver 'gurobi'; known: auto, cpsat, hybrid, mip"):
        resolve_solver(inst, "gurobi")
    with pytest.raises(SchedbenchError, match="handles unweighted SMTT only"):
        resolve_solver(random_smtt(1, n=25, weighted=True), "exact")


def test_heuristic_names_are_case_insensitive_and_canonical():
    assert resolve_rules("smtt", "EDD,MDDC") == ["edd", "mddc"]
    assert get_heuristic("jssp", "SPT-Active").name == "spt-active"
    assert all(h.name == h.name.lower() for h in list_heuristics())
    with pytest.raises(SchedbenchError, match="unknown smtt heuristic 'nope'; known: .*edd"):
        get_heuristic("smtt", "nope")
    solution = run_heuristic(random_smtt(3, n=6), "EDD")
    assert solution["solver"]["name"] == "edd" and solution["solver"]["params"] == {}
    assert isinstance(solution["solver"]["version"], str)


def test_importer_registry_matches_the_old_views():
    entries = list_importers()
    assert [e.name for e in entries] == list(IMPORTERS)
    assert {e.name: e.problems for e in entries}["taillard"] == ("jssp",)
    assert [e.name for e in list_importers("smtt")] == ["orlib-wt", "smtt-paper"]
