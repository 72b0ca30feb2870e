"""`schedbench report --html`: a static, offline folder to browse LLM runs, leaderboards and discovery runs.

``OUT/index.html`` holds all CSS and JS inline and a Content-Security-Policy that forbids every outside
request; ``OUT/data/*.js`` are the data, each a script calling ``SB.load(name, payload)``, loaded on demand
by inserting a ``<script>`` tag (``fetch`` of a sibling file is refused under ``file://``). Every number
is computed here, by the functions `llm report` and `leaderboard` use; the page only sorts, filters and draws.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from schedbench.datasets import manifest_path_for, sha256_file
from schedbench.datasets.files import StrPath
from schedbench.datasets.jsonl import JsonValue, dumps
from schedbench.llm_eval.records import read_run
from schedbench.problems import SchedbenchError
from schedbench.records.leaderboard import AGGREGATE_FILE, RECORDS_FILE, read_leaderboard
from schedbench.reports.discover import discover_view
from schedbench.reports.html.board import board_payload
from schedbench.reports.html.llm import Selection, llm_payloads

__all__ = ["Selection", "script_payload", "script_text", "write_html"]

CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline' file:; style-src 'unsafe-inline'; "
    "img-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)
INDEX_SCHEMA = 1
_DATA_NAME = re.compile(r"^(index|[rbp]\d+-\d{4})\.js$")


def script_text(name: str, json_text: str) -> str:
    """``SB.load(name, payload);`` from the payload's JSON text, escaped so no ``</script>``, ``<!--`` or
    line separator inside a string can end or break the script (``<`` only occurs inside JSON strings)."""
    text = json_text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"SB.load({json.dumps(name)},{text});\n"


def script_payload(name: str, payload: JsonValue) -> str:
    """`script_text` of a JSON value."""
    return script_text(name, dumps(payload))


def _asset(name: str) -> str:
    return (resources.files("schedbench.reports.html") / "assets" / name).read_text(encoding="utf-8")


def shell() -> str:
    """index.html: the app with its CSS and JS inline."""
    html = _asset("index.html")
    return (
        html.replace("{{CSP}}", CSP).replace("{{CSS}}", _asset("app.css")).replace("{{JS}}", _asset("app.js"))
    )


def _kind(path: Path) -> str:
    if (path / "samples.jsonl").exists():
        return "run"
    if (path / RECORDS_FILE).exists() or (path / AGGREGATE_FILE).exists():
        return "board"
    if (path / "run.json").exists() and (path / "events.jsonl").exists():
        return "discover"
    raise SchedbenchError(
        "not a RUN_DIR of `llm eval` (samples.jsonl), a leaderboard folder (records.jsonl) nor a RUN_DIR of"
        " `discover run` (run.json and events.jsonl)",
        source=str(path),
    )


def _discovery(path: Path) -> JsonValue:
    """A discovery run's page data: `discover_view`, labelled, as strict JSON (no NaN or infinity)."""
    try:
        view = discover_view(str(path))
    except (KeyError, TypeError, ValueError) as err:
        raise SchedbenchError(f"not a readable discovery run ({err})", source=str(path)) from None
    view["label"] = path.name
    return _finite(view)


def _finite(value: object) -> JsonValue:
    """``value`` as strict JSON: NaN and infinities (an unscored candidate) become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if value is None or isinstance(value, (str, int)):
        return value
    raise TypeError(f"not JSON: {type(value).__name__}")


def _board_label(path: Path) -> str:
    """A leaderboard's name on the page: its folder, with its parent's name when it is just "leaderboard"."""
    if path.name == "leaderboard" and path.resolve().parent.name:
        return f"{path.resolve().parent.name}/{path.name}"
    return path.name


def board_input(folder: Path) -> Path | None:
    """The instance file a leaderboard ran on, per its manifest, if it is still there unchanged."""
    try:
        manifest = json.loads(manifest_path_for(folder / RECORDS_FILE).read_text(encoding="utf-8"))
        first = manifest["inputs"][0]
        path, digest = Path(first["path"]), first["sha256"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    try:
        return path if path.is_file() and sha256_file(path) == digest else None
    except OSError:
        return None


def write_html(
    out: StrPath,
    paths: Sequence[StrPath],
    *,
    data: StrPath | None = None,
    selection: Selection | None = None,
    tau: float = 0.5,
    weights: str = "k",
) -> list[Path]:
    """Write the report folder for LLM run, leaderboard and discovery run folders; returns the files written.

    ``data`` is the instance file of the leaderboards, to draw each rule's schedule; without it, each
    leaderboard's own input is used when its manifest names a file that still has the same content.
    """
    if not paths:
        raise SchedbenchError("give at least one RUN_DIR or LEADERBOARD_DIR")
    kinds = [(Path(p), _kind(Path(p))) for p in paths]
    runs = [read_run(p) for p, k in kinds if k == "run"]
    llm, shards = llm_payloads(runs, selection or Selection(), tau=tau, weights=weights)
    boards = []
    for b_i, (path, _) in enumerate(p for p in kinds if p[1] == "board"):
        part, more = board_payload(read_leaderboard(path), b_i, _board_label(path), data or board_input(path))
        boards.append(part)
        shards.update((name, dumps(payload)) for name, payload in more.items())
    discoveries = [_discovery(path) for path, kind in kinds if kind == "discover"]
    index = {"schema": INDEX_SCHEMA, **llm, "boards": boards, "discoveries": discoveries}
    root = Path(out)
    folder = root / "data"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():  # a previous build's data files only
        if _DATA_NAME.match(stale.name) and stale.stem not in shards:
            stale.unlink()
    written = [root / "index.html"]
    written[0].write_text(shell(), encoding="utf-8")
    for name, text in {"index": dumps(index), **shards}.items():
        path = folder / f"{name}.js"
        path.write_text(script_text(name, text), encoding="utf-8")
        written.append(path)
    return written
