"""Typed sample records: every line `llm eval` writes validates against the published schema, runs read
back with `read_run` (0.1 files and torn final lines too), and no single response can end a run."""

from __future__ import annotations

import ast
import json
from collections import Counter
from pathlib import Path

import pytest
from helpers.llm import config, records_of, write_data
from jsonschema import Draft202012Validator
from werkzeug import Response

import schedbench.llm_eval as llm_eval_package
from schedbench.llm_eval import scorer
from schedbench.llm_eval.baseline_server import BaselineConfig, ServerThread
from schedbench.llm_eval.manifest import token_totals
from schedbench.llm_eval.records import read_run
from schedbench.llm_eval.runner import run_eval
from schedbench.problems import SchedbenchError
from schedbench.records import SAMPLE_RECORD, RoundResult, SampleRecord, sample_schema

VALIDATOR = Draft202012Validator(sample_schema())


def lines_of(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory) -> Path:
    """A real run against the baseline server with every kind of fault, repair rounds and 2 samples."""
    tmp = tmp_path_factory.mktemp("faulty")
    write_data(tmp / "data.jsonl", n_smtt=4)
    first_try = {"s1": "garbage", "s2": "truncate", "s3": "infeasible", "j1": "lie", "j2": "infeasible"}
    seen: Counter[str] = Counter()

    def plan(info):
        seen[f"{info.instance}|{info.seed}"] += 1
        if info.instance == "r1":
            return "429" if seen[f"r1|{info.seed}"] == 1 else None  # rate limited once, then answered
        if info.instance == "r2":
            return "500"
        if info.instance == "r3" and info.seed == 0:
            return "drop"
        if info.turns == 1:
            return first_try.get(info.instance)
        return "infeasible" if info.instance == "s1" and info.turns == 2 else None  # s1: two repair rounds

    with ServerThread(BaselineConfig(retry_after="0"), plan) as server:
        run_eval(config(tmp, server.url, samples=2, use_cache=False, repair_rounds=2, max_attempts=2))
    return tmp / "run"


def test_every_line_a_real_run_writes_validates_and_round_trips(faulty_run):
    lines = lines_of(faulty_run)
    assert len(lines) == 18
    for line in lines:
        errors = [e.message for e in VALIDATOR.iter_errors(line)]
        assert not errors, (line["instance"], errors)
        assert next(iter(line)) == "record" and line["record"] == SAMPLE_RECORD
        again = SampleRecord.from_dict(line).to_dict()
        assert again == line and list(again) == list(line)  # typed and back, key order included
    outcomes = Counter(r["outcome"] for r in lines)
    assert set(outcomes) == {"feasible", "infeasible", "parse_error", "request_error"}
    by = {(r["instance"], r["sample"]): r for r in lines}
    assert [a["outcome"] for a in by["r1", 0]["attempts"]] == ["rate_limit", "ok"]
    assert by["r1", 0]["outcome"] == "feasible"
    assert by["r3", 0]["error_class"] == "connection" and by["r3", 1]["outcome"] == "feasible"
    s1 = by["s1", 0]["repair"]
    assert [x["outcome"] for x in s1["rounds"]] == ["infeasible", "feasible"] and s1["feasible_round"] == 2
    assert all("response" not in x for x in s1["rounds"])
    assert by["j1", 0]["claim_status"] == "mismatch"


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.pop("record"),
        lambda r: r.update(record="schedbench/solve-result/v1"),
        lambda r: r.update(surprise=1),
        lambda r: r.pop("objective"),
        lambda r: r.update(outcome="maybe"),
        lambda r: r["repair"]["rounds"].append({"outcome": "feasible"}),
        lambda r: r["usage"].update(prompt_tokens="12"),
    ],
)
def test_the_schema_rejects_what_the_writer_never_writes(faulty_run, change):
    record = next(r for r in lines_of(faulty_run) if r["outcome"] == "feasible")
    change(record)
    assert list(VALIDATOR.iter_errors(record))


