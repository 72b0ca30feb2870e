"""Random streams for the generators: seeded numpy streams and Taillard's Lehmer generator."""

from __future__ import annotations

import secrets

import numpy as np

from schedbench.problems.errors import SchedbenchError

# Park-Miller "minimal standard" constants as printed in Taillard (1993): x <- a*x mod m,
# computed with Schrage's method (m = a*b + c) so it never overflows 32-bit arithmetic.
LEHMER_A = 16807
LEHMER_B = 127773
LEHMER_C = 2836
LEHMER_M = 2**31 - 1


class TaillardRandom:
    """Taillard's generator: ``unif(seed, low, high)`` draws an integer in ``[low, high]``."""

    def __init__(self, seed: int) -> None:
        if not 0 < seed < LEHMER_M:
            raise SchedbenchError(f"a Taillard seed must lie in 1..{LEHMER_M - 1}, got {seed}")
        self.seed = seed

    def unif(self, low: int, high: int) -> int:
        k = self.seed // LEHMER_B
        self.seed = LEHMER_A * (self.seed % LEHMER_B) - k * LEHMER_C
        if self.seed < 0:
            self.seed += LEHMER_M
        value_0_1 = self.seed / LEHMER_M
        return low + int(value_0_1 * (high - low + 1))


def check_seed(seed: int | None, *, what: str = "seed") -> int:
    """A non-negative integer seed; ``None`` draws a fresh one (recorded by the caller in ``meta``)."""
    if seed is None:
        return secrets.randbits(32)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise SchedbenchError(f"{what} must be a non-negative integer, got {seed!r}")
    return int(seed)


def stream(seed: int, *key: int) -> np.random.Generator:
    """An independent numpy stream for ``(seed, *key)``; the same arguments give the same stream."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
