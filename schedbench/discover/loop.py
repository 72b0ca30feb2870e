"""The discovery loop: steady-state islands, EoH-style operators, one repair round, validation, stop rules.

Every choice is drawn from ``numpy.random.default_rng([seed, gen, island, slot, purpose])``, so nothing
random needs saving. Requests go out in waves of up to ``--concurrency``, all chosen from the population
as it stands before the wave (a wave never crosses a generation), and their answers are scored in slot
order, so the run does not depend on which answer arrives first. Each step (a seed scored, a request
sent, an answer received, a candidate scored, a generation closed, a validation round, the stop) is one
line of ``events.jsonl``; resuming a run re-runs the loop from the start and, for each step already in the
log, takes the logged result instead of doing the work again, so a killed and resumed run makes the same
choices and writes the same events (timestamps and timings aside) as an uninterrupted one.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from schedbench import __version__
from schedbench.datasets.executors import Engine
from schedbench.datasets.files import write_text_atomic
from schedbench.datasets.jsonl import JsonValue
from schedbench.datasets.labels import instance_size
from schedbench.datasets.locks import OutputLock
from schedbench.discover.asking import Asker, Request
from schedbench.discover.budget import NOTHING, Budget, Reservation, stop_reason
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
from schedbench.discover.journal import Journal
from schedbench.discover.population import Candidate, Population, best_validated
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
from schedbench.llm_eval.cache import ResponseCache
from schedbench.llm_eval.client import ChatClient, RetryPolicy, resolve_api_key
from schedbench.llm_eval.manifest import load_price_table
from schedbench.problems import SchedbenchError, SmttInstance
from schedbench.records.discover import DISCOVER_RUN

_PURPOSE = {"operator": 1, "parents": 2, "request": 3, "repair": 4}


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

    def __init__(
        self, config: DiscoverConfig, *, resume: bool, executor: Engine | Executor | None = None
    ) -> None:
        config.check()
        self.config = config
        self.executor = executor  # where candidates' instances run (None: here, one by one)
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
        prices = load_price_table(config.price_table, config.model) if config.price_table else None
        if config.stop.max_cost is not None and prices is None:
            raise SchedbenchError("--max-cost needs --price-table", field="--max-cost")
        self.asker = Asker(config, self.dir, prices)
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
        size = 1 if config.strategy == "hillclimb" else config.pop_size
        self.pop = Population(config.islands, size)
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
        for sub in ("prompts", "responses", "candidates", "state"):
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
        return metrics  # type: ignore[return-value]

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
        return score_plugin(str(path), self.train, self.limits, executor=self.executor)

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
                    "failure": failure,  # type: ignore[dict-item]
                    "train": self._train_metrics(score) if score.valid else None,
                }
                return data, {"eval_s": round(score.seconds, 4)}

            event = journal.emit("seed", compute)
            if event["status"] != "valid":
                raise SchedbenchError(f"seed rule {seed.name} fails on the train split: {event['failure']}")
            train = Score.from_metrics(event["train"])  # type: ignore[arg-type]
            cand = Candidate(cid, seed.source, ast_hash(seed.source) or cid, train, "seed", [], seed.builtin)
            self.pop.add(cand)
            for island in range(self.config.islands):
                self.pop.insert(island, cand)
            self.budget.evals += 1

    # -- choosing ----------------------------------------------------------------------------------
    def _choose(self, slot: int, gen: int, island: int) -> tuple[str, list[str]]:
        cfg = self.config
        if cfg.strategy == "random":
            seed = next(s for s in self.seeds if s.name == cfg.seed_rule)
            return "e1", [code_id(seed.source)]
        if cfg.strategy == "hillclimb":
            return "m1", [self.pop.best(island).id]
        ops = [op for op in OPERATORS if cfg.operator_weights.get(op, 0) > 0]
        weights = np.array([cfg.operator_weights[op] for op in ops])
        operator = ops[
            int(rng_for(cfg.seed, gen, island, slot, "operator").choice(len(ops), p=weights / weights.sum()))
        ]
        k = 2 if operator in ("e1", "e2") else 1
        if operator == "e2" and len(self.pop.islands[island]) < 2:
            operator, k = "m1", 1
        return operator, self.pop.rank_pick(rng_for(cfg.seed, gen, island, slot, "parents"), island, k)

    def _request(
        self,
        slot: int,
        gen: int,
        island: int,
        operator: str,
        parents: list[str],
        failed: tuple[str, Failure] | None = None,
    ) -> Request:
        """The request of a slot (round 0) or of its repair (round 1, with the failed code)."""
        shown = []
        for i in parents:
            c = self.pop.store[i]
            assert c.train.fitness is not None
            shown.append(Parent(c.code, c.train.fitness, c.train.per_class))
        messages = build_messages(self.ctx, operator, shown, *(failed if failed else (None, None)))
        round_ = 0 if failed is None else 1
        purpose = "request" if round_ == 0 else "repair"
        seed = int(rng_for(self.config.seed, gen, island, slot, purpose).integers(0, 2**31 - 1))
        return self.asker.request(slot, gen, island, round_, operator, parents, messages, seed)

    def _stop(self, reserved: Reservation = NOTHING) -> str | None:
        return stop_reason(
            self.config.stop,
            self.budget,
            elapsed_s=time.monotonic() - self.started,
            best_val=self.best_val,
            reserved=reserved,
        )

    def _fits(
        self, journal: Journal, planned: list[Request], round_: int
    ) -> tuple[list[Request], str | None]:
        """The planned requests that go out: on resume those the log has (it says what was sent), else
        those the budget lets go out together (their worst case reserved), with the reason it stopped."""
        logged = journal.logged_requests()
        if logged is not None:
            reqs = set()
            for e in logged:
                if not str(e["req"]).endswith(f".{round_}"):
                    break
                reqs.add(str(e["req"]))
            if reqs or round_ == 1:
                return [r for r in planned if r.req in reqs], None
        out: list[Request] = []
        reserved = NOTHING
        for r in planned:
            reason = self._stop(reserved + r.reservation)
            if reason is not None:
                return out, reason
            out.append(r)
            reserved = reserved + r.reservation
        return out, None

    # -- requests and their candidates -------------------------------------------------------------
    async def _exchange(self, journal: Journal, wave: list[Request]) -> list[str | None]:
        """Log the wave's requests, send them together, log the answers in slot order; their texts."""
        for r in wave:
            journal.emit(
                "llm_request",
                lambda r=r: (self.asker.request_fields(r), {}),  # type: ignore[misc]
                slot=r.slot,
                gen=r.gen,
                island=r.island,
            )
            self.budget.samples += 1
        todo = [r for r in wave if not journal.has_answer(r.req)]
        answers = dict(zip([r.req for r in todo], await asyncio.gather(*(self.asker.call(r) for r in todo))))
        texts: list[str | None] = []
        for r in wave:
            data, timing, text = answers.get(r.req, ({}, {}, None))
            event = journal.emit(
                "llm_response", lambda d=data, t=timing: (d, t), slot=r.slot, gen=r.gen, island=r.island
            )
            if r.req not in answers:
                text = self.asker.logged_text(event)
            self.budget.tokens += int(event["prompt_tokens"]) + int(event["completion_tokens"])  # type: ignore[arg-type]
            self.budget.cost += float(event.get("cost") or 0.0)  # type: ignore[arg-type]
            self.budget.transport_streak = 0 if event["status"] == "ok" else self.budget.transport_streak + 1
            texts.append(text if event["status"] == "ok" else None)
        return texts

    def _candidate(self, journal: Journal, text: str, r: Request) -> tuple[dict[str, JsonValue], str | None]:
        """Extract, check, deduplicate and score the answer (or replay its event); returns the event and code."""
        code = extract_code(text)
        entry = entry_function(self.config.interface)
        operator, parents = r.operator, list(r.parents)

        def compute() -> tuple[dict[str, JsonValue], dict[str, JsonValue]]:
            if self.config.static_checks:
                failure = static_check(code, entry, max_chars=self.config.max_code_chars)
            else:
                failure = parse_check(code)
            base: dict[str, JsonValue] = {
                "req": r.req,
                "parents": parents,  # type: ignore[dict-item]
                "operator": operator,
                "idea": idea_of(code or ""),
                "code_chars": len(code or ""),
            }
            if failure is not None or code is None:
                assert failure is not None
                return {
                    **base,
                    "id": None if code is None else code_id(code),
                    "ast_hash": None if code is None else ast_hash(code),
                    "status": "rejected",
                    "failure": failure.to_dict(),  # type: ignore[dict-item]
                    "train": None,
                }, {}
            cid, digest = code_id(code), ast_hash(code)
            assert digest is not None
            earlier = self.pop.seen(digest)
            if earlier is not None:
                return {
                    **base,
                    "id": cid,
                    "ast_hash": digest,
                    "status": "duplicate",
                    "duplicate_of": earlier[0],
                    "failure": earlier[1],
                    "train": None,
                }, {}
            score = self._evaluate(cid, code, operator, parents)
            return {
                **base,
                "id": cid,
                "ast_hash": digest,
                "status": "valid" if score.valid else "invalid",
                "failure": None if score.failure is None else score.failure.to_dict(),  # type: ignore[dict-item]
                "train": self._train_metrics(score) if score.valid else None,
            }, {"eval_s": round(score.seconds, 4)}

        event = journal.emit("candidate", compute, slot=r.slot, gen=r.gen, island=r.island)
        status = event["status"]
        if status in ("valid", "invalid"):
            self.budget.evals += 1
        if status == "duplicate":
            self.budget.duplicates += 1
        if status == "invalid":
            self.pop.failed_ast.setdefault(str(event["ast_hash"]), (str(event["id"]), event["failure"]))
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
            cand = Candidate(event["id"], code, str(event["ast_hash"]), train, operator, parents, slot=r.slot)
            self.pop.add(cand)
            if self.config.strategy != "random":
                self.pop.insert(r.island, cand)
        return event, code

    async def _wave(self, journal: Journal, slot: int, end: int) -> tuple[int, str | None]:
        """Plan, send and score one wave from ``slot`` (at most to ``end``), then its repairs; the
        number of slots it used, and the stop rule that held it back when it used none."""
        planned = []
        for s in range(slot, min(end, slot + self.config.concurrency)):
            gen, island = s // (self.config.islands * self.config.pop_size), s % self.config.islands
            planned.append(self._request(s, gen, island, *self._choose(s, gen, island)))
        wave, reason = self._fits(journal, planned, 0)
        if not wave:
            return 0, reason
        repairs = []
        for r, text in zip(wave, await self._exchange(journal, wave)):
            if text is None:
                continue
            event, code = self._candidate(journal, text, r)
            failure = event["failure"]
            if (
                self.config.repair
                and event["status"] in ("invalid", "rejected")
                and code is not None
                and isinstance(failure, dict)
                and failure["code"] != "no_code"
            ):
                why = Failure(str(failure["code"]), str(failure["detail"]), failure["instance_class"])  # type: ignore[arg-type]
                repairs.append(self._request(r.slot, r.gen, r.island, REPAIR, list(r.parents), (code, why)))
        repairs, _ = self._fits(journal, repairs, 1)
        for r, text in zip(repairs, await self._exchange(journal, repairs)):
            if text is not None:
                self._candidate(journal, text, r)
        return len(wave), None

    # -- validation --------------------------------------------------------------------------------
    def _validate(self, journal: Journal, round_: int, gen: int | None) -> None:
        pool = sorted((c for c in self.pop.store.values() if c.train.valid), key=Candidate.key)
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
                score = score_plugin(
                    str(self.dir / "candidates" / f"{c.id}.py"), self.val, self.limits, executor=self.executor
                )
                seconds += score.seconds
                rows.append(
                    {
                        "id": c.id,
                        "val_fitness": score.fitness,
                        "train_fitness": c.train.fitness,
                        "failure": None if score.failure is None else score.failure.to_dict(),  # type: ignore[dict-item]
                        "per_class": score.per_class,  # type: ignore[dict-item]
                        "paper_gap": score.paper_gap,
                    }
                )
            scored = {**self.validated, **{r["id"]: r["val_fitness"] for r in rows}}  # type: ignore[index]
            best = best_validated(scored, self.pop.store)  # type: ignore[arg-type]
            return {"round": round_, "final": gen is None, "candidates": rows, "best_val_id": best}, {
                "eval_s": round(seconds, 4)
            }

        event = journal.emit("validation", compute, slot=None, gen=gen)
        before = self.best_val
        for row in event["candidates"]:  # type: ignore[union-attr]
            self.validated[row["id"]] = row["val_fitness"]  # type: ignore[index]
            self.budget.evals += 1
        best = best_validated(self.validated, self.pop.store)
        self.best_val = None if best is None else self.validated[best]
        self.budget.val_rounds += 1
        improved = self.best_val is not None and (before is None or self.best_val < before - 1e-12)
        self.budget.val_stale = 0 if improved else self.budget.val_stale + 1

    def pick(self) -> str | None:
        return best_validated(self.validated, self.pop.store)

    def _generation(self, journal: Journal, gen: int, slot: int) -> None:
        """Close a generation: its event, and the islands' snapshot in ``state/gen-<g>.json``."""

        def compute() -> tuple[dict[str, JsonValue], dict[str, JsonValue]]:
            islands: list[JsonValue] = []
            for k, members in enumerate(self.pop.islands):
                best = self.pop.best(k)
                islands.append({"best_id": best.id, "best_fitness": best.train.fitness, "size": len(members)})
            return {
                "islands": islands,
                "budget": self.budget.to_json(),
                "invalid_by_code": dict(sorted(self.failures.items())),
            }, {"wall_s": round(time.monotonic() - self.started, 3)}

        journal.emit("generation", compute, slot=slot, gen=gen)
        text = json.dumps({"gen": gen, "slot": slot, "islands": self.pop.snapshot()}, indent=1) + "\n"
        write_text_atomic(self.dir / "state" / f"gen-{gen}.json", text)
        write_text_atomic(self.dir / "state" / "latest.json", text)

    # -- the main loop -----------------------------------------------------------------------------
    async def _loop(self, journal: Journal) -> str:
        cfg = self.config
        per_gen = cfg.islands * cfg.pop_size
        slot = 0
        while True:
            reason = self._stop()
            if reason:
                return reason
            used, held = await self._wave(journal, slot, (slot // per_gen + 1) * per_gen)
            if used == 0:
                return held or "max_samples"
            slot += used
            if slot % per_gen == 0:
                done = slot // per_gen
                if cfg.strategy == "evolve" and cfg.islands > 1 and done % cfg.migrate_every == 0:
                    self.pop.migrate()
                self._generation(journal, done - 1, slot)
                if done % cfg.val_every == 0:
                    self._validate(journal, self.budget.val_rounds, done - 1)

    async def _main(self, journal: Journal) -> str:
        cfg = self.config
        key, _ = resolve_api_key(cfg.api_key_env)
        policy = RetryPolicy(max_attempts=cfg.max_attempts, total_deadline_s=cfg.deadline_s, max_delay_s=10.0)
        self.asker.client = ChatClient(
            cfg.base_url, api_key=key, timeout_s=cfg.request_timeout_s, policy=policy
        )
        self.asker.cache = ResponseCache(self.dir / "cache.sqlite") if cfg.cache else None
        try:
            return await self._loop(journal)
        finally:
            await self.asker.client.aclose()
            if self.asker.cache is not None:
                self.asker.cache.close()

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
                        "invalid_by_code": dict(sorted(self.failures.items())),  # type: ignore[dict-item]
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


def run_discover(config: DiscoverConfig, *, executor: Engine | Executor | None = None) -> RunSummary:
    """Start a run in an empty (or new) directory; runs the test split once at the end if given.

    ``executor`` (an engine of :mod:`schedbench.datasets.executors` or any Executor) runs each candidate's
    instances side by side, on this machine or a cluster; the scores, and so the run, are the same."""
    summary = Run(config, resume=False, executor=executor).execute()
    if config.test and summary.pick is not None:
        summary.test = run_test(config.run_dir, executor=executor)
    return summary


def resume_discover(
    run_dir: str,
    *,
    base_url: str | None = None,
    budgets: Mapping[str, JsonValue] | None = None,
    executor: Engine | Executor | None = None,
) -> RunSummary:
    """Resume a run: same configuration (budgets may be raised), logged steps replayed, the rest done.

    A run resumed with larger budgets continues where it stopped: at ``concurrency`` 1 it writes what
    a run started with those budgets would have; with more, a wave the old budget cut short stays short."""
    config = read_run_config(run_dir)
    if base_url:
        config = replace(config, base_url=base_url)
    for name, value in (budgets or {}).items():
        if name not in BUDGET_FIELDS:
            raise SchedbenchError(f"{name} cannot change on resume (only budgets can)")
        if value is not None:
            config = replace(config, stop=replace(config.stop, **{name: value}))
    config = replace(config, run_dir=run_dir)
    summary = Run(config, resume=True, executor=executor).execute()
    if config.test and summary.pick is not None and not (Path(run_dir) / "test.json").exists():
        summary.test = run_test(run_dir, executor=executor)
    return summary
