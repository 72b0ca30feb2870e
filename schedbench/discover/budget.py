"""What a run has spent, what its requests in flight may still spend, and which stop rule fires first.

Before a request is sent its worst case is reserved: the prompt's tokens (characters / 4) plus the full
``max_tokens_per_call`` completion, priced through the price table. A request goes out only when what is
spent plus every reservation in flight (its own included) stays within ``--max-tokens`` and ``--max-cost``,
so concurrent requests can never overshoot a cap.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from schedbench.datasets.jsonl import JsonValue
from schedbench.discover.config import StopRules


@dataclass
class Budget:
    """The run's counters (rebuilt from the events on resume)."""

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


@dataclass(frozen=True)
class Reservation:
    """The worst case of requests about to be in flight: their count, tokens and cost."""

    requests: int = 0
    tokens: int = 0
    cost: float = 0.0

    def __add__(self, other: Reservation) -> Reservation:
        return Reservation(
            self.requests + other.requests, self.tokens + other.tokens, round(self.cost + other.cost, 8)
        )


NOTHING = Reservation()


def cost_of(prices: Mapping[str, float] | None, prompt_tokens: int, completion_tokens: int) -> float:
    """USD of one call through the price table (0 without one)."""
    if prices is None:
        return 0.0
    return round(
        prompt_tokens * prices["input_per_1m"] / 1e6 + completion_tokens * prices["output_per_1m"] / 1e6, 8
    )


def worst_case(prices: Mapping[str, float] | None, prompt_chars: int, max_tokens: int) -> Reservation:
    """The reservation of one request: its prompt estimated at 4 characters a token, a full completion."""
    prompt_tokens = math.ceil(prompt_chars / 4)
    return Reservation(1, prompt_tokens + max_tokens, cost_of(prices, prompt_tokens, max_tokens))


def stop_reason(
    stop: StopRules,
    budget: Budget,
    *,
    elapsed_s: float,
    best_val: float | None,
    reserved: Reservation = NOTHING,
) -> str | None:
    """The first stop rule that forbids sending ``reserved`` on top of what is spent (None: send it).

    With an empty reservation this asks whether the run may go on at all."""
    b, r = budget, reserved
    checks = (
        ("max_samples", b.samples + max(r.requests, 1) > stop.max_samples),
        ("max_evals", stop.max_evals is not None and b.evals >= stop.max_evals),
        ("max_tokens", stop.max_tokens is not None and b.tokens + r.tokens > stop.max_tokens),
        ("max_cost", stop.max_cost is not None and b.cost + r.cost > stop.max_cost),
        ("max_wall", stop.max_wall_s is not None and elapsed_s >= stop.max_wall_s),
        ("patience", stop.patience is not None and b.val_stale >= stop.patience),
        ("target_gap", stop.target_gap is not None and best_val is not None and best_val <= stop.target_gap),
        ("invalid_streak", stop.max_invalid_streak > 0 and b.invalid_streak >= stop.max_invalid_streak),
        (
            "transport_failures",
            stop.max_transport_failures > 0 and b.transport_streak >= stop.max_transport_failures,
        ),
    )
    return next((name for name, hit in checks if hit), None)
