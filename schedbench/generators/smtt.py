"""Single-machine total (weighted) tardiness instances after Potts & Van Wassenhove (1982).

``p ~ U{1..100}``, ``d ~ U[P(1-TF-RDD/2), P(1-TF+RDD/2)]`` with ``P = sum p`` (integers, clipped at 0),
optional weights ``U{1..10}``, ``per_class`` instances for every (TF, RDD) class.

``paper_compat=True`` mimics the numpy code behind the EDDC/MDDC paper (arXiv 2510.24013):
``p = int(U[1, 100))`` (so 1..99) and ``d = int(U[lo, hi))`` truncated toward zero, negatives kept.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from schedbench import __version__
from schedbench.generators._random import check_seed, stream
from schedbench.problems.base import INSTANCE_SCHEMA_ID
from schedbench.problems.errors import SchedbenchError

GENERATOR = "potts-vanwassenhove-1982-smtt"


def due_date_interval(total: int, tf: float, rdd: float) -> tuple[float, float]:
    """The real interval due dates are drawn from: ``[P(1-TF-RDD/2), P(1-TF+RDD/2)]``."""
    return total * (1 - tf - rdd / 2), total * (1 - tf + rdd / 2)


def parse_float_list(text: str, *, field: str) -> list[float]:
    """``"0.2,0.4,0.6"`` -> ``[0.2, 0.4, 0.6]``."""
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise SchedbenchError(
            f"cannot read {text!r}: give numbers separated by commas", field=field
        ) from None
    if not values:
        raise SchedbenchError("give at least one value", field=field)
    return values


def _draw(rng: np.random.Generator, jobs: int, tf: float, rdd: float, weighted: bool, paper_compat: bool):
    if paper_compat:
        p = rng.uniform(1, 100, jobs).astype(np.int64)
        lo, hi = due_date_interval(int(p.sum()), tf, rdd)
        d = rng.uniform(lo, hi, jobs).astype(np.int64)  # truncates toward zero
    else:
        p = rng.integers(1, 100, size=jobs, endpoint=True)
        lo, hi = due_date_interval(int(p.sum()), tf, rdd)
        low, high = math.ceil(lo), math.floor(hi)
        if low > high:  # RDD = 0 with a fractional P(1-TF): the interval holds no integer
            low = high = round((lo + hi) / 2)
        d = np.maximum(rng.integers(low, high, size=jobs, endpoint=True), 0)
    w = rng.integers(1, 10, size=jobs, endpoint=True) if weighted else None
    return p, d, w


def _check(jobs: int, tf: Sequence[float], rdd: Sequence[float], per_class: int) -> None:
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
        raise SchedbenchError(f"jobs must be a positive integer, got {jobs!r}", field="jobs")
    if isinstance(per_class, bool) or not isinstance(per_class, int) or per_class < 1:
        raise SchedbenchError(f"per-class must be a positive integer, got {per_class!r}", field="per_class")
    if not tf or not rdd:
        raise SchedbenchError("give at least one TF and one RDD value")
    for what, values in (("tf", tf), ("rdd", rdd)):
        for v in values:
            if not 0 <= v <= 1:
                raise SchedbenchError(f"{what} values must lie in [0, 1], got {v!r}", field=what)


def iter_smtt(
    *,
    jobs: int,
    tf: Sequence[float],
    rdd: Sequence[float],
    per_class: int,
    weighted: bool = False,
    paper_compat: bool = False,
    seed: int,
) -> Iterator[dict]:
    """Yield ``per_class`` instances for each (TF, RDD) class, RDD outer and TF inner (the smtt-paper order)."""
    tf, rdd = [float(t) for t in tf], [float(r) for r in rdd]
    _check(jobs, tf, rdd, per_class)
    seed = check_seed(seed)
    for ci, r in enumerate(rdd):
        for cj, t in enumerate(tf):
            for k in range(per_class):
                rng = stream(seed, ci, cj, k)
                p, d, w = _draw(rng, jobs, t, r, weighted, paper_compat)
                job_dicts = []
                for i in range(jobs):
                    job = {"name": f"J{i + 1}", "processing_time": int(p[i]), "due_date": int(d[i])}
                    if w is not None:
                        job["weight"] = int(w[i])
                    job_dicts.append(job)
                lo, hi = due_date_interval(int(p.sum()), t, r)
                yield {
                    "schema": INSTANCE_SCHEMA_ID,
                    "problem": "smtt",
                    "name": f"smtt_n{jobs}_tf{t:g}_rdd{r:g}_{k + 1}",
                    "jobs": job_dicts,
                    "meta": {
                        "generator": GENERATOR,
                        "schedbench_version": __version__,
                        "seed": seed,
                        "parameters": {
                            "jobs": jobs,
                            "tf": tf,
                            "rdd": rdd,
                            "per_class": per_class,
                            "weighted": weighted,
                            "paper_compat": paper_compat,
                        },
                        "tf": t,
                        "rdd": r,
                        "index": k,
                        "total_processing_time": int(p.sum()),
                        "due_date_interval": [lo, hi],
                    },
                }


def generate_smtt(**kwargs: Any) -> list[dict]:
    """The instances of :func:`iter_smtt` (same keyword arguments) as a list."""
    return list(iter_smtt(**kwargs))
