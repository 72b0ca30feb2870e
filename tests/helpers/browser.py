"""Headless Chromium for the browser tests (playwright driving Debian's /usr/bin/chromium): the
``browser`` fixture, a `Page` that logs every request and aborts any that is not a file, and screenshots.

Set SCHEDBENCH_SCREENSHOTS=DIR to also copy the screenshots there.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install .[browser])"
    )
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium found (apt-get install chromium) for the browser tests")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Page:
    """A page with its network and console logs; every request that is not a file is aborted and kept."""

    def __init__(self, browser, report: Path, color_scheme: str = "light") -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=color_scheme)
        self.outside: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.url = (report / "index.html").as_uri()
        self.seen = 0

    def _route(self, route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, hash_: str = "", ready: str | None = None):
        self.page.goto(self.url + hash_)
        self.seen = 0  # a new document counts its renders from 1
        self.wait(ready)
        return self.page

    def wait(self, ready: str | None = None) -> None:
        """Wait for a render after the last one waited for (the router counts them in ``data-render``)
        that reached ``ready``: the page before may have been of the same kind, with data-ready set."""
        selector = f'html[data-ready="{ready}"]' if ready else "html[data-ready]"
        self.page.wait_for_function(
            "([sel, seen]) => document.querySelector(sel) !== null"
            " && Number(document.documentElement.dataset.render || 0) > seen",
            arg=[selector, self.seen],
            timeout=10_000,
        )
        self.seen = int(self.page.evaluate("Number(document.documentElement.dataset.render || 0)"))

    def close(self) -> None:
        self.context.close()


def shot(page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    target = os.environ.get("SCHEDBENCH_SCREENSHOTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    return path


def axe_violations(page) -> list[str]:
    """axe-core's violations on ``page`` (skips the test where axe-playwright-python is missing)."""
    axe = pytest.importorskip("axe_playwright_python", reason="axe-core (pip install axe-playwright-python)")
    from importlib import resources

    page.add_script_tag(content=(resources.files(axe) / "axe.min.js").read_text(encoding="utf-8"))
    return page.evaluate(
        "axe.run().then(r => r.violations.map(v => `${v.id} (${v.impact}): ${v.nodes[0].html}`))"
    )
