"""Where batch work runs: the local process pool (the default), a Dask cluster, or any Executor.

An :class:`Engine` submits tasks and knows how many can run at once (its slots). :func:`run_bounded`
drives any engine the same way: at most about 2 x slots tasks in flight, results handed back in the
order they finish, each future dropped as soon as its result is handed on. The caller (the client) keeps
the only state, the output file, so resuming works whatever engine ran the work.

A worker that dies (a crashed or killed local process: ``BrokenProcessPool``; a Dask worker lost more
often than the scheduler's ``allowed-failures``: ``KilledWorker``) does not stop the batch. Every task
that was in flight with it is a suspect and is run again alone; a task whose worker dies while it runs
alone is charged, and one charged ``Engine.lost_limit`` times comes back as a :class:`TaskFailure` (the
caller writes an ``error`` record) while the rest of the batch goes on.

``open_engine("local" | "dask-local" | "tcp://HOST:PORT" | "slurm" | "pbs" | "sge" | "lsf")`` builds the
engine behind ``--cluster``; Dask and dask-jobqueue are imported only here, only when asked for, and
their absence is a one-line error naming the extra to install.
"""

from __future__ import annotations

import functools
import os
import platform
import socket
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from schedbench.datasets.files import StrPath
from schedbench.datasets.workers import WorkerPool, worker_init
from schedbench.problems import SchedbenchError

R = TypeVar("R")

__all__ = [
    "CLUSTERS",
    "DaskEngine",
    "Engine",
    "ExecutorEngine",
    "LocalEngine",
    "TaskFailure",
    "as_engine",
    "cores_available",
    "jobqueue_cluster",
    "machine_info",
    "open_engine",
    "run_bounded",
]

JOBQUEUE = {"slurm": "SLURMCluster", "pbs": "PBSCluster", "sge": "SGECluster", "lsf": "LSFCluster"}
CLUSTERS = ("local", "dask-local", "tcp://HOST:PORT", *JOBQUEUE)
DASK_HINT = 'pip install "schedbench[dask]"'
HPC_HINT = 'pip install "schedbench[hpc]"'
SLOTS_REFRESH_S = 5.0


def cores_available() -> int:
    """The cores this process may run on (its CPU affinity, so a SLURM allocation, not the whole node)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


@functools.lru_cache(maxsize=1)
def machine_info() -> dict[str, str]:
    """``host`` and ``cpu_model`` of this machine, for the records it produces."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"host": socket.gethostname(), "cpu_model": model or platform.processor() or platform.machine()}


@dataclass(frozen=True)
class TaskFailure:
    """A task that produced no result: its worker kept dying (``lost``) or the task itself raised."""

    reason: str
    lost: bool = False


class Engine:
    """Runs tasks somewhere; subclasses say where. Use as a context manager: leaving by an exception
    (Ctrl-C, SIGTERM, an error) cancels what is pending and stops the workers the engine started."""

    name = "engine"
    lost_limit = 2  # times a task's worker may die while the task runs alone

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        raise NotImplementedError

    def slots(self) -> int:
        """How many tasks can run at once now."""
        raise NotImplementedError

    def check_threads(self, threads: int) -> None:
        """Refuse at once a batch whose tasks use ``threads`` cores each that no worker can take."""

    def is_lost(self, err: BaseException) -> bool:
        """True when ``err`` says the worker running the task died (not that the task raised)."""
        return False

    def close(self) -> None:
        """Release the workers after a normal end."""

    def terminate(self) -> None:
        """Cancel pending work and stop the workers now."""
        self.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.terminate()


class LocalEngine(Engine):
    """``jobs`` spawned processes on this machine (:class:`WorkerPool`); a crashed worker gets the pool
    replaced, not the batch aborted."""

    name = "local"

    def __init__(self, jobs: int = 1, *, initializer: Callable[[], None] = worker_init) -> None:
        if jobs < 1:
            raise SchedbenchError("--processes must be at least 1")
        self.jobs = jobs
        self.pool = WorkerPool(jobs, initializer=initializer)
        self._open = False

    def _ensure(self) -> WorkerPool:
        if not self._open:
            self.pool.__enter__()
            self._open = True
        return self.pool

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        pool = self._ensure()
        if pool.broken:
            pool.renew()
        return pool.submit(fn, *args)

    def slots(self) -> int:
        return self.jobs

    def check_threads(self, threads: int) -> None:
        cores = cores_available()
        if threads < 1:
            raise SchedbenchError("--threads-per-solve must be at least 1")
        if self.jobs * threads > cores:
            raise SchedbenchError(
                f"--processes {self.jobs} x --threads-per-solve {threads} = {self.jobs * threads} exceeds "
                f"the {cores} cores this process may use"
            )

    def is_lost(self, err: BaseException) -> bool:
        return isinstance(err, BrokenProcessPool)

    def close(self) -> None:
        if self._open:
            self._open = False
            self.pool.__exit__(None, None, None)

    def terminate(self) -> None:
        if self._open:
            self._open = False
            self.pool.terminate()


