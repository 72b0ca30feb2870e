"""The population of a discovery run: every scored candidate, the islands, and how parents are drawn.

An island keeps its best ``size`` programs, one per behavioural cluster (the vector of train objectives):
a program that behaves like a member replaces it only when it is better or as good and shorter, so each
cluster keeps its shortest program. Exact duplicates (the same normalised AST) are found by
:attr:`Population.by_ast` before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from schedbench.datasets.jsonl import JsonValue
from schedbench.discover.scoring import Score


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
        """Better first: train fitness, then the shorter code, then the id."""
        assert self.train.fitness is not None
        return (self.train.fitness, len(self.code), self.id)


class Population:
    """Every valid candidate by id, the normalised AST hashes already seen, and the islands."""

    def __init__(self, islands: int, size: int) -> None:
        self.size = size
        self.store: dict[str, Candidate] = {}
        self.by_ast: dict[str, str] = {}  # normalised AST hash -> the first candidate evaluated with it
        self.failed_ast: dict[str, tuple[str, JsonValue]] = {}  # ... of invalid ones: id and failure
        self.islands: list[list[str]] = [[] for _ in range(islands)]

    def add(self, cand: Candidate) -> None:
        self.store[cand.id] = cand
        self.by_ast.setdefault(cand.ast_hash, cand.id)

    def seen(self, digest: str) -> tuple[str, JsonValue] | None:
        """The earlier candidate with this normalised AST hash and its failure (None if it was valid)."""
        if digest in self.by_ast:
            return self.by_ast[digest], None
        return self.failed_ast.get(digest)

    def insert(self, island: int, cand: Candidate) -> bool:
        """Put ``cand`` on the island if it earns a place; returns whether it did."""
        members = [self.store[i] for i in self.islands[island]]
        same = [m for m in members if m.cluster == cand.cluster]
        if same:
            if same[0].key() <= cand.key():
                return False
            members.remove(same[0])
        members.append(cand)
        members.sort(key=Candidate.key)
        self.islands[island] = [m.id for m in members[: self.size]]
        return cand.id in self.islands[island]

    def best(self, island: int) -> Candidate:
        return self.store[self.islands[island][0]]

    def rank_pick(self, rng: np.random.Generator, island: int, k: int) -> list[str]:
        """k distinct parents of the island by rank (p proportional to 1 / (rank + 1 + N)), worst to best."""
        ranked = sorted(self.islands[island], key=lambda i: self.store[i].key())
        n = len(ranked)
        weights = np.array([1.0 / (r + 1 + n) for r in range(n)])
        k = min(k, n)
        picks = rng.choice(n, size=k, replace=False, p=weights / weights.sum())
        return [ranked[int(r)] for r in sorted(picks, reverse=True)]

    def migrate(self) -> None:
        """Each island's best moves to the next island (a ring)."""
        bests = [self.best(k) for k in range(len(self.islands))]
        for k, best in enumerate(bests):
            self.insert((k + 1) % len(self.islands), best)

    def snapshot(self) -> list[JsonValue]:
        """The islands as ``state/gen-<g>.json`` stores them: members best first with fitness and length."""
        return [
            [
                {"id": c.id, "fitness": c.train.fitness, "code_chars": len(c.code), "operator": c.operator}
                for c in (self.store[i] for i in members)
            ]
            for members in self.islands
        ]


def best_validated(validated: Mapping[str, float | None], store: Mapping[str, Candidate]) -> str | None:
    """The id with the best validation fitness (ties: better train key)."""
    scored = [(v, store[i].key(), i) for i, v in validated.items() if v is not None and i in store]
    return min(scored)[2] if scored else None
