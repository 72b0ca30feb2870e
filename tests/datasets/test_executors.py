"""The executor seam without Dask: the local pool survives a dying worker (suspects re-run alone, the
culprit charged and recorded, the batch goes on), any Executor plugs in, in-flight work stays bounded,
and shards partition a dataset."""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from helpers.instances import random_smtt
from helpers.testkit_solver import double_or_die, raise_on_seven, registered, worker_init

from schedbench.datasets.executors import (
    Engine,
    ExecutorEngine,
    LocalEngine,
    TaskFailure,
    as_engine,
    cores_available,
    machine_info,
    open_engine,
    run_bounded,
)
from schedbench.datasets.shards import check_cover, parse_shard, select_shard
from schedbench.problems import SchedbenchError
from schedbench.solvers.batch import solve_file


@pytest.fixture
def testkit():
    """The test-only solver that kills its worker on poison* instances, registered for this test."""
    with registered():
        yield


def test_a_crashing_local_worker_no_longer_aborts_the_batch():
    values = [1, 2, -1, 3, 4, 5, 6, 8]
    with LocalEngine(2) as engine:
        out = dict(run_bounded(engine, double_or_die, [(v,) for v in values]))
    assert sorted(out) == list(range(len(values)))
    failure = out[2]
    assert isinstance(failure, TaskFailure) and failure.lost and "worker died" in failure.reason
    assert {i: r for i, r in out.items() if i != 2} == {i: 2 * v for i, v in enumerate(values) if v >= 0}


def test_a_task_that_raises_is_a_failure_not_a_retry():
    calls = []

    class Counting(ThreadPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            calls.append(args)
            return super().submit(fn, *args, **kwargs)

    with Counting(2) as pool:
        out = dict(run_bounded(as_engine(pool), raise_on_seven, [(v,) for v in range(10)]))
    assert isinstance(out[7], TaskFailure) and not out[7].lost and "ValueError: seven" in out[7].reason
    assert len(calls) == 10 and sum(isinstance(v, TaskFailure) for v in out.values()) == 1


def test_at_most_twice_the_slots_are_in_flight():
    class Watching(Engine):
        def __init__(self):
            self.pool = ThreadPoolExecutor(3)
            self.live = 0
            self.most = 0

        def slots(self):
            return 3

        def submit(self, fn, *args):
            self.live += 1
            self.most = max(self.most, self.live)
            future: Future = self.pool.submit(fn, *args)
            return future

    engine = Watching()
    for _ in run_bounded(engine, abs, [(-v,) for v in range(50)]):
        engine.live -= 1
    engine.pool.shutdown()
    assert engine.most <= 6


def test_any_executor_is_an_engine_and_bad_clusters_are_one_line_errors():
    with ThreadPoolExecutor(2) as pool:
        engine = as_engine(pool)
        assert isinstance(engine, ExecutorEngine) and engine.slots() == 2
        assert [r for _, r in sorted(run_bounded(engine, abs, [(-1,), (-2,)]))] == [1, 2]
    with pytest.raises(SchedbenchError, match="unknown --cluster"):
        open_engine("yarn")
    with pytest.raises(SchedbenchError, match="needs --cluster-config"):
        open_engine("slurm")
    with pytest.raises(SchedbenchError, match="executor must be"):
        as_engine(object())  # type: ignore[arg-type]
    assert cores_available() >= 1 and machine_info()["host"]


def test_a_poison_instance_in_a_local_batch_is_one_error_record(tmp_path, testkit):
    insts = [random_smtt(s, n=7).to_dict() for s in range(6)]
    insts[4]["name"] = "poison-4"
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(i) + "\n" for i in insts))
    out = tmp_path / "out.jsonl"
    with LocalEngine(2, initializer=worker_init) as engine:
        summary = solve_file(src, out, solver="testkit", executor=engine)
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert sorted(r["instance"] for r in lines) == sorted(i["name"] for i in insts)
    assert [r["instance"] for r in lines if r["status"] == "error"] == ["poison-4"]
    assert summary.status_counts()["optimal"] == 5


def test_shards_partition_and_cover_checks():
    items = list(range(10))
    parts = [select_shard(items, parse_shard(f"{i}/3")) for i in (1, 2, 3)]
    assert sorted(x for p in parts for x in p) == items and parts[0] == [0, 3, 6, 9]
    for bad in ("0/3", "4/3", "1/0", "a/b", "2"):
        with pytest.raises(SchedbenchError, match="--shard"):
            parse_shard(bad)
    names = ["a", "b", "c"]
    check_cover(names, {"s1": ["a", "c"], "s2": ["b"]})
    with pytest.raises(SchedbenchError, match="overlapping"):
        check_cover(names, {"s1": ["a", "b"], "s2": ["b", "c"]})
    with pytest.raises(SchedbenchError, match="1 of 3 instances are in no shard"):
        check_cover(names, {"s1": ["a"], "s2": ["b"]})
    with pytest.raises(SchedbenchError, match="not in the dataset"):
        check_cover(names, {"s1": ["a", "b", "c", "z"]})
