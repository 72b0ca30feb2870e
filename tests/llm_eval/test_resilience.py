"""A run meets a failing endpoint: the circuit breaker, --retry-errors, fsync'd records, odd /models."""

from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner
from helpers.llm import config, records_of, write_data

from schedbench.cli import main
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.records import RecordWriter
from schedbench.llm_eval.runner import EndpointDown, run_eval


def keys(records: list[dict]) -> list[tuple[str, int]]:
    return sorted((r["instance"], r["sample"]) for r in records)


def test_breaker_stops_a_dead_endpoint_and_a_rerun_resumes_only_the_rest(tmp_path):
    names = write_data(tmp_path / "data.jsonl", n_smtt=12)  # 17 instances x 2 samples
    state = {"dead": True}
    plan = lambda info: "drop" if state["dead"] and info.number > 6 else None  # noqa: E731
    cfg = config(tmp_path, "", samples=2, concurrency=2, use_cache=False, max_consecutive_failures=4)
    with ServerThread(BaselineConfig(), plan) as server:
        cfg.base_url = server.url
        with pytest.raises(EndpointDown) as caught:
            run_eval(cfg)
        err = caught.value
        first = records_of(tmp_path / "run")
        # only the six answered samples are on disk; nothing in flight was recorded as an error
        assert len(first) == 6 and all(r["outcome"] == "feasible" for r in first)
        assert (err.failures, err.written, err.left) == (4, 6, 28)
        assert str(err) == (
            f"endpoint {server.url}: 4 consecutive connection failures; 6 samples written, 28 left for a re-run"
        )
        manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
        assert manifest["llm"]["status"] == "endpoint_down"
        sent_before = dict(server.handler.by_key)

        state["dead"] = False
        summary = run_eval(cfg)
        sent_after = dict(server.handler.by_key)
    records = records_of(tmp_path / "run")
    assert keys(records) == sorted((n, s) for n in names for s in range(2))
    assert summary.skipped == 6 and summary.written == 28
    assert all(r["outcome"] == "feasible" for r in records)
    for r in first:  # finished samples were not sent again
        key = f"{r['instance']}|{r['sample']}"
        assert sent_before[key] == sent_after[key] == 1


def test_failures_short_of_the_limit_are_recorded_as_request_errors(tmp_path):
    write_data(tmp_path / "data.jsonl")
    plan = lambda info: "drop" if info.instance == "r2" else None  # noqa: E731
    # concurrency 1: r2#0 and r2#1 fail back to back (a streak of 2), then r3 answers and releases them
    cfg = config(tmp_path, "", samples=2, concurrency=1, use_cache=False, max_consecutive_failures=3)
    with ServerThread(BaselineConfig(), plan) as server:
        cfg.base_url = server.url
        summary = run_eval(cfg)
    records = records_of(tmp_path / "run")
    assert len(records) == 18 and summary.outcomes["request_error"] == 2
    errors = [r for r in records if r["outcome"] == "request_error"]
    assert {r["instance"] for r in errors} == {"r2"} and all(r["error_class"] == "connection" for r in errors)
    assert all(len(r["attempts"]) == 2 for r in errors)  # a recorded error always had its full retries


def test_dead_endpoint_costs_one_full_retry_sequence_not_n(tmp_path):
    write_data(tmp_path / "data.jsonl", n_smtt=12)
    plan = lambda info: "drop" if info.number > 4 else None  # noqa: E731
    cfg = config(tmp_path, "", concurrency=1, use_cache=False, max_attempts=4, max_consecutive_failures=3)
    with ServerThread(BaselineConfig(), plan) as server:
        cfg.base_url = server.url
        with pytest.raises(EndpointDown, match="3 consecutive connection failures; 4 samples written"):
            run_eval(cfg)
        # 4 answers, then 4 attempts of the first failing sample and 1 each for the next two
        assert server.handler.stats["chat"] == 4 + 4 + 1 + 1


def test_samples_cut_short_by_a_brief_outage_are_sent_again_in_full(tmp_path):
    names = write_data(tmp_path / "data.jsonl", n_smtt=12)
    # request 5..8: the 5th sample's four attempts; request 9: the 6th sample's first attempt, cut short
    plan = lambda info: "drop" if 5 <= info.number <= 9 else None  # noqa: E731
    cfg = config(tmp_path, "", concurrency=1, use_cache=False, max_attempts=4, max_consecutive_failures=10)
    with ServerThread(BaselineConfig(), plan) as server:
        cfg.base_url = server.url
        summary = run_eval(cfg)
        assert server.handler.stats["chat"] == 17 + 4 + 1 - 1  # every sample answered once but the 5th
    records = records_of(tmp_path / "run")
    assert keys(records) == sorted((n, 0) for n in names)
    errors = [r for r in records if r["outcome"] == "request_error"]
    assert summary.outcomes["request_error"] == len(errors) == 1 and len(errors[0]["attempts"]) == 4
    assert errors[0]["instance"] == names[4]
    sixth = next(r for r in records if r["instance"] == names[5])
    assert sixth["outcome"] == "feasible" and [a["outcome"] for a in sixth["attempts"]] == ["ok"]


