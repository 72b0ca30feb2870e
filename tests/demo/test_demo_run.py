"""`schedbench demo` as a new user runs it: every stage writes its files, the LLM step evaluates the
faulty stand-in endpoint on both RCPSP renderings and the SMTT set, the discovery step runs evolution and
its random control arm (a dry run on the mutate server) and tests the pick once, a re-run resumes without redoing
anything, and the HTML report opens from the file system with no request leaving the page."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from helpers.browser import Page, browser, shot

from schedbench.demo import run_demo
from schedbench.demo.discover import SAMPLES as DISCOVER_SAMPLES
from schedbench.demo.discover import STRATEGIES
from schedbench.demo.llm import RUNS, SAMPLES

__all__ = ["browser"]  # a fixture, used by name


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo as a user runs it, in its own process (so no event loop of the browser fixture is in its way)."""
    out = tmp_path_factory.mktemp("demo") / "out"
    command = [
        sys.executable,
        "-c",
        "from schedbench.cli import main; main()",
        "demo",
        "-o",
        str(out),
        "--no-progress",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_llm_sample_is_recorded_once_and_scored(demo: Path) -> None:
    seen: Counter[str] = Counter()
    for run in RUNS:
        instances = [i["name"] for i in _lines(demo / run.key / "instances.jsonl")]
        samples = _lines(demo / "llm" / run.name / "samples.jsonl")
        keys = Counter((s["instance"], s["sample"]) for s in samples)
        assert set(keys) == {(i, k) for i in instances for k in range(SAMPLES)}
        assert set(keys.values()) == {1}
        seen.update(s["outcome"] for s in samples)
        if run.rendering != "auto":
            assert {s["rendering"] for s in samples} == {run.rendering}
    # the injected faults show up as every kind of outcome a model can produce
    assert {"feasible", "infeasible", "parse_error"} <= set(seen)
    report = (demo / "report.md").read_text(encoding="utf-8")
    assert "## LLM evaluation" in report and "html/index.html" in report
    for run in RUNS:
        assert f"| {run.name} |" in report
    assert (demo / "llm" / "report" / "report.md").exists()


def test_discovery_runs_both_arms_on_one_budget_and_tests_the_pick_once(demo: Path) -> None:
    for strategy in STRATEGIES:
        events = _lines(demo / "discover" / strategy / "events.jsonl")
        stop = [e for e in events if e["type"] == "stop"]
        assert len(stop) == 1 and stop[0]["reason"] == "max_samples" and stop[0]["pick"]
        assert sum(e["type"] == "llm_response" for e in events) == DISCOVER_SAMPLES
    test = json.loads((demo / "discover" / "evolve" / "test.json").read_text(encoding="utf-8"))
    assert test["evaluations"] == 1 and not (demo / "discover" / "random" / "test.json").exists()
    report = (demo / "report.md").read_text(encoding="utf-8")
    assert "## Discovering a heuristic (a dry run)" in report and "not a model's skill" in report


def test_a_rerun_resumes_and_changes_no_record(demo: Path) -> None:
    kept = [demo / "llm" / run.name / "samples.jsonl" for run in RUNS] + [demo / "rcpsp" / "references.jsonl"]
    kept += [demo / "discover" / s / "events.jsonl" for s in STRATEGIES] + [
        demo / "discover" / "evolve" / "test.json"
    ]
    before = {path: path.read_bytes() for path in kept}
    run_demo(demo, progress=False)
    assert {path: path.read_bytes() for path in kept} == before


@pytest.mark.browser
def test_the_report_opens_offline_with_runs_boards_and_violations(
    browser, demo: Path, tmp_path: Path
) -> None:
    page = Page(browser, demo / "html")
    p = page.open("", "home")
    runs = p.locator("section[aria-labelledby=h-runs] li a").all_inner_texts()
    boards = p.locator("section[aria-labelledby=h-boards] li a").all_inner_texts()
    assert len(runs) == len(RUNS) and all("schedbench-baseline" in r for r in runs)
    assert sorted(boards) == ["jssp/leaderboard", "rcpsp/leaderboard", "smtt/leaderboard"]
    found = p.locator("section[aria-labelledby=h-disc] li a").all_inner_texts()
    assert found == list(STRATEGIES)
    shot(p, tmp_path, "demo-home")
    p.locator("section[aria-labelledby=h-runs] li a").first.click()
    page.wait("run")
    shot(p, tmp_path, "demo-run")
    page.open("#/samples?run=0&outcome=infeasible", "samples")
    p.locator("#samples tbody tr td:first-child a").first.click()
    page.wait("sample")
    assert p.locator("svg.gantt rect.task").count() >= 20  # the ladder's 20 tasks
    assert p.locator("svg.gantt rect.task.viol").count() >= 1
    p.locator("ul.viol button").first.click()
    assert p.locator("svg.gantt rect.task.hl").count() >= 1
    shot(p, tmp_path, "demo-sample")
    page.open("#/board/0", "board")
    p.locator("table", has=p.locator("caption", has_text="best first")).locator("tbody tr").first.get_by_role(
        "link"
    ).click()
    page.wait("rule")
    p.locator("table tbody tr td:first-child a").first.click()
    page.wait("schedule")
    assert p.locator("svg.gantt rect.task").count() >= 1
    page.open("#/discover/0", "discover")
    assert p.locator("svg polyline.best").count() >= 2 and p.locator("pre.code").count() == 1
    shot(p, tmp_path, "demo-discovery")
    assert page.outside == [], f"requests left the page: {page.outside}"
    assert page.requests and all(u.startswith("file://") for u in page.requests)
    assert page.errors == []
    page.close()
