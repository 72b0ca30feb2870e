"""Layered precedence DAGs whose transitive reduction has exactly k edges, grown one edge at a time.

The edge set is kept equal to its own transitive reduction: a candidate ``i -> j`` is accepted only
if no path ``i ~> j`` exists yet (else it would be redundant) *and* no existing edge ``u -> v`` has
``u ~> i`` and ``j ~> v`` (else that older edge would become redundant). Both tests only get stricter
as edges are added, so one pass over a shuffled candidate list suffices. Reachability is kept as
Python-int bitsets (ancestors and descendants of every node).
"""

from __future__ import annotations

import numpy as np


def _bits(mask: int):
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def balanced_layers(rng: np.random.Generator, tasks: int, layers: int) -> np.ndarray:
    """A random assignment of tasks to ``layers`` layers whose sizes differ by at most one."""
    return rng.permutation(np.arange(tasks) * layers // tasks)


def grow_reduced_chain(layer_of: np.ndarray, order: np.ndarray, max_edges: int) -> list[tuple[int, int]]:
    """Accept candidate edges in ``order`` (indices into the forward pairs) until ``max_edges`` are kept.

    Returns the accepted edges in acceptance order; the first ``k`` of them form a DAG whose transitive
    reduction is exactly those ``k`` edges. May return fewer when the candidates run out.
    """
    n = len(layer_of)
    src, dst = forward_pairs(layer_of)
    succ = [0] * n
    anc = [0] * n  # strict ancestors
    desc = [0] * n  # strict descendants
    chain: list[tuple[int, int]] = []
    for idx in order.tolist():
        if len(chain) >= max_edges:
            break
        i, j = int(src[idx]), int(dst[idx])
        if desc[i] >> j & 1:
            continue
        up = anc[i] | (1 << i)
        down = desc[j] | (1 << j)
        if any(succ[u] & down for u in _bits(up)):
            continue
        succ[i] |= 1 << j
        for u in _bits(up):
            desc[u] |= down
        for v in _bits(down):
            anc[v] |= up
        chain.append((i, j))
    return chain


def forward_pairs(layer_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ``(i, j)`` with ``layer_of[i] < layer_of[j]``, in a fixed order."""
    src, dst = np.nonzero(layer_of[:, None] < layer_of[None, :])
    return src, dst


def descendants(n: int, edges: list[tuple[int, int]], topo: np.ndarray) -> list[int]:
    """Strict-descendant bitsets of every node, given a topological order ``topo``."""
    succ: list[list[int]] = [[] for _ in range(n)]
    for i, j in edges:
        succ[i].append(j)
    desc = [0] * n
    for i in reversed(topo.tolist()):
        mask = 0
        for j in succ[i]:
            mask |= desc[j] | (1 << j)
        desc[i] = mask
    return desc
