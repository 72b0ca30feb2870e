"""Issue 18's runtime items: output locks and manifests for `solve` and `leaderboard`, one progress
mechanism, a pre-solve step for large RCPSP that scales, LLM records that store the answer once with
capped violations and no key from the base URL, and `serve-baseline` answering every bad request."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
from helpers.instances import random_smtt
from helpers.llm import config, write_data
from helpers.paths import REPO

from schedbench.datasets import sha256_file
from schedbench.datasets.locks import OutputLock
from schedbench.datasets.progress import NO_PROGRESS, ProgressSink
from schedbench.heuristics.leaderboard import run_leaderboard
from schedbench.llm_eval.baseline_server import ServerThread
from schedbench.llm_eval.client import CallResult
from schedbench.llm_eval.dataset import prepare_instances
from schedbench.llm_eval.records import compact_response, full_response
from schedbench.llm_eval.runner import run_eval
from schedbench.llm_eval.scorer import VIOLATIONS_PER_CODE, score_response
from schedbench.problems import SchedbenchError, parse_instance, verify
from schedbench.reports.progress import Bar
from schedbench.solvers import SolveOptions
from schedbench.solvers.batch import solve_file
from schedbench.solvers.cpsat import hints as cpsat_hints
from schedbench.solvers.cpsat import rcpsp as cpsat_rcpsp
from schedbench.solvers.result import RawResult

CLI = [sys.executable, "-m", "schedbench.cli"]
# a path no other process has: it marks the plug-in sandboxes started by this module's runs
MARK = f"/nonexistent/schedbench-test-{os.getpid()}"
ENV = {"PYTHONPATH": f"{REPO}{os.pathsep}{MARK}", "PATH": "/usr/bin:/bin"}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=ENV, capture_output=True, text=True, timeout=300)


@pytest.fixture
def smtt_file(tmp_path: Path) -> Path:
    path = tmp_path / "smtt.jsonl"
    path.write_text("".join(json.dumps(random_smtt(s, n=6).to_dict()) + "\n" for s in range(3)))
    return path


# ---- locks ---------------------------------------------------------------------------------------------
def test_a_second_solve_on_the_same_output_refuses_in_one_line(tmp_path: Path, smtt_file: Path) -> None:
    out = tmp_path / "out.jsonl"
    with OutputLock.for_file(out):  # another run is writing it
        done = cli("solve", str(smtt_file), "-o", str(out), "--solver", "dp", "--no-progress")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "another schedbench process" in done.stderr
    assert not out.exists() or out.read_text() == ""


def test_a_second_leaderboard_on_the_same_folder_refuses_in_one_line(tmp_path: Path, smtt_file: Path) -> None:
    out = tmp_path / "lb"
    with OutputLock.for_dir(out):
        done = cli("leaderboard", str(smtt_file), "-o", str(out), "--no-plots", "--no-progress")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "another schedbench process" in done.stderr
    assert not (out / "records.jsonl").exists()


def our_sandboxes() -> set[int]:
    """Live plug-in sandboxes started by this module's runs (their PYTHONPATH carries MARK)."""
    found = set()
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (
                b"child_main" in (proc / "cmdline").read_bytes()
                and MARK.encode() in (proc / "environ").read_bytes()
            ):
                found.add(int(proc.name))
        except OSError:
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_finished_pooled_leaderboard_leaves_no_sandbox(tmp_path: Path, smtt_file: Path) -> None:
    plugin = tmp_path / "rule.py"
    plugin.write_text("def priority(p, d, w, t, remaining):\n    return d[remaining]\n")
    done = cli("leaderboard", str(smtt_file), "-o", str(tmp_path / "lb"), "--plugin", str(plugin),
               "--heuristics", "edd", "-j", "2", "--no-plots")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert our_sandboxes() == set()


