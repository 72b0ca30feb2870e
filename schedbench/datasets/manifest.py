"""Run manifests: what ran, with which versions, on which data."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

from schedbench.datasets.files import write_text_atomic
from schedbench.problems import SchedbenchError

_PACKAGES = (
    "numpy",
    "networkx",
    "click",
    "jsonschema",
    "ortools",
    "pulp",
    "highspy",
    "openai",
    "matplotlib",
    "psplib",
)


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def git_revision() -> str | None:
    """The git commit of the schedbench source tree, when it is a checkout."""
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def package_versions(extra: Iterable[str] = ()) -> dict[str, str | None]:
    """Installed versions of the packages results depend on."""
    versions: dict[str, str | None] = {}
    for name in (*_PACKAGES, *extra):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def build_manifest(
    *,
    command: str,
    config: dict[str, Any],
    inputs: Iterable[str | os.PathLike[str]] = (),
    outputs: Iterable[str | os.PathLike[str]] = (),
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The manifest as a dict: versions, configuration and data hashes."""
    from schedbench import __version__

    return {
        "schema": "schedbench/manifest/v1",
        "command": command,
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "schedbench": {"version": __version__, "git": git_revision()},
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "packages": package_versions(),
        "config": config,
        "inputs": [{"path": str(p), "sha256": sha256_file(p)} for p in inputs],
        "outputs": [{"path": str(p), "sha256": sha256_file(p)} for p in outputs if Path(p).exists()],
        **(extra or {}),
    }


def manifest_path_for(output: str | os.PathLike[str]) -> Path:
    """Where the manifest of an output file goes: `FILE.jsonl` -> `FILE.manifest.json`."""
    out = Path(output)
    stem = out.name[: -len("".join(out.suffixes))] if out.suffixes else out.name
    return out.with_name(stem + ".manifest.json")


def write_manifest(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Build a manifest (see `build_manifest`) and write it atomically as indented JSON."""
    manifest = build_manifest(**kwargs)
    return write_text_atomic(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


@contextmanager
def manifest_on_exit(
    path: str | os.PathLike[str], *, extra: Callable[[], dict[str, Any]] = dict, **kwargs: Any
) -> Iterator[None]:
    """Write the manifest of a run when its block ends, with ``"status"``: complete, interrupted (Ctrl-C,
    SIGTERM) or failed, plus ``extra()``. A `SchedbenchError` (a refused or impossible run, already one
    line) writes nothing, so the manifest of an earlier run stays."""
    status: str | None = "interrupted"
    try:
        yield
        status = "complete"
    except SchedbenchError:
        status = None
        raise
    except Exception:
        status = "failed"
        raise
    finally:
        if status is not None:
            write_manifest(path, **kwargs, extra={"status": status, **extra()})
