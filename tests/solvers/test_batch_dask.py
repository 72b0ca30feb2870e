"""Batch solve on a real 2-worker Dask cluster: the same records as the local pool, a worker SIGKILLed
mid-batch loses and repeats nothing, a poison instance ends as one error record, and the executor holds
no futures afterwards."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from helpers.dask_cluster import distributed, local_client
from helpers.instances import random_jssp, random_smtt
from helpers.testkit_solver import RegisterTestkit, registered

from schedbench.datasets.executors import DaskEngine
from schedbench.problems import parse_instance, verify
from schedbench.solvers import SolveOptions
from schedbench.solvers.batch import solve_file

distributed()  # skips this module without Dask


@pytest.fixture
def testkit():
    """The test-only solver that kills its worker on poison* instances, registered for this test."""
    with registered():
        yield


def write(path: Path, insts) -> list[str]:
    path.write_text("".join(json.dumps(i.to_dict()) + "\n" for i in insts))
    return [i.name for i in insts]


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


def outcome(path: Path, src: Path) -> set[tuple[str, str, int | None]]:
    """(instance, status, objective as the verifier finds it) per line."""
    insts = {json.loads(x)["name"]: parse_instance(json.loads(x)) for x in src.read_text().splitlines()}
    out = set()
    for line in lines(path):
        solution = {k: line[k] for k in ("schema", "instance", "starts", "sequence") if k in line}
        objective = verify(insts[line["instance"]], solution).objective if line["status"] != "error" else None
        out.add((line["instance"], line["status"], objective))
    return out


def test_dask_and_local_pool_give_the_same_records(tmp_path):
    src = tmp_path / "in.jsonl"
    names = write(
        src, [random_jssp(s, jobs=5, machines=4) for s in range(6)] + [random_smtt(s) for s in range(4)]
    )
    options = SolveOptions(time_limit=30, deterministic_time=5.0)
    solve_file(src, tmp_path / "local.jsonl", solver="auto", options=options, jobs=2)
    with local_client(resources={"cpu": 1}) as client, DaskEngine(client) as engine:
        summary = solve_file(src, tmp_path / "dask.jsonl", solver="auto", options=options, executor=engine)
        assert client.who_has() == {}  # every future released once written
    assert summary.status_counts()["optimal"] == len(names)
    assert outcome(tmp_path / "local.jsonl", src) == outcome(tmp_path / "dask.jsonl", src)
    assert sorted(r["instance"] for r in lines(tmp_path / "dask.jsonl")) == sorted(names)
    assert all(r["host"] and "cpu_model" in r for r in lines(tmp_path / "dask.jsonl"))


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(tmp_path, testkit):
    src = tmp_path / "in.jsonl"
    names = write(src, [random_smtt(s, n=8) for s in range(12)])
    out = tmp_path / "out.jsonl"
    with local_client() as client, DaskEngine(client) as engine:
        client.register_plugin(RegisterTestkit())
        victim = sorted(client.run(os.getpid).values())[0]
        killed = []

        def kill_once(result) -> None:
            if not killed:
                killed.append(victim)
                os.kill(victim, signal.SIGKILL)

        solve_file(src, out, solver="testkit", executor=engine, on_result=kill_once)
        assert killed
        assert sorted(r["instance"] for r in lines(out)) == sorted(names)  # each exactly once
        assert all(r["status"] in ("optimal", "error") for r in lines(out))
        again = solve_file(src, out, solver="testkit", executor=engine)
    assert again.results == [] and again.skipped == len(names)
    assert len(lines(out)) == len(names)


def test_a_poison_instance_ends_as_one_error_record_and_the_rest_completes(tmp_path, testkit):
    insts = [random_smtt(s, n=8) for s in range(8)]
    poison = {**insts[2].to_dict(), "name": "poison-2"}
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in [i.to_dict() for i in insts[:2]] + [poison] + [i.to_dict() for i in insts[3:]]
        )
    )
    out = tmp_path / "out.jsonl"
    config = {"distributed.scheduler.allowed-failures": 0}  # Dask's own retries off: fast
    with local_client(config=config) as client, DaskEngine(client) as engine:
        client.register_plugin(RegisterTestkit())
        summary = solve_file(src, out, solver="testkit", executor=engine)
    by_name = {r["instance"]: r for r in lines(out)}
    assert len(lines(out)) == len(by_name) == 8
    assert by_name["poison-2"]["status"] == "error"
    assert (
        "worker died" in by_name["poison-2"]["message"] and "KilledWorker" in by_name["poison-2"]["message"]
    )
    assert all(r["status"] == "optimal" for n, r in by_name.items() if n != "poison-2")
    assert summary.status_counts()["error"] == 1


def test_a_request_no_worker_can_run_fails_at_once(tmp_path):
    from schedbench.problems import SchedbenchError

    src = tmp_path / "in.jsonl"
    write(src, [random_jssp(0)])
    with local_client(n_workers=1, resources={"cpu": 1}) as client, DaskEngine(client) as engine:
        with pytest.raises(SchedbenchError, match="no Dask worker offers 2 cpu"):
            solve_file(src, tmp_path / "out.jsonl", options=SolveOptions(workers=2), executor=engine)
    assert not (tmp_path / "out.jsonl").exists() or lines(tmp_path / "out.jsonl") == []