def test_read_run_reads_0_1_files_and_ignores_a_torn_final_line(faulty_run, tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    lines = lines_of(faulty_run)
    written_by_0_1 = [{k: v for k, v in r.items() if k != "record"} for r in lines]
    text = "".join(json.dumps(r) + "\n" for r in written_by_0_1) + '{"instance": "s0", "sam'
    (old / "samples.jsonl").write_text(text)
    run = read_run(old)
    assert run.manifest == {} and run.label == "schedbench-baseline@old"
    assert [r.to_dict() for r in run.records] == lines  # the same records, now with "record"
    assert read_run(faulty_run).label == "schedbench-baseline@run"
    assert read_run(faulty_run).manifest["llm"]["records"] == 18


def test_read_run_refuses_a_bad_line_with_its_number(faulty_run, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    text = (faulty_run / "samples.jsonl").read_text().splitlines()
    text[3] = json.dumps({"instance": "s0", "sample": 0, "outcome": "great"})
    (bad / "samples.jsonl").write_text("\n".join(text) + "\n")
    with pytest.raises(SchedbenchError, match=r"samples.jsonl:4: outcome 'great'"):
        read_run(bad)
    with pytest.raises(SchedbenchError, match="no samples.jsonl here"):
        read_run(tmp_path)


def _answer(usage) -> dict:
    content = '{"sequence": ["J1", "J0", "J2"]}'
    return {"choices": [{"message": {"content": content}, "finish_reason": "stop"}], "usage": usage}


def test_usage_of_the_wrong_type_neither_crashes_the_run_nor_the_totals(tmp_path, httpserver):
    write_data(tmp_path / "data.jsonl", n_smtt=2)
    answers = iter(
        [
            _answer("lots"),
            _answer({"prompt_tokens": "12abc", "completion_tokens": 7, "completion_tokens_details": "x"}),
            _answer({"prompt_tokens": [1], "completion_tokens": True, "total_tokens": float("inf")}),
        ]
    )
    httpserver.expect_request("/v1/models").respond_with_json({"data": []})
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(
        lambda request: Response(json.dumps(next(answers)), content_type="application/json")
    )
    run_eval(config(tmp_path, httpserver.url_for("/v1"), limit=1, samples=3, use_cache=False, concurrency=1))
    records = sorted(records_of(tmp_path / "run"), key=lambda r: r["sample"])
    assert [r["outcome"] for r in records] == ["feasible"] * 3
    for r in records:
        assert not list(VALIDATOR.iter_errors(r))
    assert records[0]["usage"] == dict.fromkeys(scorer.USAGE_KEYS)
    assert records[1]["usage"]["completion_tokens"] == 7 and records[1]["usage"]["prompt_tokens"] is None
    tokens = json.loads((tmp_path / "run" / "manifest.json").read_text())["llm"]["tokens"]
    assert tokens["completion_tokens"] == 7 and tokens["prompt_tokens"] == 0 and tokens["responses"] == 3


def test_token_totals_skip_values_that_are_not_numbers():
    def record(usage, cache_hit=False):
        first = RoundResult(
            outcome="parse_error", usage=usage, cache_hit=cache_hit, attempts=[{"attempt": 1}]
        )
        return SampleRecord(instance="a", sample=0, problem="smtt", first=first)

    records = [
        record({"prompt_tokens": "12", "completion_tokens": 3, "reasoning_tokens": None}),
        record("lots"),
        record({"prompt_tokens": 5.0, "completion_tokens": float("nan"), "reasoning_tokens": True}),
        record({"prompt_tokens": 10**30, "completion_tokens": 1}, cache_hit=True),
    ]
    totals = token_totals(records)
    assert totals["prompt_tokens"] == 5 + 10**30 and totals["completion_tokens"] == 4
    assert totals["reasoning_tokens"] == 0 and totals["responses"] == 3 and totals["attempts"] == 4
    assert totals["billed"] == {"prompt_tokens": 5, "completion_tokens": 3, "responses": 2}


def test_an_exception_while_scoring_one_answer_is_that_samples_outcome(tmp_path, monkeypatch):
    write_data(tmp_path / "data.jsonl", n_smtt=2)
    real = scorer.parse_answer

    def fragile(text, problem, name):
        if name == "j1":
            raise RecursionError("maximum recursion depth exceeded")
        return real(text, problem, name)

    monkeypatch.setattr(scorer, "parse_answer", fragile)
    with ServerThread(BaselineConfig()) as server:
        summary = run_eval(config(tmp_path, server.url, use_cache=False))
    by_name = {r["instance"]: r for r in records_of(tmp_path / "run")}
    assert summary.written == len(by_name) == 7
    j1 = by_name.pop("j1")
    assert j1["outcome"] == "parse_error" and j1["parse_status"] == "scoring_error"
    assert j1["parse_error"].startswith("RecursionError:") and not list(VALIDATOR.iter_errors(j1))
    assert all(r["outcome"] == "feasible" for r in by_name.values())


OWNED = ("breaker", "config", "dataset", "manifest", "metrics", "records", "runner", "scorer", "tables")


def _imports(path: Path) -> tuple[set[str], list[str]]:
    """(modules imported at module top, schedbench modules imported inside functions)."""
    tree = ast.parse(path.read_text())
    top = {node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module} | {
        alias.name for node in tree.body if isinstance(node, ast.Import) for alias in node.names
    }
    inner = [
        node.module
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("schedbench")
    ]
    return top, inner


def test_llm_eval_has_no_import_circle_and_config_is_a_leaf():
    folder = Path(llm_eval_package.__file__).parent
    graph = {}
    for name in OWNED:
        top, inner = _imports(folder / f"{name}.py")
        assert not inner, (name, inner)  # internal imports sit at module top
        graph[name] = {m.rsplit(".", 1)[1] for m in top if m.startswith("schedbench.llm_eval.")}
    assert graph["config"] == set()

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        for nxt in graph.get(start, ()):
            if nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})):
                return True
        return False

    assert not [name for name in graph if reaches(name, name, set())]
