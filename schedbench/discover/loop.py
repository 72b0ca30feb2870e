"""The discovery loop: steady-state islands, EoH-style operators, one repair round, validation, stop rules.

Every choice is drawn from ``numpy.random.default_rng([seed, gen, island, slot, purpose])``, so nothing
random needs saving. Each step of the loop (a seed scored, a request sent, an answer received, a
candidate scored, a generation closed, a validation round, the stop) is one line of ``events.jsonl``;
resuming a run re-runs the loop from the start and, for each step already in the log, takes the logged
result instead of doing the work again, so a killed and resumed run makes the same choices and writes the
same events (timestamps and timings aside) as an uninterrupted one.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from schedbench import __version__
from schedbench.datasets.files import write_text_atomic
from schedbench.datasets.jsonl import JsonValue
from schedbench.datasets.labels import instance_size
from schedbench.datasets.locks import OutputLock
from schedbench.discover.candidate import (
    Failure,
    ast_hash,
    code_id,
    extract_code,
    idea_of,
    parse_check,
    static_check,
)
from schedbench.discover.config import (
    BUDGET_FIELDS,
    DiscoverConfig,
    choose_sandbox,
    read_run_config,
)
from schedbench.discover.finish import run_test
from schedbench.discover.journal import Journal, store_text
from schedbench.discover.prompts import (
    OPERATORS,
    REPAIR,
    TEMPLATE_HASH,
    TEMPLATE_ID,
    Parent,
    PromptContext,
    build_messages,
)
from schedbench.discover.scoring import (
    Score,
    Split,
    builtin_rules,
    load_splits,
    score_builtin,
    score_plugin,
    win_tie_loss,
)
from schedbench.discover.seeds import Seed, check_interface, entry_function, seeds
from schedbench.llm_eval.client import ChatClient, RetryPolicy, resolve_api_key, usage_of
from schedbench.llm_eval.manifest import load_price_table
from schedbench.problems import SchedbenchError, SmttInstance
from schedbench.records.discover import (
    DISCOVER_RUN,
)

_PURPOSE = {"operator": 1, "parents": 2, "request": 3, "repair": 4}


@dataclass
class Candidate:
    """A scored program of the run (a seed or a model's answer)."""

    id: str
    code: str
    ast_hash: str
    train: Score
    operator: str
    parents: list[str]
    builtin: str | None = None
    slot: int | None = None

    @property
    def cluster(self) -> tuple[int, ...]:
        return tuple(self.train.objectives)

    def key(self) -> tuple[float, int, str]:
        assert self.train.fitness is not None
        return (self.train.fitness, len(self.code), self.id)


@dataclass
class Budget:
    samples: int = 0
    evals: int = 0
    tokens: int = 0
    cost: float = 0.0
    duplicates: int = 0
    invalid: int = 0
    invalid_streak: int = 0
    transport_streak: int = 0
    val_rounds: int = 0
    val_stale: int = 0

    def to_json(self) -> dict[str, JsonValue]:
        out: dict[str, JsonValue] = asdict(self)
        out["cost"] = round(self.cost, 6)
        return out


@dataclass
class RunSummary:
    run_dir: str
    stop_reason: str
    pick: str | None
    pick_val: float | None
    budget: dict[str, JsonValue]
    sandbox: str
    warnings: list[str]
    test: dict[str, JsonValue] | None = None
    wall_s: float = 0.0


def rng_for(seed: int, gen: int, island: int, slot: int, purpose: str) -> np.random.Generator:
    """The stateless random stream of one decision."""
    return np.random.default_rng([seed, gen, island, slot, _PURPOSE[purpose]])


# ---- the run --------------------------------------------------------------------------------------


class Run:
    """One discovery run in its directory (started fresh or resumed)."""

    def __init__(self, config: DiscoverConfig, *, resume: bool) -> None:
        config.check()
        self.config = config
        self.dir = Path(config.run_dir)
        self.resume = resume
        self.started = time.monotonic()
        loaded = load_splits(
            {"train": config.train, "val": config.val, "test": config.test}, config.references
        )
        self.train, self.val = loaded["train"], loaded["val"]
        self.test: Split | None = loaded.get("test")
        splits = list(loaded.values())
        problems = {s.problem for s in splits}
        if len(problems) > 1:
            raise SchedbenchError(f"the splits hold different problems: {', '.join(sorted(problems))}")
        self.problem = self.train.problem
        check_interface(self.problem, config.interface, config.scheme)
        self.weighted = any(
            isinstance(i, SmttInstance) and bool(np.any(i.weights != 1)) for s in splits for i in s.instances
        )
        self.seeds = seeds(self.problem, config.interface, weighted=self.weighted, scheme=config.scheme)
        names = [s.name for s in self.seeds]
        if config.seed_rule is None:
            config.seed_rule = names[0]
        if config.seed_rule not in names:
            raise SchedbenchError(
                f"unknown seed rule {config.seed_rule!r} for {self.problem} {config.interface}; known: "
                + ", ".join(names),
                field="--seed-rule",
            )
        self.prices = load_price_table(config.price_table, config.model) if config.price_table else None
        if config.stop.max_cost is not None and self.prices is None:
            raise SchedbenchError("--max-cost needs --price-table", field="--max-cost")
        sizes = [instance_size(i) for i in self.train.instances]
        self.ctx = PromptContext(
            problem=self.problem,
            interface=config.interface,
            scheme=config.scheme or {"jssp": "active", "rcpsp": "serial"}.get(self.problem),
            weighted=self.weighted,
            train_count=len(self.train.instances),
            train_sizes=(min(sizes), max(sizes)),
            train_classes=len(set(self.train.classes())),
        )
        self.limits = config.limits()
        self.store: dict[str, Candidate] = {}
        self.by_ast: dict[str, str] = {}  # normalised AST hash -> the first candidate evaluated with it
        self.failed_ast: dict[str, tuple[str, JsonValue]] = {}  # ... of invalid ones: id and failure
        self.islands: list[list[str]] = [[] for _ in range(config.islands)]
        self.budget = Budget()
        self.validated: dict[str, float | None] = {}
        self.best_val: float | None = None
        self.failures: Counter[str] = Counter()
        self.builtin_train: dict[str, list[int]] = {}
        self.warnings: list[str] = []

    # -- set-up ------------------------------------------------------------------------------------
    def _run_json(self, sandbox: dict[str, JsonValue]) -> dict[str, JsonValue]:
        return {
            "record": DISCOVER_RUN,
            "schedbench_version": __version__,
            "config": self.config.to_json(),
            "problem": self.problem,
            "weighted": self.weighted,
            "template": {"id": TEMPLATE_ID, "hash": TEMPLATE_HASH},
            "datasets": {s.name: s.describe() for s in (self.train, self.val, self.test) if s is not None},
            "sandbox": sandbox,
            "seeds": [s.name for s in self.seeds],
            "builtins": builtin_rules(self.problem),
            "api_key": {"env": self.config.api_key_env},
        }

    def _prepare(self) -> None:
        level, probes, self.warnings = choose_sandbox(self.config.sandbox)
        self.sandbox_level = level
        run_json = self._run_json({"level": level, "requested": self.config.sandbox, "probes": probes})
        path = self.dir / "run.json"
        events = self.dir / "events.jsonl"
        if self.resume:
            if not path.exists():
                raise SchedbenchError("no run here (run.json is missing)", source=str(self.dir))
            old = json.loads(path.read_text(encoding="utf-8"))
            for name, split in old["datasets"].items():
                now = run_json["datasets"].get(name)  # type: ignore[union-attr]
                if (
                    now is None
                    or now["sha256"] != split["sha256"]
                    or now.get("references_sha256") != split.get("references_sha256")
                ):
                    raise SchedbenchError(
                        f"the {name} split (or its references) changed since the run started",
                        source=split["path"],
                    )
            run_json["resumes"] = [*old.get("resumes", []), {"at": round(time.time(), 3)}]
        elif events.exists() and events.stat().st_size:
            raise SchedbenchError(
                "already holds a discover run; use `schedbench discover resume` or another -o directory",
                source=str(self.dir),
            )
        for sub in ("prompts", "responses", "candidates"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps(run_json, indent=1) + "\n")
        for rule in builtin_rules(self.problem):
            score = score_builtin(rule, self.train)
            if score.valid:
                self.builtin_train[rule] = score.objectives

    # -- scoring -----------------------------------------------------------------------------------
    def _train_metrics(self, score: Score) -> dict[str, JsonValue]:
        metrics = score.metrics()
        if self.builtin_train:
            best = [min(v) for v in zip(*self.builtin_train.values(), strict=True)]
            metrics["vs_best_builtin"] = win_tie_loss(score.objectives, best)
        return metrics

    def _file_text(self, cid: str, code: str, operator: str, parents: Sequence[str]) -> str:
        head = (
            f"# schedbench discover candidate {cid}: operator {operator}, parents "
            f"{','.join(parents) or '-'}, model {self.config.model}\n"
        )
        tail = f'\nSCHEME = "{self.ctx.scheme}"  # set by schedbench discover\n' if self.ctx.scheme else ""
        return head + code + tail

    def _evaluate(self, cid: str, code: str, operator: str, parents: Sequence[str]) -> Score:
        path = self.dir / "candidates" / f"{cid}.py"
        if not path.exists():
            write_text_atomic(path, self._file_text(cid, code, operator, parents))
        return score_plugin(str(path), self.train, self.limits)

    def _add(self, cand: Candidate) -> None:
        self.store[cand.id] = cand
        self.by_ast.setdefault(cand.ast_hash, cand.id)

    def _insert(self, island: int, cand: Candidate) -> None:
        """Keep the best `pop_size` of the island, one per behavioural cluster (the shortest program)."""
        members = [self.store[i] for i in self.islands[island]]
        same = [m for m in members if m.cluster == cand.cluster]
        if same:
            if same[0].key() <= cand.key():
                return
            members.remove(same[0])
        members.append(cand)
        members.sort(key=Candidate.key)
        size = 1 if self.config.strategy == "hillclimb" else self.config.pop_size
        self.islands[island] = [m.id for m in members[:size]]

    # -- the seed population ----------------------------------------------------------------------
    def _seed(self, journal: Journal) -> None:
        for seed in self.seeds:
            cid = code_id(seed.source)

            def compute(
                seed: Seed = seed, cid: str = cid
            ) -> tuple[dict[str, JsonValue], dict[str, JsonValue]]:
                score = self._evaluate(cid, seed.source, "seed", [])
                failure = None if score.failure is None else score.failure.to_dict()
                data: dict[str, JsonValue] = {
                    "id": cid,
                    "rule": seed.name,
                    "builtin": seed.builtin,
                    "status": "valid" if score.valid else "invalid",
                    "failure": failure,
                    "train": self._train_metrics(score) if score.valid else None,
                }
                return data, {"eval_s": round(score.seconds, 4)}

            event = journal.emit("seed", compute)
            if event["status"] != "valid":
                raise SchedbenchError(f"seed rule {seed.name} fails on the train split: {event['failure']}")
            train = Score.from_metrics(event["train"])  # type: ignore[arg-type]
            cand = Candidate(cid, seed.source, ast_hash(seed.source) or cid, train, "seed", [], seed.builtin)
            self._add(cand)
            for island in range(self.config.islands):
                self._insert(island, cand)
            self.budget.evals += 1

    # -- choosing ----------------------------------------------------------------------------------
    def _rank_pick(self, rng: np.random.Generator, members: list[str], k: int) -> list[str]:
        """k distinct parents by rank (p proportional to 1 / (rank + 1 + N)), returned worst to best."""
        ranked = sorted(members, key=lambda i: self.store[i].key())
        n = len(ranked)
        weights = np.array([1.0 / (r + 1 + n) for r in range(n)])
        k = min(k, n)
        picks = rng.choice(n, size=k, replace=False, p=weights / weights.sum())
        return [ranked[int(r)] for r in sorted(picks, reverse=True)]

    def _choose(self, slot: int, gen: int, island: int) -> tuple[str, list[str]]:
        cfg = self.config
        if cfg.strategy == "random":
            return "e1", [self._seed_id()]
        if cfg.strategy == "hillclimb":
            return "m1", [self.islands[island][0]]
        ops = [op for op in OPERATORS if cfg.operator_weights.get(op, 0) > 0]
        weights = np.array([cfg.operator_weights[op] for op in ops])
        operator = ops[
            int(rng_for(cfg.seed, gen, island, slot, "operator").choice(len(ops), p=weights / weights.sum()))
        ]
        members = self.islands[island]
        k = 2 if operator in ("e1", "e2") else 1
        if operator == "e2" and len(members) < 2:
            operator, k = "m1", 1
        return operator, self._rank_pick(rng_for(cfg.seed, gen, island, slot, "parents"), members, k)

    def _seed_id(self) -> str:
        seed = next(s for s in self.seeds if s.name == self.config.seed_rule)
        return code_id(seed.source)

    # -- one request and its candidate ---------------------------------------------------------------
    def _parents(self, ids: Sequence[str]) -> list[Parent]:
        out = []
        for i in ids:
            c = self.store[i]
            assert c.train.fitness is not None
            out.append(Parent(c.code, c.train.fitness, c.train.per_class))
        return out

    def _request_seed(self, gen: int, island: int, slot: int, round_: int) -> int:
        purpose = "request" if round_ == 0 else "repair"
        return int(rng_for(self.config.seed, gen, island, slot, purpose).integers(0, 2**31 - 1))

    async def _ask(
        self,
        journal: Journal,
        client: ChatClient,
        slot: int,
        gen: int,
        island: int,
        operator: str,
        parents: list[str],
        round_: int,
        failed: tuple[str, Failure] | None = None,
    ) -> tuple[str | None, dict[str, JsonValue]]:
        """Send one request (or replay it); returns the answer text (None on a transport failure)."""
        cfg = self.config
        req = f"{slot}.{round_}"
        messages = build_messages(
            self.ctx, operator, self._parents(parents), *(failed if failed else (None, None))
        )
        prompt_text = json.dumps(messages, ensure_ascii=False, indent=1)
        request_seed = self._request_seed(gen, island, slot, round_)

        def request() -> tuple[dict[str, JsonValue], dict[str, JsonValue]]:
            prompt_sha = store_text(self.dir / "prompts", prompt_text)
            reserved = self._reserve(len(prompt_text))
            return {
                "req": req,
                "operator": operator,
                "parents": list(parents),
                "prompt_sha": prompt_sha[:16],
                "prompt_chars": len(prompt_text),
                "temperature": cfg.temperature,
                "seed": request_seed,
                "max_tokens": cfg.max_tokens_per_call,
                "reserved_cost": reserved,
                "template": TEMPLATE_HASH,
            }, {}

        journal.emit("llm_request", request, slot=slot, gen=gen, island=island)
        self.budget.samples += 1

        async def call() -> tuple[dict[str, JsonValue], dict[str, JsonValue], str | None]:
            params: dict[str, JsonValue] = {
                "model": cfg.model,
                "messages": messages,  # type: ignore[dict-item]
                "max_tokens": cfg.max_tokens_per_call,
                "seed": request_seed,
            }
            if cfg.temperature is not None:
                params["temperature"] = cfg.temperature
            result = await client.complete(params, label=req)
            if not result.ok or result.body is None:
                data: dict[str, JsonValue] = {
                    "req": req,
                    "status": "error",
                    "error_class": result.error_class,
                    "error": result.error,
                    "finish_reason": None,
                    "prompt_tokens": 0,
                    "completion_tokens": 0,
                    "estimated": False,
                    "cost": 0.0,
                    "response_sha": None,
                }
                return data, {"elapsed_s": result.elapsed_s}, None
            choice = result.body["choices"][0]
            message = choice.get("message") if isinstance(choice, dict) else None
            content = message.get("content") if isinstance(message, dict) else None
            text = content if isinstance(content, str) else ""
            usage = usage_of(result.body)
            estimated = usage["prompt_tokens"] is None or usage["completion_tokens"] is None
            prompt_tokens = usage["prompt_tokens"] or math.ceil(len(prompt_text) / 4)
            completion_tokens = usage["completion_tokens"] or math.ceil(len(text) / 4)
            response_sha = store_text(self.dir / "responses", text)
            data = {
                "req": req,
                "status": "ok",
                "finish_reason": choice.get("finish_reason") if isinstance(choice, dict) else None,
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "estimated": estimated,
                "cost": self._cost(prompt_tokens, completion_tokens),
                "response_sha": response_sha[:16],
            }
            return data, {"latency_s": result.latency_s, "elapsed_s": result.elapsed_s}, text

        if journal.has_logged("llm_response"):
            event = journal.emit("llm_response", lambda: ({}, {}), slot=slot, gen=gen, island=island)
            text = None
            if event["status"] == "ok":
                text = (self.dir / "responses" / f"{event['response_sha']}.txt").read_text(encoding="utf-8")
        else:
            data, timing, text = await call()
            event = journal.emit("llm_response", lambda: (data, timing), slot=slot, gen=gen, island=island)
        tokens = event["prompt_tokens"] + event["completion_tokens"]  # type: ignore[operator]
        self.budget.tokens += int(tokens)
        self.budget.cost += float(event.get("cost") or 0.0)  # type: ignore[arg-type]
        if event["status"] != "ok":
            self.budget.transport_streak += 1
            return None, event
        self.budget.transport_streak = 0
        return text, event

    def _reserve(self, prompt_chars: int) -> float:
        if self.prices is None:
            return 0.0
        return self._cost(math.ceil(prompt_chars / 4), self.config.max_tokens_per_call)

    def _cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        if self.prices is None:
            return 0.0
        return round(
            prompt_tokens * self.prices["input_per_1m"] / 1e6
            + completion_tokens * self.prices["output_per_1m"] / 1e6,
            8,
        )

    def _candidate(
        self,
        journal: Journal,
        text: str,
        req: str,
        slot: int,
        gen: int,
        island: int,
        operator: str,
        parents: list[str],
    ) -> tuple[dict[str, JsonValue], str | None]:
        """Extract, check, deduplicate and score the answer (or replay its event); returns the event and code."""
        code = extract_code(text)
        entry = entry_function(self.config.interface)

        def compute() -> tuple[dict[str, JsonValue], dict[str, JsonValue]]:
            if self.config.static_checks:
                failure = static_check(code, entry, max_chars=self.config.max_code_chars)
            else:
                failure = parse_check(code)
            base: dict[str, JsonValue] = {
                "req": req,
                "parents": list(parents),
                "operator": operator,
                "idea": idea_of(code or ""),
            }
            if failure is not None or code is None:
                assert failure is not None
                return {
                    **base,
                    "id": None if code is None else code_id(code),
                    "ast_hash": None if code is None else ast_hash(code),
                    "status": "rejected",
                    "failure": failure.to_dict(),
                    "train": None,
                    "code_chars": len(code or ""),
                }, {}
            cid, digest = code_id(code), ast_hash(code)
            assert digest is not None
            if digest in self.by_ast or digest in self.failed_ast:
                original, failed = self.by_ast.get(digest), None
                if original is None:
                    original, failed = self.failed_ast[digest]
                return {
                    **base,
                    "id": cid,
                    "ast_hash": digest,
                    "status": "duplicate",
                    "duplicate_of": original,
                    "failure": failed,
                    "train": None,
                    "code_chars": len(code),
                }, {}
            score = self._evaluate(cid, code, operator, parents)
            return {
                **base,
                "id": cid,
                "ast_hash": digest,
                "status": "valid" if score.valid else "invalid",
                "failure": None if score.failure is None else score.failure.to_dict(),
                "train": self._train_metrics(score) if score.valid else None,
                "code_chars": len(code),
            }, {"eval_s": round(score.seconds, 4)}

        event = journal.emit("candidate", compute, slot=slot, gen=gen, island=island)
        status = event["status"]
        if status in ("valid", "invalid"):
            self.budget.evals += 1
        if status == "duplicate":
            self.budget.duplicates += 1
        if status == "invalid":
            self.failed_ast.setdefault(str(event["ast_hash"]), (str(event["id"]), event["failure"]))
        if status in ("invalid", "rejected"):
            self.budget.invalid += 1
            self.budget.invalid_streak += 1
            failure = event["failure"]
            assert isinstance(failure, dict)
            self.failures[str(failure["code"]).split(":")[0]] += 1
        elif status == "valid":
            self.budget.invalid_streak = 0
            assert code is not None and isinstance(event["id"], str)
            train = Score.from_metrics(event["train"])  # type: ignore[arg-type]
            cand = Candidate(
                event["id"], code, str(event["ast_hash"]), train, operator, list(parents), slot=slot
            )
            self._add(cand)
            if self.config.strategy != "random":
                self._insert(island, cand)
        return event, code

    # -- validation --------------------------------------------------------------------------------
    def _validate(self, journal: Journal, round_: int, gen: int | None) -> None:
        pool = sorted((c for c in self.store.values() if c.train.valid), key=Candidate.key)
        top: list[Candidate] = []
        seen: set[tuple[int, ...]] = set()
        for c in pool:
            if c.cluster not in seen:
                seen.add(c.cluster)
                top.append(c)
            if len(top) >= self.config.val_top:
                break
        todo = [c for c in top if c.id not in self.validated]

        def compute() -> tuple[dict[str, JsonValue], dict[str, JsonValue]]:
            rows: list[JsonValue] = []
            seconds = 0.0
            for c in todo:
                score = score_plugin(str(self.dir / "candidates" / f"{c.id}.py"), self.val, self.limits)
                seconds += score.seconds
                rows.append(
                    {
                        "id": c.id,
                        "val_fitness": score.fitness,
                        "train_fitness": c.train.fitness,
                        "failure": None if score.failure is None else score.failure.to_dict(),
                        "per_class": score.per_class,  # type: ignore[dict-item]
                        "paper_gap": score.paper_gap,
                    }
                )
            scored = {**self.validated, **{r["id"]: r["val_fitness"] for r in rows}}  # type: ignore[index]
            best = _best_val(scored, self.store)
            return {"round": round_, "final": gen is None, "candidates": rows, "best_val_id": best}, {
                "eval_s": round(seconds, 4)
            }

        event = journal.emit("validation", compute, slot=None, gen=gen)
        before = self.best_val
        for row in event["candidates"]:  # type: ignore[union-attr]
            self.validated[row["id"]] = row["val_fitness"]  # type: ignore[index]
            self.budget.evals += 1
        best = _best_val(self.validated, self.store)
        self.best_val = None if best is None else self.validated[best]
        self.budget.val_rounds += 1
        improved = self.best_val is not None and (before is None or self.best_val < before - 1e-12)
        self.budget.val_stale = 0 if improved else self.budget.val_stale + 1

    def pick(self) -> str | None:
        return _best_val(self.validated, self.store)

    # -- stop rules --------------------------------------------------------------------------------
    def _stop_reason(self) -> str | None:
        cfg, b = self.config, self.budget
        reserve = self._reserve(4 * 2000) if self.prices else 0.0
        checks = (
            ("max_samples", b.samples >= cfg.stop.max_samples),
            ("max_evals", cfg.stop.max_evals is not None and b.evals >= cfg.stop.max_evals),
            (
                "max_tokens",
                cfg.stop.max_tokens is not None and b.tokens + cfg.max_tokens_per_call > cfg.stop.max_tokens,
            ),
            ("max_cost", cfg.stop.max_cost is not None and b.cost + reserve > cfg.stop.max_cost),
            (
                "max_wall",
                cfg.stop.max_wall_s is not None and time.monotonic() - self.started >= cfg.stop.max_wall_s,
            ),
            ("patience", cfg.stop.patience is not None and b.val_stale >= cfg.stop.patience),
            (
                "target_gap",
                cfg.stop.target_gap is not None
                and self.best_val is not None
                and self.best_val <= cfg.stop.target_gap,
            ),
            (
                "invalid_streak",
                cfg.stop.max_invalid_streak > 0 and b.invalid_streak >= cfg.stop.max_invalid_streak,
            ),
            (
                "transport_failures",
                cfg.stop.max_transport_failures > 0 and b.transport_streak >= cfg.stop.max_transport_failures,
            ),
        )
        return next((name for name, hit in checks if hit), None)

    def _generation_event(self, journal: Journal, gen: int, slot: int) -> None:
        def compute() -> tuple[dict[str, JsonValue], dict[str, JsonValue]]:
            islands: list[JsonValue] = []
            for members in self.islands:
                best = self.store[members[0]]
                islands.append({"best_id": best.id, "best_fitness": best.train.fitness, "size": len(members)})
            return {
                "islands": islands,
                "budget": self.budget.to_json(),
                "invalid_by_code": dict(sorted(self.failures.items())),
            }, {"wall_s": round(time.monotonic() - self.started, 3)}

        journal.emit("generation", compute, slot=slot, gen=gen)

    def _migrate(self) -> None:
        bests = [self.store[m[0]] for m in self.islands]
        for k, best in enumerate(bests):
            self._insert((k + 1) % len(self.islands), best)

    # -- the main loop -----------------------------------------------------------------------------
    async def _loop(self, journal: Journal, client: ChatClient) -> str:
        cfg = self.config
        per_gen = cfg.islands * cfg.pop_size
        slot = 0
        while True:
            reason = self._stop_reason()
            if reason:
                return reason
            gen, island = slot // per_gen, slot % cfg.islands
            operator, parents = self._choose(slot, gen, island)
            text, response = await self._ask(journal, client, slot, gen, island, operator, parents, 0)
            if text is not None:
                event, code = self._candidate(
                    journal, text, str(response["req"]), slot, gen, island, operator, parents
                )
                failure = event["failure"]
                if (
                    cfg.repair
                    and event["status"] in ("invalid", "rejected")
                    and code is not None
                    and isinstance(failure, dict)
                    and failure["code"] != "no_code"
                    and self._stop_reason() is None
                ):
                    failed = (
                        code,
                        Failure(str(failure["code"]), str(failure["detail"]), failure["instance_class"]),
                    )  # type: ignore[arg-type]
                    text, response = await self._ask(
                        journal, client, slot, gen, island, REPAIR, parents, 1, failed
                    )
                    if text is not None:
                        self._candidate(
                            journal, text, str(response["req"]), slot, gen, island, REPAIR, parents
                        )
            slot += 1
            if slot % per_gen == 0:
                done = slot // per_gen
                if cfg.strategy == "evolve" and cfg.islands > 1 and done % cfg.migrate_every == 0:
                    self._migrate()
                self._generation_event(journal, done - 1, slot)
                if done % cfg.val_every == 0:
                    self._validate(journal, self.budget.val_rounds, done - 1)

    async def _main(self, journal: Journal) -> str:
        cfg = self.config
        key, _ = resolve_api_key(cfg.api_key_env)
        policy = RetryPolicy(max_attempts=cfg.max_attempts, total_deadline_s=cfg.deadline_s, max_delay_s=10.0)
        client = ChatClient(cfg.base_url, api_key=key, timeout_s=cfg.request_timeout_s, policy=policy)
        try:
            return await self._loop(journal, client)
        finally:
            await client.aclose()

    def execute(self) -> RunSummary:
        self.dir.mkdir(parents=True, exist_ok=True)
        with OutputLock.for_dir(self.dir):
            self._prepare()
            journal = Journal(self.dir / "events.jsonl", self.sandbox_level)
            try:
                self._seed(journal)
                reason = asyncio.run(self._main(journal))
                self._validate(journal, self.budget.val_rounds, None)
                pick = self.pick()

                def stop() -> tuple[dict[str, JsonValue], dict[str, JsonValue]]:
                    return {
                        "reason": reason,
                        "budget": self.budget.to_json(),
                        "pick": pick,
                        "pick_val": None if pick is None else self.validated[pick],
                        "invalid_by_code": dict(sorted(self.failures.items())),
                    }, {"wall_s": round(time.monotonic() - self.started, 3)}

                journal.emit("stop", stop)
            finally:
                journal.close()
            if pick is not None:
                best = self.dir / "best"
                write_text_atomic(best / "rule.py", (self.dir / "candidates" / f"{pick}.py").read_text())
        return RunSummary(
            str(self.dir),
            reason,
            pick,
            None if pick is None else self.validated[pick],
            self.budget.to_json(),
            self.sandbox_level,
            self.warnings,
            wall_s=round(time.monotonic() - self.started, 3),
        )


def _best_val(validated: Mapping[str, float | None], store: Mapping[str, Candidate]) -> str | None:
    scored = [(v, store[i].key(), i) for i, v in validated.items() if v is not None and i in store]
    return min(scored)[2] if scored else None


def run_discover(config: DiscoverConfig) -> RunSummary:
    """Start a run in an empty (or new) directory; runs the test split once at the end if given."""
    summary = Run(config, resume=False).execute()
    if config.test and summary.pick is not None:
        summary.test = run_test(config.run_dir)
    return summary


def resume_discover(
    run_dir: str, *, base_url: str | None = None, budgets: Mapping[str, JsonValue] | None = None
) -> RunSummary:
    """Resume a run: same configuration (budgets may be raised), logged steps replayed, the rest done."""
    config = read_run_config(run_dir)
    if base_url:
        config = replace(config, base_url=base_url)
    for name, value in (budgets or {}).items():
        if name not in BUDGET_FIELDS:
            raise SchedbenchError(f"{name} cannot change on resume (only budgets can)")
        if value is not None:
            config = replace(config, stop=replace(config.stop, **{name: value}))
    config = replace(config, run_dir=run_dir)
    summary = Run(config, resume=True).execute()
    if config.test and summary.pick is not None and not (Path(run_dir) / "test.json").exists():
        summary.test = run_test(run_dir)
    return summary