# ---- manifests -----------------------------------------------------------------------------------------
def test_solve_and_leaderboard_write_a_manifest_beside_their_output(tmp_path: Path, smtt_file: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert cli("solve", str(smtt_file), "-o", str(out), "--solver", "dp", "--no-progress").returncode == 0
    manifest = json.loads((tmp_path / "out.manifest.json").read_text())
    assert manifest["command"] == "schedbench solve" and manifest["status"] == "complete"
    assert manifest["inputs"] == [{"path": str(smtt_file), "sha256": sha256_file(smtt_file)}]
    assert manifest["outputs"] == [{"path": str(out), "sha256": sha256_file(out)}]
    assert manifest["config"]["solver"] == "dp" and manifest["solved_this_run"] == 3

    board = tmp_path / "lb"
    done = cli(
        "leaderboard", str(smtt_file), "-o", str(board), "--heuristics", "edd", "-j", "1", "--no-plots"
    )
    assert done.returncode == 0, done.stderr
    manifest = json.loads((board / "records.manifest.json").read_text())
    assert manifest["command"] == "schedbench leaderboard" and manifest["status"] == "complete"
    assert manifest["config"]["heuristics"] == ["edd"]
    written = {Path(o["path"]).name: o["sha256"] for o in manifest["outputs"]}
    assert written == {name: sha256_file(board / name) for name in ("records.jsonl", "leaderboard.json")}


def test_a_refused_resume_leaves_the_earlier_manifest(tmp_path: Path, smtt_file: Path) -> None:
    out = tmp_path / "out.jsonl"
    solve_file(smtt_file, out, solver="dp")
    manifest = (tmp_path / "out.manifest.json").read_text()
    other = tmp_path / "other.jsonl"
    first = json.loads(smtt_file.read_text().splitlines()[0])
    other.write_text(json.dumps({**random_smtt(99, n=6).to_dict(), "name": first["name"]}) + "\n")
    with pytest.raises(SchedbenchError, match="different content"):
        solve_file(other, out, solver="dp")
    assert (tmp_path / "out.manifest.json").read_text() == manifest


# ---- progress ------------------------------------------------------------------------------------------
class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None, dict[str, int]]] = []

    def advance(self, steps: int = 1) -> None:
        self.calls.append((-1, None, {}))

    def update(self, completed: int, total: int | None, counts: Mapping[str, int] | None = None) -> None:
        self.calls.append((completed, total, dict(counts or {})))


def test_library_runs_report_to_the_sink_they_are_given(tmp_path: Path, smtt_file: Path) -> None:
    sink = Recorder()
    solve_file(smtt_file, tmp_path / "out.jsonl", solver="dp", progress=sink)
    assert sink.calls == [(1, 3, {"optimal": 1}), (2, 3, {"optimal": 2}), (3, 3, {"optimal": 3})]
    sink = Recorder()
    run_leaderboard(str(smtt_file), str(tmp_path / "lb"), heuristics="edd", workers=1, progress=sink)
    assert [c[:2] for c in sink.calls] == [(1, 3), (2, 3), (3, 3)]
    bar: ProgressSink = Bar("x", None, enabled=False)  # the CLI's bars are sinks
    bar.update(1, 2, {"a": 1})
    NO_PROGRESS.advance()


