"""A real Dask cluster on 127.0.0.1 for the tests: `local_client()` starts N worker processes (one
thread each unless told) and yields a Client; the tests that need one skip when Dask is not installed."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

NEEDS_DASK = 'Dask is not installed (pip install "schedbench[dask]")'


def distributed() -> Any:
    """The distributed module, or a skip of the calling test."""
    return pytest.importorskip("distributed", reason=NEEDS_DASK)


@contextmanager
def local_client(
    n_workers: int = 2, threads_per_worker: int = 1, config: dict[str, Any] | None = None, **kwargs: Any
) -> Iterator[Any]:
    """A LocalCluster of real worker processes and its Client; ``config`` sets Dask options for the
    scheduler (it runs in this process), e.g. ``{"distributed.scheduler.allowed-failures": 0}``."""
    dist = distributed()
    import dask

    with dask.config.set(config or {}):
        cluster = dist.LocalCluster(
            n_workers=n_workers,
            threads_per_worker=threads_per_worker,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
            **kwargs,
        )
        client = dist.Client(cluster)
        try:
            yield client
        finally:
            client.close()
            cluster.close()
