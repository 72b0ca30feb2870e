"""Datasets: JSONL I/O, manifests and importers for public formats."""

from schedbench.datasets.jsonl import (
    JsonlAppender,
    dumps,
    iter_jsonl,
    read_instances,
    read_solutions,
    write_jsonl_atomic,
)
from schedbench.datasets.manifest import (
    build_manifest,
    git_revision,
    manifest_path_for,
    package_versions,
    sha256_file,
    write_manifest,
)

__all__ = [
    "JsonlAppender",
    "build_manifest",
    "dumps",
    "git_revision",
    "iter_jsonl",
    "manifest_path_for",
    "package_versions",
    "read_instances",
    "read_solutions",
    "sha256_file",
    "write_jsonl_atomic",
    "write_manifest",
]
