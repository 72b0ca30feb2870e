"""JSSP rules: every output verifies on random instances; the active scheme reaches a tiny optimum."""

from __future__ import annotations

from helpers.instances import crossing_jssp_dict, random_jssp_routes
from hypothesis import given, settings
from hypothesis import strategies as st

from schedbench.heuristics import list_heuristics, run_heuristic
from schedbench.heuristics.jssp_sgs import giffler_thompson
from schedbench.problems import parse_instance, verify


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(1, 5), st.integers(0, 10_000), st.booleans())
def test_jssp_rules_verify(n, m, seed, zero):
    inst = random_jssp_routes(n, m, seed, zero)
    lower = max(
        max(sum(d for _, d in ops) for ops in inst.operations),
        max(int(inst.op_duration[inst.op_machine == k].sum()) for k in range(m)),
    )
    for h in list_heuristics("jssp"):
        check = verify(inst, run_heuristic(inst, h.name))
        assert check.feasible, (h.name, check.violations)
        assert check.objective >= lower


def test_active_scheme_reaches_an_optimum_on_ft06_style_tiny_case():
    # Two jobs, two machines, crossing routes: optimum 7 is an active schedule that SPT-active finds.
    inst = parse_instance(crossing_jssp_dict("x"))
    starts = giffler_thompson(inst, lambda ops, s: inst.op_duration[ops], "active")
    assert (
        verify(
            inst, {"instance": "x", "starts": {"A": starts[:2].tolist(), "B": starts[2:].tolist()}}
        ).objective
        == 7
    )
