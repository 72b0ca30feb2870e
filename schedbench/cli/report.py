"""`schedbench report --html` and `schedbench view`: the offline HTML report of runs, leaderboards and discovery runs."""

from __future__ import annotations

import hashlib
import http.server
import os
import webbrowser
from functools import partial
from pathlib import Path

import click

from schedbench.cli._options import NON_NEGATIVE
from schedbench.reports.html import Selection, write_html

_PATHS = click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
_DATA = click.option(
    "--data",
    type=click.Path(exists=True, dir_okay=False),
    help="The instances of the leaderboards, to draw each built-in rule's schedule (default: each "
    "leaderboard's own input, when its manifest names a file that is still there unchanged).",
)
_MAX_MB = click.option(
    "--max-mb",
    type=NON_NEGATIVE,
    default=50.0,
    show_default=True,
    help="Copy every full record when they fit in this many MB, else failures in turn per level while they fit.",
)
_PER_LEVEL = click.option(
    "--per-level",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Feasible records copied per level when over --max-mb.",
)


_HTML_HELP = "Folder to write index.html and its data/ into (open index.html by double-click)."


@click.command("report")
@click.option("--html", "html_out", required=True, type=click.Path(file_okay=False), help=_HTML_HELP)
@_PATHS
@_DATA
@_MAX_MB
@_PER_LEVEL
def report(html_out: str, paths: tuple[str, ...], data: str | None, max_mb: float, per_level: int) -> None:
    """Write an offline HTML report of RUN_DIRs of `llm eval`, LEADERBOARD_DIRs and DISCOVER_DIRs (PATHS) into a folder."""
    written = write_html(html_out, paths, data=data, selection=Selection(int(max_mb * 1e6), per_level))
    click.echo(f"wrote {len(written)} files; open {Path(html_out).resolve() / 'index.html'}")


def cache_folder(paths: tuple[str, ...]) -> Path:
    """Where `view` builds the report of ``paths`` (one folder per set of inputs, never inside them)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "schedbench" / "view"
    key = hashlib.sha256("\0".join(str(Path(p).resolve()) for p in paths).encode()).hexdigest()[:16]
    return base / key


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the report folder read-only (GET and HEAD only), without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """A read-only server of ``folder`` bound to the loopback interface only."""
    handler = partial(_QuietHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


@click.command("view")
@_PATHS
@_DATA
@_MAX_MB
@_PER_LEVEL
@click.option(
    "--serve", "serve_", is_flag=True, help="Serve the report on 127.0.0.1 instead of opening a file."
)
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="Port for --serve (0: a free one).")
@click.option("--no-open", is_flag=True, help="Build (and serve) without opening a browser.")
def view(
    paths: tuple[str, ...],
    data: str | None,
    max_mb: float,
    per_level: int,
    serve_: bool,
    port: int,
    no_open: bool,
) -> None:
    """Build the HTML report of PATHS into a cache folder and open it in the browser."""
    folder = cache_folder(paths)
    write_html(folder, paths, data=data, selection=Selection(int(max_mb * 1e6), per_level))
    if not serve_:
        url = (folder / "index.html").as_uri()
        click.echo(f"report: {url}")
        if not no_open:
            webbrowser.open(url)
        return
    server = serve(folder, port)
    url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
    click.echo(f"serving {folder} at {url} (loopback only; Ctrl-C stops)")
    if not no_open:
        webbrowser.open(url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
