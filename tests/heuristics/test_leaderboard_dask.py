"""The leaderboard on a real Dask cluster: the same table as the local pool, and a sandboxed plug-in
scored on every instance by workers with 2 threads each (plug-in source shipped with the tasks); and on
any engine, an instance that kills its worker costs only its own records, in a batch of chunked tasks."""

from __future__ import annotations

import json

from helpers.dask_cluster import distributed, local_client
from helpers.instances import random_smtt
from helpers.testkit_solver import RegisterTestkit, registered

from schedbench.datasets.executors import DaskEngine
from schedbench.heuristics.leaderboard import run_leaderboard

distributed()  # skips this module without Dask

PLUGIN = "NAME = 'plug_edd'\ndef priority(p, d, w, t, remaining):\n    return [d[j] for j in remaining]\n"


def table(board) -> list[dict]:
    """The summary rows without the timing columns (which differ run to run)."""
    return [{k: v for k, v in row.items() if "time" not in k} for row in board.rows]


def test_leaderboard_on_dask_matches_local_and_scores_a_plugin_on_every_instance(tmp_path):
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(random_smtt(s, n=7).to_dict()) + "\n" for s in range(60)))
    plugin = tmp_path / "plug_edd.py"
    plugin.write_text(PLUGIN)
    rules = "edd,spt,mdd"
    local = run_leaderboard(
        str(data), str(tmp_path / "local"), heuristics=rules, plugins=[str(plugin)], workers=2
    )
    with local_client(threads_per_worker=2) as client, DaskEngine(client) as engine:
        board = run_leaderboard(
            str(data), str(tmp_path / "dask"), heuristics=rules, plugins=[str(plugin)], executor=engine
        )
    scored = [r for r in board.records if r.rule == "plug_edd"]
    assert len(scored) == 60 and all(r.feasible and r.error is None for r in scored)
    assert table(board) == table(local)
    strip = lambda rs: [(r.rule, r.instance, r.feasible, r.objective, r.error) for r in rs]  # noqa: E731
    assert strip(board.records) == strip(local.records)


def test_an_instance_that_kills_its_worker_gets_error_records_and_only_it(tmp_path):
    rows = [random_smtt(s, n=7).to_dict() for s in range(40)]
    rows[13]["name"] = "poison-13"
    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = {"distributed.scheduler.allowed-failures": 0}
    with registered(), local_client(config=config) as client, DaskEngine(client) as engine:
        client.register_plugin(RegisterTestkit())
        board = run_leaderboard(str(data), str(tmp_path / "b"), heuristics="edd,testkit-edd", executor=engine)
    pairs = [(r.rule, r.instance) for r in board.records]
    assert len(pairs) == len(set(pairs)) == 80
    failed = {r.instance for r in board.records if r.error}
    assert failed == {"poison-13"}
    assert all("worker died" in r.error for r in board.records if r.error)
    assert all(r.feasible for r in board.records if r.instance != "poison-13")
