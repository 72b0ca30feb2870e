"""Discovery on a real 2-worker Dask cluster (2 threads each, sandboxed plug-ins): each candidate's
instances run on the workers, and the run logs the same events, candidates, pick and test as the run that
scored them here one by one."""

from __future__ import annotations

import json
from pathlib import Path

from helpers.dask_cluster import distributed, local_client
from helpers.discover import mutate_config

from schedbench.datasets.executors import DaskEngine
from schedbench.discover import run_discover
from schedbench.records.discover import without_timing

distributed()  # skips this module without Dask
SMALL = {"seed": 3, "max_samples": 14}


def _events(run_dir: Path) -> list[dict]:
    return [without_timing(json.loads(line)) for line in (run_dir / "events.jsonl").read_text().splitlines()]


def _test(run_dir: Path) -> dict:
    return without_timing(json.loads((run_dir / "test.json").read_text()))


def test_a_run_on_dask_workers_logs_what_a_local_run_logs(smtt_splits, mutate_server, tmp_path):
    with mutate_server(hostile_rate=0.2, hostile_dir=str(tmp_path)) as server:
        here = run_discover(mutate_config(smtt_splits, server.url, tmp_path / "here", **SMALL))
        with local_client(threads_per_worker=2) as client, DaskEngine(client) as engine:
            there = run_discover(
                mutate_config(smtt_splits, server.url, tmp_path / "dask", **SMALL), executor=engine
            )
            workers = client.scheduler_info()["workers"]
    assert len(workers) == 2
    assert (there.stop_reason, there.pick, there.pick_val) == (here.stop_reason, here.pick, here.pick_val)
    assert _events(tmp_path / "dask") == _events(tmp_path / "here")
    statuses = {e["status"] for e in _events(tmp_path / "here") if e["type"] == "candidate"}
    assert "valid" in statuses and statuses & {"invalid", "rejected"}  # failures took the same path too
    assert _test(tmp_path / "dask") == _test(tmp_path / "here")
    assert not (tmp_path / "schedbench-pwned").exists()  # no hostile candidate wrote outside
