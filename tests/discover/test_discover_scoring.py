"""The scoring protocol: disjoint splits, references required, the class-balanced ratio-of-sums fitness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schedbench.discover.scoring import (
    compute_metrics,
    load_split,
    load_splits,
    metamorphic_check,
    score_builtin,
    score_plugin,
    win_tie_loss,
)
from schedbench.discover.seeds import seeds
from schedbench.heuristics.sandbox import Limits
from schedbench.problems import SchedbenchError


def test_an_instance_in_two_splits_is_refused_whatever_its_name(smtt_splits, tmp_path, cli_run):
    line = Path(smtt_splits["train"]).read_text().splitlines()[3]
    record = json.loads(line)
    record["name"] = "renamed_copy"
    val = tmp_path / "val.jsonl"
    val.write_text(Path(smtt_splits["val"]).read_text() + json.dumps(record) + "\n")
    with pytest.raises(SchedbenchError) as err:
        load_splits({"train": smtt_splits["train"], "val": str(val)}, smtt_splits["references"])
    message = str(err.value)
    assert "\n" not in message and "renamed_copy" in message and "disjoint" in message
    done = cli_run(
        "discover",
        "run",
        smtt_splits["train"],
        "--val",
        str(val),
        "--references",
        smtt_splits["references"],
        "--base-url",
        "http://127.0.0.1:9/v1",
        "--model",
        "m",
        "-o",
        str(tmp_path / "run"),
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "disjoint" in done.stderr
    assert not (tmp_path / "run" / "events.jsonl").exists()


def test_a_split_without_references_is_a_one_line_error(smtt_splits):
    with pytest.raises(SchedbenchError, match="no reference value"):
        load_split("train", smtt_splits["train"], None)


def test_fitness_is_the_mean_over_classes_of_ratio_of_sums_gaps(smtt_splits):
    split = load_split("train", smtt_splits["train"], smtt_splits["references"])
    refs = [split.refs[i.name].value for i in split.instances]
    exact = compute_metrics(split, refs)
    assert exact.fitness == 0.0 and exact.paper_gap in (0.0, None)
    worse = [r + 10 for r in refs]
    score = compute_metrics(split, worse)
    classes = split.classes()
    expected = []
    for c in dict.fromkeys(classes):
        h = sum(v for v, k in zip(worse, classes) if k == c)
        r = sum(v for v, k in zip(refs, classes) if k == c)
        expected.append(100.0 * (h - r) / max(r, 1))
    assert score.fitness == pytest.approx(sum(expected) / len(expected))
    assert set(score.per_class) == set(classes)


def test_builtins_score_through_the_same_path_and_mdd_beats_edd(smtt_splits):
    split = load_split("train", smtt_splits["train"], smtt_splits["references"])
    mdd, edd = score_builtin("mdd", split), score_builtin("edd", split)
    assert mdd.valid and edd.valid and mdd.fitness < edd.fitness
    wtl = win_tie_loss(mdd.objectives, edd.objectives)
    assert sum(wtl.values()) == len(split.instances) and wtl["win"] > wtl["loss"]


def test_metamorphic_checks_flag_a_rule_keyed_on_the_job_index(smtt_splits, tmp_path):
    split = load_split("val", smtt_splits["val"], smtt_splits["references"])
    mdd = tmp_path / "mdd.py"
    mdd.write_text(next(s for s in seeds("smtt", "priority") if s.name == "mdd").source)
    keyed = tmp_path / "keyed.py"
    keyed.write_text(
        "import numpy as np\n\ndef priority(p, d, w, t, remaining):\n    return np.asarray(remaining, dtype=float)\n"
    )
    fair = metamorphic_check(str(mdd), split, Limits())
    unfair = metamorphic_check(str(keyed), split, Limits())
    assert fair is not None and fair["changed"]["scale"] == 0 and "scale_dependent" not in fair["flags"]
    assert unfair is not None and "index_dependent" in unfair["flags"]
    assert fair["instances"] == unfair["instances"] == len(split.instances)


def test_scoring_on_an_executor_gives_the_same_score_and_the_same_first_failure(smtt_splits, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    split = load_split("train", smtt_splits["train"], smtt_splits["references"])
    good = tmp_path / "good.py"
    good.write_text("def priority(p, d, w, t, remaining):\n    return [d[j] - p[j] for j in remaining]\n")
    bad = tmp_path / "bad.py"
    bad.write_text("def priority(p, d, w, t, remaining):\n    return [1.0]\n")
    limits = Limits()
    with ThreadPoolExecutor(2) as pool:
        for path in (good, bad):
            here, there = (
                score_plugin(str(path), split, limits),
                score_plugin(str(path), split, limits, executor=pool),
            )
            assert here.objectives == there.objectives and here.fitness == there.fitness
            assert (here.failure is None) == (there.failure is None)
            if here.failure is not None:
                assert there.failure.code == here.failure.code
                assert there.failure.instance_class == here.failure.instance_class


KEYED = {
    "jssp": "import numpy as np\n\ndef priority(duration, machine, job, earliest_start, remaining_work, "
    "remaining_ops, t):\n    return np.asarray(job, dtype=float)\n",
    "rcpsp": "import numpy as np\n\ndef priority(durations, demands, capacities, precedences, releases, "
    "deadlines):\n    return np.arange(len(durations), dtype=float)\n",
}
SCALE_KEYED = {  # rules that read the absolute size of the numbers: doubling them reorders everything
    "jssp": "import numpy as np\n\ndef priority(duration, machine, job, earliest_start, remaining_work, "
    "remaining_ops, t):\n    return np.sin(np.asarray(duration, dtype=float))\n",
    "rcpsp": "import numpy as np\n\ndef priority(durations, demands, capacities, precedences, releases, "
    "deadlines):\n    return np.sin(np.asarray(durations, dtype=float))\n",
}


@pytest.mark.parametrize("problem", ["jssp", "rcpsp"])
def test_metamorphic_checks_cover_jssp_and_rcpsp(problem, jssp_splits, rcpsp_splits, tmp_path):
    splits = jssp_splits if problem == "jssp" else rcpsp_splits
    split = load_split("val", splits["val"], splits["references"])
    scheme = "active" if problem == "jssp" else "serial"
    seed = next(s for s in seeds(problem, "priority") if s.name == ("mwkr" if problem == "jssp" else "lft"))
    results = {}
    for label, source in (("seed", seed.source), ("keyed", KEYED[problem]), ("scale", SCALE_KEYED[problem])):
        path = tmp_path / f"{label}.py"
        path.write_text(source if label == "seed" else source + f'SCHEME = "{scheme}"\n')
        results[label] = metamorphic_check(str(path), split, Limits())
    assert all(r["instances"] == len(split.instances) for r in results.values())
    assert results["seed"]["changed"]["scale"] == 0  # its priorities scale with the times
    assert "index_dependent" in results["keyed"]["flags"]
    assert "scale_dependent" in results["scale"]["flags"]
