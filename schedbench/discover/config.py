"""What a discovery run is made of: its configuration (frozen in ``run.json``), its stop rules and the sandbox
level it runs at."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from schedbench.datasets.jsonl import JsonValue
from schedbench.discover.prompts import OPERATORS
from schedbench.heuristics.sandbox import SANDBOX_CHOICES, Limits, choose_level
from schedbench.llm_eval.redact import redact_url
from schedbench.problems import SchedbenchError


@dataclass(frozen=True)
class StopRules:
    """Budgets and stop rules: the first one reached stops the run; only these may change on resume."""

    # counts: samples, evaluations, tokens, and streaks of invalid candidates or failed requests
    max_samples: int = 400
    max_evals: int | None = None
    max_tokens: int | None = None
    max_invalid_streak: int = 50
    max_transport_failures: int = 10
    # cost (through the price table), wall time, validation rounds without gain, a target gap
    max_cost: float | None = None
    max_wall_s: float | None = None
    patience: int | None = None
    target_gap: float | None = None


BUDGET_FIELDS = tuple(f.name for f in fields(StopRules))

STRATEGIES = ("evolve", "hillclimb", "random")
SANDBOXES = SANDBOX_CHOICES  # auto, rlimits, netns, seccomp, bwrap
DEFAULT_WEIGHTS = {"e1": 1.0, "e2": 1.0, "m1": 2.0, "m2": 1.0, "m3": 0.5}


@dataclass
class DiscoverConfig:
    """Everything a run is made of; frozen in ``run.json`` (budgets may grow on resume)."""

    train: str
    val: str
    run_dir: str
    base_url: str
    model: str
    test: str | None = None
    references: str | None = None
    interface: str = "priority"
    scheme: str | None = None
    seed_rule: str | None = None  # None: the problem's first seed (EDD, SPT, LFT)
    strategy: str = "evolve"
    islands: int = 4
    pop_size: int = 8
    operator_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    repair: bool = True
    val_every: int = 2
    val_top: int = 8
    migrate_every: int = 5
    # budgets and stop rules (the first one hit stops the run; only these may change on resume)
    stop: StopRules = field(default_factory=lambda: StopRules())
    price_table: str | None = None  # for max_cost
    # the sandbox, per instance
    cpu_limit: int = 2
    timeout_s: float = 10.0
    memory_mb: int = 1024
    sandbox: str = "auto"
    max_code_chars: int = 6000
    static_checks: bool = True
    # the model
    temperature: float | None = 1.0
    max_tokens_per_call: int = 2048
    seed: int = 0
    api_key_env: str = "OPENAI_API_KEY"
    request_timeout_s: float = 120.0
    deadline_s: float = 600.0
    max_attempts: int = 4
    concurrency: int = 4  # requests in flight at once (a wave, chosen from the same population)
    cache: bool = True  # RUN_DIR/cache.sqlite: answers kept as they arrive, reused on resume

    def to_json(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = asdict(self)
        out["base_url"] = redact_url(self.base_url)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, JsonValue], base_url: str | None = None) -> DiscoverConfig:
        known = {f.name for f in fields(cls)}
        given = {k: v for k, v in data.items() if k in known}
        stop = given.get("stop")
        given["stop"] = StopRules(**stop) if isinstance(stop, dict) else StopRules()
        if (
            given.get("sandbox") == "landlock"
        ):  # before 0.2: rlimits with Landlock, which rlimits now includes
            given["sandbox"] = "rlimits"
        config = cls(**given)  # type: ignore[arg-type]
        return replace(config, base_url=base_url) if base_url else config

    def limits(self) -> Limits:
        return Limits(
            cpu_seconds=self.cpu_limit,
            wall_seconds=self.timeout_s,
            memory_bytes=self.memory_mb * 1024 * 1024,
            sandbox=self.sandbox,
        )

    def check(self) -> None:
        if self.strategy not in STRATEGIES:
            raise SchedbenchError(f"unknown strategy {self.strategy!r}; known: {', '.join(STRATEGIES)}")
        if self.sandbox not in SANDBOXES:
            raise SchedbenchError(f"unknown sandbox level {self.sandbox!r}; known: {', '.join(SANDBOXES)}")
        unknown = set(self.operator_weights) - set(OPERATORS)
        if unknown:
            raise SchedbenchError(f"unknown operator {sorted(unknown)[0]!r}; known: {', '.join(OPERATORS)}")
        if self.concurrency < 1:
            raise SchedbenchError("--concurrency must be at least 1", field="--concurrency")
        if not any(w > 0 for w in self.operator_weights.values()):
            raise SchedbenchError("at least one operator needs a positive weight", field="--operator-weights")


def read_run_config(run_dir: str) -> DiscoverConfig:
    path = Path(run_dir) / "run.json"
    if not path.is_file():
        raise SchedbenchError("no discover run here (run.json is missing)", source=str(run_dir))
    data = json.loads(path.read_text(encoding="utf-8"))
    return DiscoverConfig.from_json(data["config"])


def choose_sandbox(wanted: str) -> tuple[str, dict[str, bool], list[str]]:
    """The sandbox level to run and record (``auto``: the strongest this machine gives), the child's report
    of its protections, and a warning below seccomp; a one-line error when ``wanted`` is not available."""
    choice = choose_level(wanted)
    return choice.level, choice.probes, [choice.warning] if choice.warning else []
