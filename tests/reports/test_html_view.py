"""`schedbench view`: builds into a cache folder (never into the run) and serves on loopback only."""

from __future__ import annotations

import threading
import urllib.request

from click.testing import CliRunner

from schedbench.cli import main
from schedbench.cli.report import cache_folder, serve


def test_view_builds_into_the_cache_not_the_run(html_inputs, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    before = sorted(p.name for p in html_inputs.run_a.iterdir())
    result = CliRunner().invoke(main, ["view", str(html_inputs.run_a), "--no-open"])
    assert result.exit_code == 0, result.output
    folder = cache_folder((str(html_inputs.run_a),))
    assert folder.is_relative_to(tmp_path / "cache")
    assert (folder / "index.html").exists() and (folder / "data" / "index.js").exists()
    assert (folder / "index.html").as_uri() in result.output
    assert sorted(p.name for p in html_inputs.run_a.iterdir()) == before


def test_serve_is_loopback_only_and_read_only(html_inputs, tmp_path):
    from schedbench.reports.html import write_html

    write_html(tmp_path, [html_inputs.run_a])
    server = serve(tmp_path, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/data/index.js") as reply:
            assert reply.read().startswith(b'SB.load("index",')
        request = urllib.request.Request(f"http://127.0.0.1:{port}/index.html", data=b"x", method="POST")
        try:
            urllib.request.urlopen(request)
            raise AssertionError("POST accepted")
        except urllib.error.HTTPError as err:
            assert err.code == 501
    finally:
        server.shutdown()
        server.server_close()
