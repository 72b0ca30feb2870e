"""Shared helpers of the llm tests: small instances, data files, run configs, reading records.

Imported as ``helpers.llm`` (``tests/`` is on ``sys.path`` through pyproject's pytest ``pythonpath``).
"""

from __future__ import annotations

import itertools
import json
import socket
from pathlib import Path

from helpers.instances import SCHEMA, crossing_jssp_dict, smtt_dict
from schedbench.llm_eval.runner import EvalConfig
from schedbench.problems import parse_instance, verify

HEAD = {"schema": SCHEMA}


def smtt(name: str, p: list[int], d: list[int], level: int) -> dict:
    """A small SMTT whose meta carries its brute-force optimum as the reference."""
    inst = parse_instance(smtt_dict(p, d, name=name))
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
    return smtt_dict(p, d, name=name, meta={"level": level, "reference": ref})


def jssp(name: str, level: int) -> dict:
    return crossing_jssp_dict(name, meta={"level": level})


def rcpsp(name: str, level: int) -> dict:
    return {
        **HEAD,
        "problem": "rcpsp",
        "name": name,
        "resources": [{"name": "crew", "capacity": 2, "downtime": [[2, 4]]}],
        "tasks": [
            {"name": "backup_db", "duration": 2, "demands": {"crew": 1}},
            {"name": "move_rack", "duration": 3, "demands": {"crew": 2}},
            {"name": "cut_over", "duration": 1, "demands": {"crew": 1}, "release": 1},
        ],
        "precedences": [["backup_db", "move_rack"]],
        "disjunctive": [["backup_db", "cut_over"]],
        "meta": {"level": level, "rendering": "domain"},
    }


def write_data(path: Path, n_smtt: int = 4) -> list[str]:
    objs = [
        smtt(f"s{i}", [3, 1, 4, 2][: 3 + i % 2], [2, 5, 3, 4][: 3 + i % 2], 1 + i % 2) for i in range(n_smtt)
    ]
    objs += [jssp("j1", 1), jssp("j2", 2), rcpsp("r1", 1), rcpsp("r2", 2), rcpsp("r3", 2)]
    path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    return [o["name"] for o in objs]


def records_of(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "samples.jsonl").read_text().splitlines()]


def config(tmp_path: Path, url: str, **overrides) -> EvalConfig:
    base = dict(
        data=str(tmp_path / "data.jsonl"),
        base_url=url,
        model="schedbench-baseline",
        run_dir=str(tmp_path / "run"),
        concurrency=4,
        timeout_s=5.0,
        max_attempts=2,
        backoff_base_s=0.01,
        cache_path=str(tmp_path / "cache.sqlite"),
        seed=0,
    )
    base.update(overrides)
    return EvalConfig(**base)


def free_port() -> int:
    """A local port nobody listens on (a dead endpoint)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
