"""Gantt charts: one bar per operation, bars on a row never overlap, and a PNG is written for every problem."""

from __future__ import annotations

from helpers.instances import GOLDEN_D, GOLDEN_P, smtt_dict

from schedbench.heuristics import run_heuristic
from schedbench.problems import parse_instance
from schedbench.reports.gantt import plot_gantt, schedule_bars


def test_gantt_charts_for_all_three_problems(tmp_path, crossing_jssp, one_crew_rcpsp):
    smtt = parse_instance(smtt_dict(GOLDEN_P[:3], GOLDEN_D[:3], name="g", meta={"rdd": 0.2, "tf": 0.4}))
    for inst, rule in ((smtt, "mddc"), (crossing_jssp, "spt-active"), (one_crew_rcpsp, "lft-serial")):
        solution = run_heuristic(inst, rule)
        rows, bars = schedule_bars(inst, solution)
        assert len(bars) == {"smtt": 3, "jssp": 4, "rcpsp": 3}[inst.problem]
        # bars on one row never overlap (one machine / one task per row)
        for row in range(len(rows)):
            spans = sorted((s, s + d) for r, s, d, _ in bars if r == row)
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))
        path = plot_gantt(inst, solution, tmp_path / f"{inst.name}.png")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
