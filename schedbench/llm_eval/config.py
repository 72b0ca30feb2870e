"""What `schedbench llm eval` takes (`EvalConfig`) and the files of a run folder (`RunFiles`).

A leaf of the package: it imports nothing else from `schedbench.llm_eval`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from schedbench.datasets import sha256_file
from schedbench.datasets.files import StrPath
from schedbench.datasets.jsonl import JsonValue
from schedbench.datasets.locks import OutputLock
from schedbench.datasets.shards import parse_shard
from schedbench.problems.errors import SchedbenchError

RESPONSE_FORMATS = ("none", "json_object", "json_schema")
RENDERINGS = ("auto", "synthetic", "domain")
# configuration that defines what a run measures; a resume must not change it
IDENTITY_FIELDS = (
    "base_url",
    "model",
    "temperature",
    "seed",
    "max_tokens",
    "response_format",
    "rendering",
    "repair_rounds",
    "extra_body",
)


class RunFiles:
    """The files of one run folder (RUN_DIR).

    ``samples``: one record per (instance, sample), appended as samples finish; ``manifest``; ``log``:
    every request attempt; ``retried``: request-error records set aside by ``--retry-errors``, kept for
    audit; ``lock``: the one-writer lock; ``report``: where `llm report` writes by default.
    """

    def __init__(self, run_dir: StrPath) -> None:
        self.dir = Path(run_dir)
        self.samples = self.dir / "samples.jsonl"
        self.manifest = self.dir / "manifest.json"
        self.log = self.dir / "run.log"
        self.retried = self.dir / "retried_errors.jsonl"
        self.lock = self.output_lock().path
        self.report = self.dir / "report"

    def output_lock(self) -> OutputLock:
        """The exclusive lock on this run folder (one writer at a time)."""
        return OutputLock.for_dir(self.dir)


@dataclass
class EvalConfig:
    """Everything `schedbench llm eval` takes (the API key itself is never stored, only its variable)."""

    data: str
    base_url: str
    model: str
    run_dir: str
    samples: int = 1
    concurrency: int = 8
    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    timeout_s: float = 120.0
    response_format: str = "none"
    rendering: str = "auto"
    repair_rounds: int = 0
    api_key_env: str = "OPENAI_API_KEY"
    extra_body: dict[str, JsonValue] | None = None
    use_cache: bool = True
    cache_path: str | None = None
    references: str | None = None
    price_table: str | None = None
    max_attempts: int = 6
    total_deadline_s: float = 900.0
    backoff_base_s: float = 1.0
    limit: int | None = None
    shard: str | None = None
    max_consecutive_failures: int = 10
    retry_errors: bool = False

    def check(self) -> None:
        if self.samples < 1:
            raise SchedbenchError("must be at least 1", field="--samples")
        if self.concurrency < 1:
            raise SchedbenchError("must be at least 1", field="--concurrency")
        if self.repair_rounds < 0:
            raise SchedbenchError("must be 0 or more", field="--repair-rounds")
        if self.timeout_s <= 0:
            raise SchedbenchError("must be positive", field="--timeout")
        if self.response_format not in RESPONSE_FORMATS:
            raise SchedbenchError("choose none, json_object or json_schema", field="--response-format")
        if self.rendering not in RENDERINGS:
            raise SchedbenchError("choose auto, synthetic or domain", field="--rendering")
        if self.shard is not None:
            parse_shard(self.shard)
        if self.max_consecutive_failures < 0:
            raise SchedbenchError("must be 0 (never stop) or more", field="--max-consecutive-failures")

    @property
    def files(self) -> RunFiles:
        return RunFiles(self.run_dir)

    def identity(self) -> dict[str, JsonValue]:
        """The fields a resumed run must share with the original one, plus the data hash, the limit and
        the shard."""
        ident: dict[str, JsonValue] = {name: getattr(self, name) for name in IDENTITY_FIELDS}
        ident["data_sha256"] = sha256_file(self.data)
        ident["limit"] = self.limit
        if self.shard is not None:  # absent, not null, in unsharded runs: their manifests stay as before
            ident["shard"] = self.shard
        return ident

    def to_dict(self) -> dict[str, JsonValue]:
        """The configuration as JSON (the API key is not part of it, only the variable's name)."""
        return asdict(self)
