"""Datasets: JSONL I/O, manifests, importers for public formats, and writing instance sets."""

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
from schedbench.datasets.writing import ImportedDataset, import_dataset, refuse_existing, write_dataset

__all__ = [
    "ImportedDataset",
    "JsonlAppender",
    "build_manifest",
    "dumps",
    "git_revision",
    "import_dataset",
    "iter_jsonl",
    "manifest_path_for",
    "package_versions",
    "read_instances",
    "read_solutions",
    "refuse_existing",
    "sha256_file",
    "write_dataset",
    "write_jsonl_atomic",
    "write_manifest",
]
