"""Fixtures of the report tests: two small LLM runs (with faults and hostile text), a leaderboard, and two
discovery runs (evolve with a test and a price table, and a random arm on the same budget)."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers.discover import SMTT_SPLITS, solved_splits

from schedbench.discover import DiscoverConfig, StopRules, run_discover
from schedbench.heuristics.leaderboard import run_leaderboard
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.mutate import MutateConfig
from schedbench.llm_eval.runner import EvalConfig, run_eval
from schedbench.problems import parse_instance, verify

HEAD = {"schema": "schedbench/instance/v1"}
HOSTILE = '<script>window.PWNED=1</script><img src=x onerror="window.PWNED=2">'
SECRET = "sk-test-0123456789abcdef"


def _smtt(name: str, p: list[int], d: list[int], level: int) -> dict:
    jobs = [{"name": f"J{i}", "processing_time": a, "due_date": b} for i, (a, b) in enumerate(zip(p, d))]
    inst = parse_instance({**HEAD, "problem": "smtt", "name": name, "jobs": jobs})
    best = min(
        verify(inst, {"sequence": [f"J{i}" for i in order]}).objective
        for order in itertools.permutations(range(len(p)))
    )
    ref = {
        "value": best,
        "kind": "optimal",
        "lower_bound": best,
        "upper_bound": best,
        "source": "brute force",
    }
    return {**HEAD, "problem": "smtt", "name": name, "jobs": jobs, "meta": {"level": level, "reference": ref}}


def _rcpsp(name: str, level: int) -> dict:
    return {
        **HEAD,
        "problem": "rcpsp",
        "name": name,
        "resources": [{"name": "crew", "capacity": 2, "downtime": [[2, 4]]}],
        "tasks": [
            {"name": "backup_db", "duration": 2, "demands": {"crew": 1}, "description": HOSTILE},
            {"name": "move_rack", "duration": 3, "demands": {"crew": 2}},
            {"name": "cut_over", "duration": 1, "demands": {"crew": 1}, "release": 1},
        ],
        "precedences": [["backup_db", "move_rack"]],
        "disjunctive": [["backup_db", "cut_over"]],
        "meta": {"level": level, "rendering": "domain"},
    }


def _jssp(name: str, level: int) -> dict:
    jobs = [
        {"name": "A", "operations": [{"machine": 0, "duration": 3}, {"machine": 1, "duration": 2}]},
        {"name": "B", "operations": [{"machine": 1, "duration": 2}, {"machine": 0, "duration": 4}]},
    ]
    return {**HEAD, "problem": "jssp", "name": name, "machines": 2, "jobs": jobs, "meta": {"level": level}}


@dataclass
class Fixture:
    root: Path
    data: Path
    run_a: Path
    run_b: Path
    board: Path
    board_data: Path
    hostile_index: int  # position in run A's samples.jsonl of the record whose content is hostile
    hostile: str = HOSTILE  # markup with script put in a model answer and in a task description
    secret: str = SECRET  # the API key's value while the runs ran and while the report is built


def _eval(root: Path, url: str, run: str, api_key_env: str) -> Path:
    config = EvalConfig(
        data=str(root / "data.jsonl"),
        base_url=url,
        model="baseline",
        run_dir=str(root / run),
        samples=2,
        concurrency=4,
        timeout_s=5.0,
        max_attempts=2,
        backoff_base_s=0.01,
        use_cache=False,
        seed=0,
        api_key_env=api_key_env,
    )
    run_eval(config)
    return root / run


@pytest.fixture(scope="session")
def html_inputs(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    root = tmp_path_factory.mktemp("html")
    objs = [_smtt(f"s{i}", [3, 1, 4, 2][: 3 + i % 2], [2, 5, 3, 4][: 3 + i % 2], 1 + i % 2) for i in range(4)]
    objs += [_jssp("j1", 1), _jssp("j2", 2), _rcpsp("r1", 1), _rcpsp("r2", 2), _rcpsp("r3", 2)]
    (root / "data.jsonl").write_text("".join(json.dumps(o) + "\n" for o in objs))
    faults_a = {"s1": "infeasible", "j2": "infeasible", "r2": "infeasible", "s3": "garbage"}
    faults_b = {"s2": "infeasible", "r3": "infeasible"}
    mp = pytest.MonkeyPatch()
    mp.setenv("SB_TEST_KEY", SECRET)
    try:
        with ServerThread(BaselineConfig(), lambda info: faults_a.get(info.instance)) as server:
            run_a = _eval(root, server.url, "run_a", "SB_TEST_KEY")
        with ServerThread(BaselineConfig(), lambda info: faults_b.get(info.instance)) as server:
            run_b = _eval(
                root, server.url.replace("http://", f"http://user:{SECRET}@"), "run_b", "SB_TEST_KEY"
            )
    finally:
        mp.undo()
    # a model answer that is HTML with script: the viewer must show it as text
    lines = (run_a / "samples.jsonl").read_text().splitlines()
    hostile = next(i for i, line in enumerate(lines) if json.loads(line)["outcome"] == "parse_error")
    rec = json.loads(lines[hostile])
    rec["content"] = HOSTILE + f" key {SECRET}"
    lines[hostile] = json.dumps(rec)
    (run_a / "samples.jsonl").write_text("\n".join(lines) + "\n")
    board_data = root / "smtt.jsonl"
    board_data.write_text("".join(json.dumps(o) + "\n" for o in objs if o["problem"] == "smtt"))
    run_leaderboard(str(board_data), str(root / "board"), heuristics="all")
    return Fixture(root, root / "data.jsonl", run_a, run_b, root / "board", board_data, hostile)


@pytest.fixture(scope="session")
def discover_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """An evolve run with a test and a price table, and a random arm on the same budget."""
    folder = tmp_path_factory.mktemp("discover-report")
    splits = solved_splits(folder, SMTT_SPLITS)
    prices = folder / "prices.json"
    prices.write_text(json.dumps({"mutate": {"input_per_1m": 1.0, "output_per_1m": 4.0}}))
    out = {}
    with ServerThread(BaselineConfig(mode="mutate", mutate=MutateConfig(hostile_rate=0.2))) as server:
        for strategy in ("evolve", "random"):
            config = DiscoverConfig(
                train=splits["train"],
                val=splits["val"],
                test=splits["test"] if strategy == "evolve" else None,
                references=splits["references"],
                run_dir=str(folder / strategy),
                base_url=server.url,
                model="mutate",
                strategy=strategy,
                islands=2,
                pop_size=3,
                price_table=str(prices),
                stop=StopRules(max_samples=18),
            )
            run_discover(config)
            out[strategy] = str(folder / strategy)
    return out
