"""End-to-end runs against a real local chat-completions server: outcomes, records, cache, repair, resume."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from helpers.llm import config, free_port, records_of, write_data
from helpers.paths import REPO

from schedbench.cli import main
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.metrics import summarize
from schedbench.llm_eval.runner import RunSummary, run_eval
from schedbench.problems import SchedbenchError, parse_instance, verify

PLAN = {
    "s0": None,
    "s1": "garbage",
    "s2": "truncate",
    "s3": "infeasible",
    "j1": "lie",
    "j2": "infeasible",
    "r1": "500",
    "r2": "drop",
    "r3": None,
}
EXPECTED = {
    "s0": "feasible",
    "s1": "parse_error",
    "s2": "parse_error",
    "s3": "infeasible",
    "j1": "feasible",
    "j2": "infeasible",
    "r1": "request_error",
    "r2": "request_error",
    "r3": "feasible",
}


@pytest.mark.parametrize("style", ["plain", "fenced", "prose"])
def test_outcomes_match_what_the_server_sent(tmp_path, style):
    names = write_data(tmp_path / "data.jsonl")
    with ServerThread(BaselineConfig(style=style), lambda info: PLAN[info.instance]) as server:
        summary = run_eval(config(tmp_path, server.url, samples=2, use_cache=False))
    records = records_of(tmp_path / "run")
    assert sorted((r["instance"], r["sample"]) for r in records) == sorted(
        (n, s) for n in names for s in range(2)
    )
    assert summary.written == len(records) == 18
    data = {
        o["name"]: parse_instance(o)
        for o in map(json.loads, (tmp_path / "data.jsonl").read_text().splitlines())
    }
    for r in records:
        assert r["outcome"] == EXPECTED[r["instance"]], r["instance"]
        inst = data[r["instance"]]
        if r["outcome"] in ("feasible", "infeasible"):
            check = verify(inst, r["solution"])  # the record agrees with an independent verification
            assert check.feasible == (r["outcome"] == "feasible") and r["objective"] == check.objective
            assert r["violations"] == [v.to_dict() for v in check.violations]
        if r["instance"] == "s2":
            assert r["parse_status"] == "truncated" and r["finish_reason"] == "length"
        if r["instance"] == "j1":
            assert r["claim_status"] == "mismatch" and r["claimed_objective"] == r["objective"] + 1
        if r["instance"] == "s0":
            assert r["claim_status"] == "match"
            assert r["gap_pct"] == pytest.approx(100 * (r["objective"] - r["reference"]) / r["reference"])
        if r["instance"] == "r1":
            assert r["error_class"] == "server_error" and len(r["attempts"]) == 2
        if r["instance"] == "r2":
            assert r["error_class"] == "connection"
        if r["instance"].startswith("r") and r["outcome"] != "request_error":
            assert r["template_id"] == "rcpsp-domain/v1" and r["rendering"] == "domain"
        for key in ("instance_hash", "template_hash", "request", "attempts", "level", "family"):
            assert key in r
    assert summarize(records)["claims"]["mismatch"] == 2


def test_timeout_becomes_a_request_error_and_the_run_goes_on(tmp_path):
    write_data(tmp_path / "data.jsonl", n_smtt=2)
    plan = lambda info: "delay" if info.instance == "j1" else None  # noqa: E731
    with ServerThread(BaselineConfig(delay_s=3.0), plan) as server:
        run_eval(config(tmp_path, server.url, timeout_s=0.3, max_attempts=1, use_cache=False))
    by_name = {r["instance"]: r for r in records_of(tmp_path / "run")}
    assert by_name["j1"]["outcome"] == "request_error" and by_name["j1"]["error_class"] == "timeout"
    assert by_name["j2"]["outcome"] == "feasible" and len(by_name) == 7


def test_cache_hits_are_flagged_and_send_no_request(tmp_path):
    write_data(tmp_path / "data.jsonl")
    with ServerThread(BaselineConfig()) as server:
        run_eval(config(tmp_path, server.url, run_dir=str(tmp_path / "a")))
        sent = server.handler.stats["chat"]
        summary = run_eval(config(tmp_path, server.url, run_dir=str(tmp_path / "b")))
        assert server.handler.stats["chat"] == sent and summary.cache_hits == 9
        run_eval(config(tmp_path, server.url, run_dir=str(tmp_path / "c"), use_cache=False))
        assert server.handler.stats["chat"] == 2 * sent
    assert all(r["cache_hit"] for r in records_of(tmp_path / "b"))
    assert not any(r["cache_hit"] for r in records_of(tmp_path / "a") + records_of(tmp_path / "c"))
    strip = lambda recs: sorted((r["instance"], r["outcome"], r["objective"]) for r in recs)  # noqa: E731
    assert strip(records_of(tmp_path / "a")) == strip(records_of(tmp_path / "b"))


def test_repair_rounds_report_feasible_at_r(tmp_path):
    write_data(tmp_path / "data.jsonl", n_smtt=2)
    # every first answer is broken; answers to repair feedback are correct
    with ServerThread(BaselineConfig(), lambda info: "infeasible" if info.turns == 1 else None) as server:
        run_eval(config(tmp_path, server.url, repair_rounds=2, use_cache=False))
    records = records_of(tmp_path / "run")
    for r in records:
        assert r["outcome"] == "infeasible" and r["repair"]["feasible_round"] == 1
        assert r["repair"]["final_outcome"] == "feasible" and len(r["repair"]["rounds"]) == 1
    assert [x["feasible_at_r"] for x in summarize(records)["feasible_at_round"]] == [0.0, 1.0]


def test_manifest_and_no_key_in_any_file(tmp_path, monkeypatch):
    write_data(tmp_path / "data.jsonl", n_smtt=2)
    secret = "sk-very-secret-key-1234567890"
    monkeypatch.setenv("SCHEDBENCH_TEST_KEY", secret)
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"schedbench-baseline": {"input_per_1m": 1.0, "output_per_1m": 2.0}}))
    with ServerThread(BaselineConfig()) as server:
        run_eval(config(tmp_path, server.url, api_key_env="SCHEDBENCH_TEST_KEY", price_table=str(prices)))
    run = tmp_path / "run"
    manifest = json.loads((run / "manifest.json").read_text())
    llm = manifest["llm"]
    assert llm["status"] == "complete" and llm["records"] == 7
    assert (
        llm["endpoint"]["models"]["data"][0]["id"] == "schedbench-baseline"
        and llm["endpoint"]["model_listed"]
    )
    assert llm["api_key"] == {"env": "SCHEDBENCH_TEST_KEY", "source": "env:SCHEDBENCH_TEST_KEY"}
    usage = [r["usage"] for r in records_of(run)]
    assert llm["tokens"]["completion_tokens"] == sum(u["completion_tokens"] for u in usage)
    expected_cost = (
        sum(u["prompt_tokens"] for u in usage) * 1.0 + sum(u["completion_tokens"] for u in usage) * 2.0
    ) / 1e6
    assert llm["cost"]["usd"] == pytest.approx(expected_cost, abs=1e-6)
    assert manifest["inputs"][0]["sha256"] and manifest["schedbench"]["version"]
    for path in run.iterdir():
        assert secret not in path.read_text(errors="replace"), path


def test_price_table_without_the_model_fails_before_any_request(tmp_path):
    write_data(tmp_path / "data.jsonl", n_smtt=1)
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"gpt-x": {"input_per_1m": 1, "output_per_1m": 1}}))
    with ServerThread(BaselineConfig()) as server:
        with pytest.raises(SchedbenchError, match="not in the price table"):
            run_eval(config(tmp_path, server.url, price_table=str(prices)))
        assert server.handler.stats["chat"] == 0


def test_resume_refuses_a_different_configuration(tmp_path):
    write_data(tmp_path / "data.jsonl", n_smtt=1)
    with ServerThread(BaselineConfig()) as server:
        run_eval(config(tmp_path, server.url))
        with pytest.raises(SchedbenchError, match="another configuration"):
            run_eval(config(tmp_path, server.url, temperature=0.7))
        more = run_eval(config(tmp_path, server.url, samples=2))  # more samples extends the run
    assert more.skipped == 6 and more.written == 6 and len(records_of(tmp_path / "run")) == 12


def test_cli_dead_endpoint_is_one_line_error_and_writes_nothing(tmp_path):
    write_data(tmp_path / "data.jsonl", n_smtt=1)
    url = f"http://127.0.0.1:{free_port()}/v1"
    args = ["llm", "eval", str(tmp_path / "data.jsonl"), "--base-url", url, "--model", "m"]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "cannot list models" in result.output
    assert not (tmp_path / "run").exists()


def test_cli_sigint_then_sigkill_mid_run_then_resume_requests_nothing_twice(tmp_path):
    names = write_data(tmp_path / "data.jsonl", n_smtt=12)
    run = tmp_path / "run"
    samples = run / "samples.jsonl"
    cmd = [sys.executable, "-m", "schedbench.cli", "llm", "eval", str(tmp_path / "data.jsonl")]
    cmd += ["--model", "schedbench-baseline", "-o", str(run), "--samples", "2", "--concurrency", "2"]
    cmd += ["--seed", "5", "--no-cache", "--timeout", "10"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    def start_and_wait_for(lines: int) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline and (
            not samples.exists() or len(samples.read_text().splitlines()) < lines
        ):
            time.sleep(0.05)
        return proc

    with ServerThread(BaselineConfig(delay_s=0.15), lambda info: "delay") as server:
        cmd += ["--base-url", server.url]
        proc = start_and_wait_for(4)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        assert proc.returncode == 130 and "interrupted" in stderr and "Traceback" not in stderr, stderr
        assert json.loads((run / "manifest.json").read_text())["llm"]["status"] == "interrupted"
        done_1 = [(r["instance"], r["sample"]) for r in records_of(run)]  # every line is a whole record
        counts_1 = dict(server.handler.by_key)
        proc = start_and_wait_for(len(done_1) + 4)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        done_2 = [(r["instance"], r["sample"]) for r in records_of(run)]
        counts_2 = dict(server.handler.by_key)
        assert 4 <= len(done_1) < len(done_2) < 2 * len(names)
        subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=60)
        counts_3 = dict(server.handler.by_key)
    records = records_of(run)
    keys = [(r["instance"], r["sample"]) for r in records]
    assert sorted(keys) == sorted((n, s) for n in names for s in range(2))  # exactly one record per sample
    key = lambda done: f"{done[0]}|{5 + done[1]}"  # noqa: E731
    assert all(counts_1[key(d)] == 1 for d in done_1)
    # a finished sample is never requested again (one in flight at a kill is, and only then recorded)
    assert all(counts_3[key(d)] == counts_1[key(d)] for d in done_1)
    assert all(counts_3[key(d)] == counts_2[key(d)] for d in done_2)
    assert all(r["outcome"] == "feasible" for r in records)
    sessions = json.loads((run / "manifest.json").read_text())["llm"]["sessions"]
    assert [s["status"] for s in sessions] == ["interrupted", "unfinished", "complete"]


def test_odd_response_bodies_never_crash_scoring(tmp_path):
    from schedbench.llm_eval.client import CallResult
    from schedbench.llm_eval.runner import Evaluation
    from schedbench.llm_eval.scorer import score_response

    write_data(tmp_path / "data.jsonl", n_smtt=1)
    evaluation = Evaluation(config(tmp_path, "http://127.0.0.1:9/v1"))
    prep = next(p for p in evaluation.load_instances() if p.inst.name == "s0")
    good = '{"sequence": ["J1", "J0", "J2"]}'
    bodies = {
        "parts": ({"choices": [{"message": {"content": [{"type": "text", "text": good}]}}]}, "feasible"),
        "null content": (
            {"choices": [{"message": {"content": None}, "finish_reason": "length"}]},
            "parse_error",
        ),
        "message is text": ({"choices": [{"message": "hello"}]}, "parse_error"),
        "choice is text": ({"choices": ["hello"]}, "parse_error"),
        "dict content": ({"choices": [{"message": {"content": {"sequence": ["J0"]}}}]}, "infeasible"),
        "bad usage": (
            {"choices": [{"message": {"content": good}}], "usage": {"completion_tokens_details": 3}},
            "feasible",
        ),
        "starts not a dict": ({"choices": [{"message": {"content": '{"sequence": 5}'}}]}, "infeasible"),
    }
    for name, (body, expected) in bodies.items():
        call = CallResult(body=body, attempts=[], latency_s=0.0, elapsed_s=0.0)
        assert score_response(prep, call, cache_hit=False).outcome == expected, name


def test_run_eval_works_where_an_event_loop_already_runs(tmp_path) -> None:
    names = write_data(tmp_path / "data.jsonl")

    async def notebook_cell() -> RunSummary:  # Jupyter and playwright's sync API run a loop in the thread
        return run_eval(config(tmp_path, server.url, use_cache=False))

    with ServerThread() as server:
        summary = asyncio.run(notebook_cell())
    assert summary.written == len(names) == len((tmp_path / "run" / "samples.jsonl").read_text().splitlines())