class ExecutorEngine(Engine):
    """Any ``concurrent.futures.Executor`` (a ``ProcessPoolExecutor``, ``Client.get_executor()``, an MPI
    or Ray adapter ...); the caller owns and shuts it down. A broken executor cannot be mended here, so
    a lost worker is charged at once."""

    name = "executor"
    lost_limit = 1

    def __init__(self, executor: Executor, slots: int | None = None) -> None:
        self.executor = executor
        self._slots = slots or getattr(executor, "_max_workers", None) or cores_available()

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        return self.executor.submit(fn, *args)

    def slots(self) -> int:
        return int(self._slots)

    def is_lost(self, err: BaseException) -> bool:
        return isinstance(err, BrokenProcessPool) or type(err).__name__ in (
            "KilledWorker",
            "WorkerCrashedError",
        )


class DaskEngine(Engine):
    """Tasks on a Dask cluster through ``client.get_executor(pure=False, ...)``.

    A task with W threads asks for the resource ``cpu=W`` when the workers advertise ``cpu`` (start them
    with ``--nthreads 1 --resources cpu=C``); otherwise each worker thread is one slot and the workers on a
    host must have W cores per thread. ``client`` is closed at the end, and so is ``cluster`` if given
    (the engine started it). Dask re-runs a task whose worker died; after ``allowed-failures`` it raises
    ``KilledWorker``, which counts once here.
    """

    name = "dask"
    lost_limit = 1

    def __init__(self, client: Any, *, cluster: Any = None, wait_s: float | None = 60.0) -> None:
        self.client = client
        self.cluster = cluster
        self.wait_s = wait_s
        self.threads = 1
        self._resources: dict[str, float] | None = None
        self._executor: Any = None
        self._slots = 0
        self._slots_at = 0.0

    def _workers(self) -> dict[str, Mapping[str, Any]]:
        try:
            info = self.client.scheduler_info(n_workers=-1)
        except TypeError:  # distributed before 2025.x lists every worker anyway
            info = self.client.scheduler_info()
        return dict(info.get("workers") or {})

    def check_threads(self, threads: int) -> None:
        """Wait for a first worker, then check that some worker can run a ``threads``-core task."""
        self.threads = threads
        if not self._workers():
            try:
                self.client.wait_for_workers(1, timeout=self.wait_s)
            except Exception as err:  # noqa: BLE001 - distributed raises its own TimeoutError
                raise SchedbenchError(
                    f"no Dask worker joined the scheduler within {self.wait_s} s ({type(err).__name__})"
                ) from None
        workers = self._workers()
        cores: dict[str, int] = self.client.run(cores_available)
        has_cpu = [addr for addr, w in workers.items() if "cpu" in (w.get("resources") or {})]
        if has_cpu:
            fit = [a for a in has_cpu if workers[a]["resources"]["cpu"] >= threads]
            if not fit:
                most = max(workers[a]["resources"]["cpu"] for a in has_cpu)
                raise SchedbenchError(
                    f"no Dask worker offers {threads} cpu (the most is {most:g}); start workers with "
                    f"--resources cpu={threads} or lower --threads-per-solve"
                )
            self._resources = {"cpu": threads}
        else:
            most = max(cores.values(), default=0)
            if most < threads:
                raise SchedbenchError(
                    f"no Dask worker has {threads} cores (the most is {most}); lower --threads-per-solve"
                )
            by_host: Counter[str] = Counter()
            host_cores: dict[str, int] = {}
            for addr, w in workers.items():
                host = str(w.get("host") or addr)
                by_host[host] += int(w.get("nthreads") or 1)
                host_cores[host] = max(host_cores.get(host, 0), cores.get(addr, 0))
            for host, running in by_host.items():
                if threads > 1 and running * threads > host_cores[host]:
                    raise SchedbenchError(
                        f"the Dask workers on {host} run {running} tasks at once x {threads} threads = "
                        f"{running * threads} > its {host_cores[host]} cores; start them with --nthreads 1 "
                        f"--resources cpu={threads} (or lower --threads-per-solve)"
                    )
            self._resources = None
        kwargs: dict[str, Any] = {"pure": False}
        if self._resources:
            kwargs["resources"] = self._resources
        self._executor = self.client.get_executor(**kwargs)
        self._slots_at = 0.0

    def submit(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        if self._executor is None:
            self.check_threads(self.threads)
        return self._executor.submit(fn, *args)

    def slots(self) -> int:
        now = time.monotonic()
        if now - self._slots_at > SLOTS_REFRESH_S:
            self._slots_at = now
            total = 0
            for w in self._workers().values():
                nthreads = int(w.get("nthreads") or 1)
                cpu = (w.get("resources") or {}).get("cpu")
                if self._resources and cpu is not None:
                    total += min(nthreads, int(cpu // self.threads))
                elif not self._resources:
                    total += nthreads
            self._slots = max(1, total)
        return self._slots

    def is_lost(self, err: BaseException) -> bool:
        return type(err).__name__ == "KilledWorker"

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    terminate = close  # the executor's shutdown(wait=False) cancels what is pending


def as_engine(executor: Engine | Executor | None, jobs: int = 1, **local: Any) -> Engine:
    """The engine for a Python caller's choice: an Engine as is, any Executor wrapped, None: local pool."""
    if executor is None:
        return LocalEngine(jobs, **local)
    if isinstance(executor, Engine):
        return executor
    if isinstance(executor, Executor):
        return ExecutorEngine(executor)
    raise SchedbenchError(f"executor must be a concurrent.futures.Executor, not {type(executor).__name__}")


def run_bounded(
    engine: Engine, fn: Callable[..., R], arguments: Sequence[tuple[Any, ...]]
) -> Iterator[tuple[int, R | TaskFailure]]:
    """``fn(*arguments[i])`` for every i on ``engine``: ``(i, result)`` as each finishes, or
    ``(i, TaskFailure)`` when the task raised or its worker kept dying (see the module docstring)."""
    todo: deque[int] = deque(range(len(arguments)))
    suspects: deque[int] = deque()
    charged: Counter[int] = Counter()
    pending: dict[Future[R], tuple[int, bool]] = {}
    while True:
        if suspects:  # a suspect runs alone once the others have finished
            if not pending:
                index = suspects.popleft()
                pending[engine.submit(fn, *arguments[index])] = (index, True)
        else:
            window = 2 * max(1, engine.slots())
            while todo and len(pending) < window:
                index = todo.popleft()
                pending[engine.submit(fn, *arguments[index])] = (index, False)
        if not pending:
            return
        finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for future in sorted(finished, key=lambda f: pending[f][0]):  # a finished batch in input order
            index, alone = pending.pop(future)
            error = future.exception() if not future.cancelled() else CancelledError()
            if error is None:
                result: R | TaskFailure = future.result()
            elif isinstance(error, CancelledError):
                raise SchedbenchError(
                    f"the {engine.name} engine cancelled the work (lost its scheduler?); "
                    "results written so far are kept, re-run to resume"
                )
            elif engine.is_lost(error):  # a broken local pool is replaced at the next submit
                if not alone:
                    suspects.append(index)
                    continue
                charged[index] += 1
                if charged[index] < engine.lost_limit:
                    suspects.appendleft(index)
                    continue
                times = f" {charged[index]} times" if charged[index] > 1 else ""
                result = TaskFailure(
                    f"worker died running this task{times} (out of memory? a crash?): "
                    f"{type(error).__name__}: {error}"[:500],
                    lost=True,
                )
            else:
                result = TaskFailure(f"{type(error).__name__}: {error}"[:500])
            del future, error
            yield index, result


# ---- --cluster -------------------------------------------------------------------------------------
def _import_distributed(hint: str = DASK_HINT) -> Any:
    try:
        import distributed
    except ImportError:
        raise SchedbenchError(f"--cluster other than local needs Dask: {hint}") from None
    return distributed


def _read_toml(path: StrPath) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            raise SchedbenchError(f"reading cluster.toml on Python 3.10 needs tomli: {HPC_HINT}") from None
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise SchedbenchError(f"not valid TOML: {err}", source=str(path)) from None


def jobqueue_cluster(kind: str, config: StrPath, *, threads: int = 1) -> tuple[Any, int]:
    """The dask-jobqueue cluster (not yet scaled) of section ``[kind]`` of ``config``, and its ``jobs``.

    The section's keys go to the jobqueue class as they are (``queue``, ``account``, ``cores``,
    ``processes``, ``memory``, ``walltime``, ``job_cpu``, ``worker_extra_args``, ``job_script_prologue``
    ...), except ``jobs``: how many batch jobs to ask for (default 1). Each worker gets the resource
    ``cpu = job_cpu (default cores) / processes`` unless ``worker_extra_args`` sets ``--resources``; a
    solve with more threads than that is refused before any job is submitted.
    """
    if kind not in JOBQUEUE:
        raise SchedbenchError(f"unknown batch scheduler {kind!r}; one of {', '.join(JOBQUEUE)}")
    doc = _read_toml(config)
    section = doc.get(kind)
    if not isinstance(section, dict):
        found = ", ".join(sorted(doc)) or "none"
        raise SchedbenchError(f"no [{kind}] section (sections: {found})", source=str(config))
    section = dict(section)
    jobs = section.pop("jobs", 1)
    if not isinstance(jobs, int) or jobs < 1:
        raise SchedbenchError(f"[{kind}] jobs must be a positive integer", source=str(config))
    cores, processes = section.get("cores"), section.get("processes", 1)
    if not isinstance(cores, int) or not isinstance(processes, int) or cores < 1 or processes < 1:
        raise SchedbenchError(
            f"[{kind}] needs cores (and processes) as positive integers", source=str(config)
        )
    per_worker = int(section.get("job_cpu", cores)) // processes
    extra = [str(a) for a in section.get("worker_extra_args", [])]
    if "--resources" not in extra:
        extra += ["--resources", f"cpu={per_worker}"]
    elif threads > 1:
        per_worker = threads  # the user sized the resources; the scheduler check happens on the workers
    if per_worker < threads:
        raise SchedbenchError(
            f"[{kind}] gives each of the {processes} workers of a job {per_worker} core(s), fewer than "
            f"--threads-per-solve {threads}; set job_cpu = processes x {threads}",
            source=str(config),
        )
    section["worker_extra_args"] = extra
    options = dict(section.get("scheduler_options") or {})
    options.setdefault("dashboard_address", None)
    section["scheduler_options"] = options
    _import_distributed(HPC_HINT)
    try:
        import dask_jobqueue
    except ImportError:
        raise SchedbenchError(f"--cluster {kind} needs dask-jobqueue: {HPC_HINT}") from None
    try:
        cluster = getattr(dask_jobqueue, JOBQUEUE[kind])(**section)
    except (TypeError, ValueError, KeyError) as err:
        raise SchedbenchError(f"[{kind}]: {err}", source=str(config)) from None
    return cluster, jobs


def open_engine(
    cluster: str = "local",
    *,
    jobs: int = 1,
    threads: int = 1,
    config: StrPath | None = None,
    initializer: Callable[[], None] = worker_init,
) -> Engine:
    """The engine ``--cluster`` names; ``jobs`` is the local or dask-local process count, ``threads``
    the cores one task uses (the solve's threads)."""
    if cluster == "local":
        return LocalEngine(jobs, initializer=initializer)
    if cluster == "dask-local":
        distributed = _import_distributed()
        LocalEngine(jobs).check_threads(threads)  # the same J x W rule as the local pool
        local = distributed.LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=True,
            resources={"cpu": threads},
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=40,
        )
        return DaskEngine(distributed.Client(local), cluster=local)
    if cluster.startswith(("tcp://", "tls://", "dask://", "ucx://")):
        distributed = _import_distributed()
        address = "tcp://" + cluster.removeprefix("dask://") if cluster.startswith("dask://") else cluster
        try:
            client = distributed.Client(address, timeout="20s")
        except (OSError, TimeoutError) as err:
            raise SchedbenchError(f"cannot reach the Dask scheduler at {address}: {err}") from None
        return DaskEngine(client)
    if cluster in JOBQUEUE:
        if config is None:
            raise SchedbenchError(f"--cluster {cluster} needs --cluster-config cluster.toml")
        distributed = _import_distributed(HPC_HINT)
        batch, count = jobqueue_cluster(cluster, config, threads=threads)
        batch.scale(jobs=count)
        return DaskEngine(distributed.Client(batch), cluster=batch, wait_s=None)
    raise SchedbenchError(f"unknown --cluster {cluster!r}; one of {', '.join(CLUSTERS)}")
