"""Discovery runs in the HTML report: the page data are `discover_view`'s numbers as strict JSON, and in a
real browser the page draws the best-so-far curves of every arm, the lineage of the pick and its code
(as text, even when the code holds HTML), with no request leaving the page."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers.browser import Page, axe_violations, browser, shot

from schedbench.cli import main
from schedbench.problems import SchedbenchError
from schedbench.reports.discover import discover_view
from schedbench.reports.html import write_html

__all__ = ["browser"]  # a fixture, used by name

HOSTILE = '# <script>window.PWNED=1</script><img src=x onerror="window.PWNED=2">\n'


def _strict_index(out: Path) -> dict:
    """The report's index, parsed the way a browser would: NaN or Infinity would not parse."""
    text = (out / "data" / "index.js").read_text(encoding="utf-8")
    match = re.fullmatch(r'SB\.load\("index",(.*)\);\n', text, re.S)
    assert match

    def refuse(token: str) -> float:
        raise AssertionError(f"{token} in the page data")

    return json.loads(match.group(1), parse_constant=refuse)


def _same(a: object, b: object) -> bool:
    """Equal as JSON, with NaN standing for None (the page has no NaN)."""
    if isinstance(b, float) and not math.isfinite(b):
        return a is None
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, (list, tuple)):
        return isinstance(a, list) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


@pytest.fixture(scope="module")
def hostile_runs(discover_runs: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Copies of the two runs, the evolve run's pick carrying HTML and script in a comment."""
    root = tmp_path_factory.mktemp("discover-html")
    copies = []
    for strategy in ("evolve", "random"):
        copy = root / strategy
        shutil.copytree(discover_runs[strategy], copy)
        copies.append(copy)
    pick = discover_view(str(copies[0]))["run"]["pick"]
    code = copies[0] / "candidates" / f"{pick}.py"
    code.write_text(HOSTILE + code.read_text(encoding="utf-8"), encoding="utf-8")
    return copies


@pytest.fixture(scope="module")
def report(hostile_runs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("discover-report") / "report"
    write_html(out, hostile_runs)
    return out


def test_the_page_data_are_discover_view_as_strict_json(hostile_runs, report):
    index = _strict_index(report)
    assert [d["label"] for d in index["discoveries"]] == ["evolve", "random"]
    for shown, run in zip(index["discoveries"], hostile_runs):
        view = discover_view(str(run))
        assert _same({k: v for k, v in shown.items() if k != "label"}, view)
    evolve = index["discoveries"][0]
    assert evolve["run"]["dry_run"] is True and evolve["test"]["evaluations"] == 1
    assert evolve["pick_code"].startswith(HOSTILE)


def test_a_folder_that_is_no_run_is_refused_naming_it(tmp_path):
    (tmp_path / "run.json").write_text("{}")
    with pytest.raises(SchedbenchError, match="RUN_DIR"):
        write_html(tmp_path / "out", [tmp_path / "nothing-here"])
    (tmp_path / "events.jsonl").write_text("")
    with pytest.raises(SchedbenchError, match="discovery run") as err:
        write_html(tmp_path / "out", [tmp_path])
    assert str(tmp_path) in str(err.value)


def test_the_cli_builds_a_report_of_a_discovery_run(discover_runs, tmp_path):
    out = tmp_path / "html"
    result = CliRunner().invoke(main, ["report", "--html", str(out), discover_runs["random"]])
    assert result.exit_code == 0, result.output
    assert _strict_index(out)["discoveries"][0]["run"]["strategy"] == "random"


@pytest.fixture
def page(browser, report) -> Iterator[Page]:
    p = Page(browser, report)
    yield p
    assert p.outside == [], f"requests left the page: {p.outside}"
    assert p.errors == []
    p.close()


@pytest.mark.browser
def test_the_discovery_page_draws_curves_lineage_and_code_as_text(page, report, tmp_path):
    p = page.open("", "home")
    assert p.locator("#h-disc").count() == 1
    p.get_by_role("link", name="evolve").first.click()
    page.wait("discover")
    view = _strict_index(report)["discoveries"][0]
    assert "Dry run" in p.locator("main").inner_text()
    # the run's own curves (train and validation), then every arm's validation curve
    assert p.locator("svg polyline.best").count() == 2 + 2
    assert p.locator("svg.chart desc").count() == 2
    lineage = p.locator("table", has=p.locator("caption", has_text="The pick first"))
    assert lineage.locator("tbody tr").count() == len(view["lineage"])
    assert lineage.locator("tbody tr td").first.inner_text() == str(view["run"]["pick"])
    code = p.locator("pre.code").inner_text()
    assert code.startswith(HOSTILE.strip()) and p.evaluate("window.PWNED") is None
    assert p.locator("pre.code img, pre.code script").count() == 0
    versus = p.locator("table", has=p.locator("caption", has_text="class-balanced"))
    shown = versus.locator("tbody tr").count()
    assert shown == 1 + len(view["versus"]["rules"])
    shot(p, tmp_path, "discovery")
    # the control arm's row links to its own page
    p.locator("table", has=p.locator("caption", has_text="Every run at its stop")).get_by_role(
        "link", name="random"
    ).click()
    page.wait("discover")
    assert "random" in p.locator("h1").inner_text() and p.url.endswith("#/discover/1")
    assert "has not been run" in p.locator("main").inner_text()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_core_finds_no_accessibility_violation_on_discovery_pages(browser, report, scheme):
    view = Page(browser, report, color_scheme=scheme)
    try:
        found = {
            route: axe_violations(view.open(route, ready))
            for route, ready in [("", "home"), ("#/discover/0", "discover"), ("#/discover/1", "discover")]
        }
    finally:
        view.close()
    assert found == {"": [], "#/discover/0": [], "#/discover/1": []}
