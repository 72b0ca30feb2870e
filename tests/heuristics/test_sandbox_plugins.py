"""Plug-in sandbox: good plug-ins score like the built-in rule; each failure mode fails only that instance."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers.instances import golden_smtt_dict, one_crew_rcpsp_dict, smtt_dict

from schedbench.heuristics import run_heuristic
from schedbench.heuristics.plugins import load_plugin
from schedbench.heuristics.sandbox import Limits, PluginFailure
from schedbench.problems import SchedbenchError, parse_instance, verify

LIMITS = Limits(cpu_seconds=1, wall_seconds=8, memory_bytes=1024**3)


GOLDEN = parse_instance(golden_smtt_dict())


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(body))
    return path


@pytest.fixture
def plugin(tmp_path):
    loaded = []

    def make(name, body, limits=LIMITS):
        rule = load_plugin(write(tmp_path, name, body), limits)
        loaded.append(rule)
        return rule

    yield make
    for rule in loaded:
        rule.close()


def test_priority_plugin_matches_builtin_mdd_and_is_named_by_stem(plugin):
    rule = plugin(
        "my_mdd",
        """
        import numpy as np
        def priority(p, d, w, t, remaining):
            print("noise on stdout must not break the protocol")
            return np.maximum(p[remaining] + t, d[remaining])
        """,
    )
    assert rule.name == "my_mdd"
    solution = rule.run(GOLDEN)
    assert solution["sequence"] == run_heuristic(GOLDEN, "mdd")["sequence"]
    assert verify(GOLDEN, solution).objective == 144
    assert rule.run(GOLDEN)["sequence"] == solution["sequence"]  # the child serves a second instance


def test_sequence_plugin_and_name_override(plugin):
    rule = plugin("x", "NAME = 'reverse'\ndef sequence(p, d, w):\n    return list(range(len(p)))[::-1]\n")
    assert rule.name == "reverse"
    assert rule.run(GOLDEN)["sequence"] == [f"J{i}" for i in range(5, -1, -1)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("def priority(p, d, w, t, remaining):\n    while True:\n        pass\n", "(timeout|CPU)"),
        ("import os\ndef sequence(p, d, w):\n    os._exit(3)\n", "exited with code 3"),
        ("def sequence(p, d, w):\n    raise RuntimeError('boom')\n", "RuntimeError: boom"),
        ("def priority(p, d, w, t, remaining):\n    return [1.0]\n", "returned 1 scores for 6 jobs"),
        ("def sequence(p, d, w):\n    return [0, 0, 1, 2, 3, 4]\n", "permutation"),
        ("def sequence(p, d, w):\n    return [0, 1]\n", "permutation"),
        ("def priority(p, d, w, t, remaining):\n    return [float('nan')] * len(remaining)\n", "finite"),
        (
            "import numpy as np\ndef sequence(p, d, w):\n    x = np.ones(2**31)\n    return list(range(len(p)))\n",
            "MemoryError",
        ),
    ],
    ids=["infinite-loop", "crash", "exception", "wrong-length", "duplicate", "short", "nan", "huge-memory"],
)
def test_failures_fail_the_instance_and_the_next_instance_still_runs(plugin, body, message):
    rule = plugin("bad", body)
    with pytest.raises(PluginFailure, match=message):
        rule.run(GOLDEN)
    with pytest.raises(PluginFailure):  # a fresh child is started and fails the same way, cleanly
        rule.run(parse_instance(smtt_dict([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], name="other")))


def test_plugin_cannot_create_or_write_files(plugin, tmp_path):
    target = tmp_path / "written.txt"
    rule = plugin(
        "writer",
        f"""
        def sequence(p, d, w):
            with open({str(target)!r}, "w") as handle:
                handle.write("x")
            return list(range(len(p)))
        """,
    )
    with pytest.raises(PluginFailure, match="(OSError|file)"):
        rule.run(GOLDEN)
    assert not target.exists()


def test_unusable_files_are_user_errors(tmp_path):
    with pytest.raises(SchedbenchError, match="neither priority"):
        load_plugin(write(tmp_path, "empty", "X = 1\n"), LIMITS)
    with pytest.raises(SchedbenchError, match="does not load"):
        load_plugin(write(tmp_path, "syntax", "def priority(:\n"), LIMITS)


def test_jssp_and_rcpsp_plugins_build_verified_schedules(plugin, crossing_jssp):
    jssp = crossing_jssp
    rule = plugin(
        "spt_j",
        "PROBLEM = 'jssp'\ndef priority(duration, machine, job, earliest_start, remaining_work, remaining_ops, t):\n"
        "    return duration\n",
    )
    assert verify(jssp, rule.run(jssp)).objective == verify(jssp, run_heuristic(jssp, "spt-active")).objective
    rcpsp = parse_instance(one_crew_rcpsp_dict(precedences=[["T0", "T2"]]))
    rule = plugin(
        "longest_first",
        "SCHEME = 'parallel'\ndef priority(durations, demands, capacities, precedences, releases, deadlines):\n"
        "    return -durations\n",
    )
    check = verify(rcpsp, rule.run(rcpsp))
    assert check.feasible and check.objective == 6
    with pytest.raises(PluginFailure, match="for jssp"):
        plugin("spt_j2", "PROBLEM = 'jssp'\ndef sequence(p, d, w):\n    return []\n").run(GOLDEN)