def test_library_runs_draw_nothing_themselves(tmp_path: Path, smtt_file: Path) -> None:
    probe = (
        "import sys\n"
        "from schedbench.solvers.batch import solve_file\n"
        "from schedbench.heuristics.leaderboard import run_leaderboard\n"
        f"solve_file({str(smtt_file)!r}, {str(tmp_path / 'o.jsonl')!r}, solver='dp')\n"
        f"run_leaderboard({str(smtt_file)!r}, {str(tmp_path / 'lb')!r}, heuristics='edd', workers=2)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# ---- large RCPSP: the work before the search scales and counts against the limit ---------------------
def layered_dag(n: int, width: int, seed: int) -> tuple[list[int], list[list[int]], np.ndarray]:
    """A random layered DAG over n tasks (each task after 1-3 tasks of the layer before), its order, and
    random energies on 2 resources."""
    rng = np.random.default_rng(seed)
    parents: list[list[int]] = [[] for _ in range(n)]
    for i in range(width, n):
        layer = i // width
        parents[i] = sorted({int(x) for x in rng.integers((layer - 1) * width, layer * width, size=3)})
    return list(range(n)), parents, rng.integers(0, 20, size=(n, 2)).astype(np.int64)


def warshall_sums(parents: list[list[int]], energy: np.ndarray) -> np.ndarray:
    n = len(parents)
    reach = np.zeros((n, n), dtype=bool)
    for i, ps in enumerate(parents):
        reach[ps, i] = True
    for k in range(n):
        reach |= reach[:, k : k + 1] & reach[k : k + 1, :]
    return reach.T.astype(np.int64) @ energy


def test_transitive_energy_is_exact_within_the_budget_and_a_valid_bound_beyond() -> None:
    order, parents, energy = layered_dag(300, 12, seed=1)
    exact, work = cpsat_rcpsp.transitive_energy(order, parents, energy)
    assert (exact == warshall_sums(parents, energy)).all()
    bound, cheap = cpsat_rcpsp.transitive_energy(order, parents, energy, budget=0)
    assert (bound <= exact).all() and (bound > 0).any()
    assert cheap < work


def test_the_pre_solve_step_does_linear_work_on_a_large_instance() -> None:
    for n in (20_000, 80_000):
        order, parents, energy = layered_dag(n, 50, seed=n)
        edges = sum(map(len, parents))
        _, work = cpsat_rcpsp.transitive_energy(order, parents, energy)
        assert work <= 2 * (n + edges) * energy.shape[1]  # 0.1's closure did n^3 = 8e12 steps at 20,000


def test_the_search_gets_what_the_pre_solve_step_left_of_the_limit(monkeypatch) -> None:
    inst = small_rcpsp()
    slow = cpsat_rcpsp.best_known_schedule

    def slow_heuristic(*args):
        time.sleep(1.0)
        return slow(*args)

    limits: list[float] = []
    run_model = cpsat_rcpsp.run_model

    def recording(model, options, *args, **kwargs):
        limits.append(options.time_limit)
        return run_model(model, options, *args, **kwargs)

    monkeypatch.setattr(cpsat_rcpsp, "best_known_schedule", slow_heuristic)
    monkeypatch.setattr(cpsat_rcpsp, "run_model", recording)
    raw = cpsat_rcpsp.solve(inst, SolveOptions(time_limit=1.5))
    assert limits and limits[0] <= 0.5  # 1.5 s minus the second spent before the search
    assert raw.params["time_limit"] == 1.5 and raw.stats["presolve_s"] >= 1.0
    assert verify(inst, raw.solution).feasible


def small_rcpsp():
    return parse_instance(
        {
            "schema": "schedbench/instance/v1",
            "problem": "rcpsp",
            "name": "r",
            "resources": [{"name": "R", "capacity": 1}],
            "tasks": [{"name": f"t{i}", "duration": 1 + i % 3, "demands": {"R": 1}} for i in range(6)],
            "precedences": [["t0", "t1"]],
        }
    )


def test_past_its_deadline_the_starting_schedule_tries_one_rule(monkeypatch) -> None:
    calls = []
    sgs = cpsat_hints.serial_sgs
    monkeypatch.setattr(cpsat_hints, "serial_sgs", lambda inst, rule: calls.append(1) or sgs(inst, rule))
    inst = small_rcpsp()
    cpsat_hints.rcpsp_heuristic(inst, deadline=time.monotonic() - 1)
    assert len(calls) == 1
    cpsat_hints.rcpsp_heuristic(inst)
    assert len(calls) == 4


def test_a_search_without_a_schedule_in_time_keeps_the_starting_schedule(monkeypatch) -> None:
    inst = small_rcpsp()

    def no_answer(model, options, *args, **kwargs):
        return RawResult(status="unknown", name="cpsat", version="x", params={}, bound=3)

    monkeypatch.setattr(cpsat_rcpsp, "run_model", no_answer)
    raw = cpsat_rcpsp.solve(inst, SolveOptions(time_limit=1))
    assert raw.status == "feasible" and raw.bound == 3
    check = verify(inst, raw.solution)
    assert check.feasible and check.objective == raw.objective


# ---- LLM records -------------------------------------------------------------------------------------
def test_a_record_stores_the_answer_once_and_the_body_can_be_rebuilt(tmp_path: Path) -> None:
    write_data(tmp_path / "data.jsonl")
    with ServerThread() as server:
        run_eval(config(tmp_path, server.url, use_cache=False))
    lines = (tmp_path / "run" / "samples.jsonl").read_text().splitlines()
    for line in lines:
        record = json.loads(line)
        content = record["content"]
        assert line.count(json.dumps(content, ensure_ascii=False)[1:-1]) == 1
        assert record["response"]["choices"][0]["message"]["content"] == {"$content": [0, len(content)]}
        body = full_response(record["response"], content)
        assert body["choices"][0]["message"]["content"] == content


PARTS = [{"type": "text", "text": "first-part "}, {"type": "image"}, {"type": "text", "text": "second-part"}]


@pytest.mark.parametrize(
    ("content", "text", "marks"),
    [
        ("a plain answer", "a plain answer", ["a plain answer"]),
        (PARTS, "first-part second-part", ["first-part", "second-part"]),
        ({"sequence": ["J0"]}, json.dumps({"sequence": ["J0"]}), ["J0"]),
    ],
    ids=["string", "parts", "json"],
)
def test_compacting_a_body_stores_the_content_once_and_loses_nothing(content, text: str, marks) -> None:
    body = {"id": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
    stored = compact_response(body, text)
    assert not any(mark in json.dumps(stored) for mark in marks)
    assert full_response(stored, text) == body
    assert full_response(body, text) == body  # a 0.1 record keeps its whole body
    assert compact_response(body, "something else") == body  # content that does not match stays whole


def test_violations_are_capped_per_code_with_the_full_count_kept(tmp_path: Path) -> None:
    write_data(tmp_path / "data.jsonl")
    prep = next(
        p for p in prepare_instances(config(tmp_path, "http://127.0.0.1:9/v1")) if p.inst.name == "s0"
    )
    answer = json.dumps({"sequence": [f"X{i}" for i in range(200)] + ["J0", "J1", "J2"]})
    body = {"choices": [{"message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}]}
    scored = score_response(prep, CallResult(body=body))
    full = Counter(v.code for v in verify(prep.inst, json.loads(answer)).violations)
    assert scored.outcome == "infeasible" and scored.violation_counts == dict(full)
    assert max(full.values()) > VIOLATIONS_PER_CODE
    kept = Counter(v["code"] for v in scored.violations)
    assert kept == Counter({code: min(n, VIOLATIONS_PER_CODE) for code, n in full.items()})


@pytest.mark.parametrize(
    "secret_url",
    ["http://bob:sekrit-pass-123@{host}/v1", "http://{host}/v1?api_key=sekrit-query-456"],
    ids=["userinfo", "query"],
)
def test_a_key_in_the_base_url_reaches_no_file_of_the_run(tmp_path: Path, secret_url: str) -> None:
    write_data(tmp_path / "data.jsonl")
    with ServerThread() as server:
        url = secret_url.format(host=server.url.split("//")[1].removesuffix("/v1"))
        run_eval(config(tmp_path, url, use_cache=False))
    files = list((tmp_path / "run").iterdir())
    assert {f.name for f in files} >= {"manifest.json", "samples.jsonl", "run.log"}
    for path in files:
        assert "sekrit" not in path.read_text(errors="replace"), path.name
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    masked = manifest["config"]["base_url"]
    assert "redacted" in masked and masked == manifest["llm"]["endpoint"]["base_url"]
    assert urlsplit(masked).hostname == "127.0.0.1"  # still a URL


# ---- serve-baseline ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "request_body",
    [
        {"model": "m", "messages": "hello"},
        {"model": "m", "messages": [{"role": "user", "content": 5}]},
        [1, 2],
    ],
    ids=["messages-string", "content-number", "not-an-object"],
)
def test_serve_baseline_answers_a_malformed_request_with_a_400(request_body) -> None:
    with ServerThread() as server:
        request = urllib.request.Request(
            server.url + "/chat/completions",
            data=json.dumps(request_body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
    assert err.value.code == 400
    error = json.loads(err.value.read())["error"]
    assert error["type"] == "invalid_request_error" and error["message"]
