"""Shared fixtures: the tiny hand-checked instances, parsed (builders in `helpers/instances.py`)."""

from __future__ import annotations

import pytest
from helpers.instances import crossing_jssp_dict, golden_smtt_dict, one_crew_rcpsp_dict

from schedbench.problems import Instance, parse_instance


@pytest.fixture
def golden_smtt() -> Instance:
    """The SMTT paper's worked example `g` (six jobs, optimum 141)."""
    return parse_instance(golden_smtt_dict())


@pytest.fixture
def crossing_jssp() -> Instance:
    """Job shop `j`: two jobs, two machines, crossing routes (optimum 7)."""
    return parse_instance(crossing_jssp_dict())


@pytest.fixture
def one_crew_rcpsp() -> Instance:
    """RCPSP `r`: three tasks of durations 1, 2, 3 on one unit resource, no precedences (makespan 6)."""
    return parse_instance(one_crew_rcpsp_dict())