def test_cli_breaker_on_a_server_that_goes_away_is_one_line_exit_2(tmp_path):
    write_data(tmp_path / "data.jsonl", n_smtt=12)
    holder: dict = {}

    def plan(info):
        if info.number > 4:  # the server dies: no new connections, open ones dropped
            holder["server"].handler.server.close()
            return "drop"
        return None

    with ServerThread(BaselineConfig(), plan) as server:
        holder["server"] = server
        args = ["llm", "eval", str(tmp_path / "data.jsonl"), "--base-url", server.url, "--model", "m"]
        args += ["-o", str(tmp_path / "run"), "--concurrency", "1", "--no-cache", "--max-attempts", "1"]
        result = CliRunner().invoke(main, [*args, "--max-consecutive-failures", "3"])
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"error: endpoint {server.url}: 3 consecutive connection failures; "
        "4 samples written, 13 left for a re-run\n"
    )
    assert len(records_of(tmp_path / "run")) == 4


def test_retry_errors_reruns_only_request_errors_and_keeps_them_for_audit(tmp_path):
    names = write_data(tmp_path / "data.jsonl")
    state = {"faulty": True}
    faults = {"r1": "500", "r2": "drop"}
    plan = lambda info: faults.get(info.instance) if state["faulty"] else None  # noqa: E731
    run = tmp_path / "run"
    with ServerThread(BaselineConfig(), plan) as server:
        cfg = config(tmp_path, server.url, samples=2)
        run_eval(cfg)
        old_errors = [r for r in records_of(run) if r["outcome"] == "request_error"]
        assert keys(old_errors) == [("r1", 0), ("r1", 1), ("r2", 0), ("r2", 1)]
        state["faulty"] = False
        sent = server.handler.stats["chat"]
        assert run_eval(cfg).written == 0 and server.handler.stats["chat"] == sent  # plain resume: no retry
        with (run / "samples.jsonl").open("a") as handle:
            handle.write('{"instance": "torn')  # a killed writer's half line
        args = ["llm", "eval", cfg.data, "--base-url", server.url, "--model", cfg.model, "-o", str(run)]
        args += ["--samples", "2", "--seed", "0", "--cache", cfg.cache_path, "--retry-errors"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "4 request-error records moved to" in result.output and "4 new records" in result.output
        assert server.handler.stats["chat"] == sent + 4  # only the four errors were sent again
    records = records_of(run)
    assert keys(records) == sorted((n, s) for n in names for s in range(2))  # one record per sample
    assert all(r["outcome"] != "request_error" for r in records)
    audit = [json.loads(line) for line in (run / "retried_errors.jsonl").read_text().splitlines()]
    assert [{k: v for k, v in r.items() if k != "set_aside_utc"} for r in audit] == old_errors
    assert all(r["set_aside_utc"] for r in audit)


def test_record_writer_fsyncs_in_the_background_and_on_close(tmp_path, monkeypatch):
    calls = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real_fsync(fd))[1])
    path = tmp_path / "samples.jsonl"
    path.write_text('{"instance": "a", "sample": 0}\n{"instance": "b", "sa')  # a torn last line
    writer = RecordWriter(path, sync_interval_s=0.05)
    assert [r["instance"] for r in writer.existing] == ["a"]
    for i in range(3):
        writer.write({"instance": f"x{i}", "sample": 0})
    deadline = time.monotonic() + 10
    while writer.synced < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert writer.synced == 3 and calls  # synced without a close
    writer.write({"instance": "last", "sample": 0})
    writer.close()
    assert writer.synced == writer.written == 4
    lines = [json.loads(line)["instance"] for line in path.read_text().splitlines()]
    assert lines == ["a", "x0", "x1", "x2", "last"]


def test_endpoint_without_a_models_route_still_runs(tmp_path, httpserver):
    write_data(tmp_path / "data.jsonl", n_smtt=1)
    answer = {
        "choices": [{"message": {"content": '{"sequence": ["J1", "J0", "J2"]}'}, "finish_reason": "stop"}]
    }
    httpserver.expect_request("/v1/models").respond_with_data("no such route", status=404)
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_json(answer)
    run_eval(config(tmp_path, httpserver.url_for("/v1"), limit=1, use_cache=False))
    (record,) = records_of(tmp_path / "run")
    assert record["instance"] == "s0" and record["outcome"] == "feasible"
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["llm"]["endpoint"]["models"] == {"data": [], "error": "HTTP 404"}


def test_a_second_run_on_the_same_directory_is_refused(tmp_path):
    from schedbench.llm_eval.records import RunLock
    from schedbench.problems import SchedbenchError

    write_data(tmp_path / "data.jsonl", n_smtt=1)
    (tmp_path / "run").mkdir()
    with ServerThread(BaselineConfig()) as server:
        with RunLock(tmp_path / "run"):
            with pytest.raises(SchedbenchError, match=f"pid {os.getpid()}.* is writing to"):
                run_eval(config(tmp_path, server.url))
            assert server.handler.stats["chat"] == 0
        assert run_eval(config(tmp_path, server.url)).written == 6  # free again once released
