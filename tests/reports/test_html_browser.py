"""The HTML report in a real browser (headless Chromium through playwright): opened from the file system,
drilled into by mouse and keyboard, sorted and filtered, with no request leaving the page.

Set SCHEDBENCH_SCREENSHOTS=DIR to also copy the three review screenshots there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.browser import Page, axe_violations, browser, shot

from schedbench.reports.html import write_html

__all__ = ["browser"]  # a fixture, used by name

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report(html_inputs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "report"
    paths = [html_inputs.run_a, html_inputs.run_b, html_inputs.board]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SB_TEST_KEY", html_inputs.secret)  # set where the report is built, as where the run ran
        write_html(out, paths, data=html_inputs.board_data)
    return out


@pytest.fixture
def page(browser, report) -> Iterator[Page]:
    p = Page(browser, report)
    yield p
    assert p.outside == [], f"requests left the page: {p.outside}"
    assert all(u.startswith("file://") for u in p.requests)
    assert p.errors == []
    p.close()


def test_level_to_sample_to_violation_highlights_its_tasks(page, tmp_path):
    p = page.open("", "home")
    assert p.locator("h1").inner_text() == "schedbench report"
    p.get_by_role("link", name="baseline@run_a").click()
    page.wait("run")
    assert p.locator("svg polyline.fk").count() >= 3  # one F(k) curve per problem at least
    assert p.locator("table caption", has_text="F(k) of rcpsp").count() == 1
    shot(p, tmp_path, "overview")
    # the level-2 cell of the RCPSP F(k) table opens the samples of that level
    p.locator("table", has=p.locator("caption", has_text="F(k) of rcpsp")).get_by_role(
        "link", name="2"
    ).click()
    page.wait("samples")
    assert "level=2" in p.url and "problem=rcpsp" in p.url
    outcomes = p.locator("#samples tbody tr td:nth-child(8)").all_inner_texts()
    assert outcomes and "infeasible" in outcomes
    row = p.locator("#samples tbody tr", has=p.locator("td", has_text="infeasible")).first
    row.locator("td").first.get_by_role("link").click()
    page.wait("sample")
    bars = p.locator("svg.gantt rect.task")
    assert bars.count() == 3
    flagged = p.locator("svg.gantt rect.task.viol")
    assert flagged.count() >= 1
    button = p.locator("ul.viol button").first
    button.click()
    assert button.get_attribute("aria-pressed") == "true"
    lit = {
        p.locator("svg.gantt rect.task.hl").nth(i).get_attribute("data-owner")
        for i in range(p.locator("svg.gantt rect.task.hl").count())
    }
    text = button.inner_text()
    assert lit and all(name in text for name in lit)  # exactly the tasks the violation names
    assert "highlighted" in p.locator("#status").inner_text()
    if "at [" in text:
        assert p.locator("svg.gantt rect.band.hl").count() == 1
    assert (
        p.locator("svg.gantt desc").count() == 1
        and p.locator("details summary", has_text="table").count() == 1
    )
    shot(p, tmp_path, "sample")
    button.click()
    assert p.locator("svg.gantt rect.task.hl").count() == 0


def test_model_html_is_shown_as_text(page, html_inputs):
    p = page.open(f"#/sample/{html_inputs.hostile_index}", "sample")
    shown = p.locator("#response").inner_text()
    assert "<script>window.PWNED=1</script>" in shown and "onerror" in shown
    assert html_inputs.secret not in shown and "[redacted]" in shown
    assert p.evaluate("window.PWNED") is None
    assert p.locator("main img").count() == 0 and p.locator("main script").count() == 0
    page.open("#/samples?q=r1", "samples")
    p.locator("#samples tbody tr td:first-child a").first.click()
    page.wait("sample")
    prompt = p.locator("pre.prompt").all_inner_texts()  # a task description of r1 holds the markup
    assert any("<script>window.PWNED=1</script>" in t for t in prompt)
    assert p.evaluate("window.PWNED") is None


def test_sort_filter_and_page_with_the_keyboard(page):
    p = page.open("#/samples", "samples")
    assert "36 samples match" in p.locator("#count").inner_text()
    header = p.locator("#samples th", has_text="gap_pct")
    header.locator("button").focus()
    p.keyboard.press("Enter")
    page.wait("samples")
    assert p.locator("#samples th", has_text="gap_pct").get_attribute("aria-sort") == "ascending"
    gaps = p.locator("#samples tbody tr td:nth-child(9)").all_inner_texts()
    numbers = [float(g) for g in gaps if g != "–"]
    assert numbers == sorted(numbers) and gaps[: len(numbers)] == [
        g for g in gaps if g != "–"
    ]  # missing last
    p.select_option("select[name=outcome]", "infeasible")
    page.wait("samples")
    outcomes = p.locator("#samples tbody tr td:nth-child(8)").all_inner_texts()
    assert outcomes and set(outcomes) == {"infeasible"}
    assert "sort=gap_pct" in p.url  # the sort survives the filter
    p.keyboard.press("/")
    assert p.evaluate("document.activeElement.id") == "search"
    p.fill("#search", "r2")
    p.keyboard.press("Enter")
    page.wait("samples")
    instances = set(p.locator("#samples tbody tr td:nth-child(1)").all_inner_texts())
    assert instances == {"r2"}


def test_compare_two_runs(page, tmp_path):
    p = page.open("#/compare/0/1", "compare")
    assert p.locator("table.paired").count() == 3  # one per problem
    a_only = p.locator("table", has=p.locator("caption", has_text="Solved by A")).locator(
        "tbody tr td:first-child"
    )
    b_only = p.locator("table", has=p.locator("caption", has_text="Solved by B")).locator(
        "tbody tr td:first-child"
    )
    # A's endpoint broke s1, j2, r2 and s3 on every sample, B's broke s2 and r3
    assert set(b_only.all_inner_texts()) == {"s1", "j2", "r2", "s3"}
    assert set(a_only.all_inner_texts()) == {"s2", "r3"}
    shot(p, tmp_path, "compare")


def test_leaderboard_drill_down_draws_the_schedule(page):
    p = page.open("#/board/0", "board")
    rows = p.locator("table", has=p.locator("caption", has_text="best first")).locator("tbody tr")
    assert rows.count() >= 2
    rows.first.get_by_role("link").click()
    page.wait("rule")
    p.locator("table tbody tr td:first-child a").first.click()
    page.wait("schedule")
    assert p.locator("svg.gantt rect.task").count() >= 3
    assert p.locator("svg.gantt line.due").count() >= 3  # SMTT due dates drawn


def test_no_fetch_can_leave_the_page_and_dark_mode(browser, report):
    dark = Page(browser, report, color_scheme="dark")
    p = dark.open("", "home")
    blocked = p.evaluate("fetch('https://example.com/x').then(() => 'sent', () => 'blocked')")
    assert blocked == "blocked" and dark.outside == []  # the CSP refuses it before any request
    background = p.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(20, 20, 22)"
    dark.close()


def test_the_served_report_works_the_same(browser, report):
    import threading

    from schedbench.cli.report import serve

    server = serve(report, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    context = browser.new_context()
    outside: list[str] = []
    context.route(
        "**/*",
        lambda r: (
            r.continue_() if r.request.url.startswith(origin) else (outside.append(r.request.url), r.abort())
        ),
    )
    try:
        page = context.new_page()
        page.goto(f"{origin}/index.html#/sample/0")
        page.wait_for_selector('html[data-ready="sample"]', timeout=10_000)
        assert page.locator("pre.prompt").count() == 2 and outside == []
    finally:
        context.close()
        server.shutdown()
        server.server_close()


PAGES = [("", "home"), ("#/run/0", "run"), ("#/samples", "samples"), ("#/sample/0", "sample")]
PAGES += [("#/compare/0/1", "compare"), ("#/board/0", "board")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_core_finds_no_accessibility_violation(browser, report, scheme):
    view = Page(browser, report, color_scheme=scheme)
    found = {}
    for route, ready in PAGES:
        p = view.open(route, ready)
        found[route or "home"] = axe_violations(p)
    # the check itself works: an unlabelled field is caught
    p.evaluate(
        "document.querySelector('main').append(Object.assign(document.createElement('input'), {type: 'text'}))"
    )
    planted = p.evaluate("axe.run().then(r => r.violations.map(v => v.id))")
    view.close()
    assert found == {route or "home": [] for route, _ in PAGES}
    assert "label" in planted
