"""Run plug-in rule code in a separate process under resource limits.

The child process loads one plug-in file and answers calls (``priority`` / ``sequence``) sent as JSON lines;
our trusted code in the parent builds the schedule from the answers and the verifier scores it.

Limits on the child: CPU seconds per instance (``RLIMIT_CPU``), address space (``RLIMIT_AS``), no file
writes (``RLIMIT_FSIZE = 0``) and no new file descriptors once the plug-in is loaded (``RLIMIT_NOFILE``
lowered to the descriptors already open), a wall-clock timeout per instance, and a kill of the whole
process group on any failure. Plug-ins can import only what is already loaded: numpy, math, random,
itertools, functools, collections, heapq, statistics.

**These limits are not a security boundary.** They stop accidents (an infinite loop, a runaway
allocation, a stray write), not hostile code: the child runs as your user, can use the network and
can read your files. Run plug-ins you have not read only inside a container or VM.
"""

from __future__ import annotations

import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRELOADED = ("math", "random", "itertools", "functools", "collections", "heapq", "statistics", "numpy")
MAX_REPLY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Per-instance limits for a plug-in child process."""

    cpu_seconds: int = 10
    wall_seconds: float = 30.0
    memory_bytes: int = 2 * 1024**3
    instances_per_child: int = 64  # a fresh child after this many instances (bounds accumulated CPU time)


class PluginFailure(Exception):
    """The plug-in crashed, timed out, ran out of a limit or answered something unusable."""


def _limit_child(limits: Limits) -> None:
    """Runs in the child between fork and exec."""
    hard_cpu = limits.cpu_seconds * (limits.instances_per_child + 1) + 10
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds + 5, hard_cpu))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class SandboxProcess:
    """One child process serving one plug-in file; restarted after a failure or ``instances_per_child``."""

    def __init__(self, path: str | os.PathLike[str], limits: Limits | None = None) -> None:
        self.path = str(Path(path).resolve())
        self.limits = limits or Limits()
        self.proc: subprocess.Popen[bytes] | None = None
        self.served = 0
        self.info: dict[str, Any] = {}
        self._buffer = b""

    # -- process management -------------------------------------------------------------------------
    def start(self) -> dict[str, Any]:
        """Start the child and load the plug-in; returns what it defines (``{"functions": [...], ...}``)."""
        self.close()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from schedbench.heuristics.sandbox import child_main; child_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("SCHEDBENCH_SANDBOX_DEBUG") else subprocess.DEVNULL,
            env=env,
            cwd="/",
            start_new_session=True,
            preexec_fn=lambda: _limit_child(self.limits),
        )
        self._buffer = b""
        self.served = 0
        self.info = self._call(
            {"call": "load", "path": self.path}, time.monotonic() + self.limits.wall_seconds + 10
        )
        return self.info

    def close(self) -> None:
        """Kill the child's whole process group."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream:
                stream.close()
        self.proc = None

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one instance -------------------------------------------------------------------------------
    def begin_instance(self) -> float:
        """Make sure a healthy child is running and reset its CPU budget; returns the wall-clock deadline."""
        if (
            self.proc is None
            or self.proc.poll() is not None
            or self.served >= self.limits.instances_per_child
        ):
            self.start()
        self.served += 1
        self._call({"call": "budget", "cpu": self.limits.cpu_seconds}, time.monotonic() + 10)
        return time.monotonic() + self.limits.wall_seconds

    def call(self, function: str, deadline: float, **args: Any) -> Any:
        """Call the plug-in's ``function(**args)``; lists stand for arrays. Raises ``PluginFailure``."""
        try:
            return self._call({"call": function, "args": args}, deadline)["result"]
        except PluginFailure:
            self.close()
            raise

    def _call(self, message: dict[str, Any], deadline: float) -> dict[str, Any]:
        if self.proc is None or self.proc.stdin is None:
            raise PluginFailure("plug-in process is not running")
        try:
            self.proc.stdin.write(json.dumps(message).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise PluginFailure(self._death_reason()) from None
        line = self._read_line(deadline)
        try:
            reply = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise PluginFailure("plug-in process sent an unreadable reply") from None
        if not isinstance(reply, dict) or not reply.get("ok"):
            error = reply.get("error") if isinstance(reply, dict) else None
            raise PluginFailure(str(error or "plug-in failed"))
        return reply

    def _read_line(self, deadline: float) -> bytes:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self.close()
                    raise PluginFailure("timeout: no answer within the wall-clock limit")
                if not sel.select(remaining):
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise PluginFailure(self._death_reason())
                self._buffer += chunk
                if len(self._buffer) > MAX_REPLY_BYTES:
                    raise PluginFailure("plug-in reply is too large")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _death_reason(self) -> str:
        assert self.proc is not None
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "plug-in process stopped answering"
        if code < 0:
            sig = signal.Signals(-code).name
            hint = {"SIGXCPU": "CPU time limit", "SIGXFSZ": "tried to write a file", "SIGKILL": "killed"}
            return f"plug-in process died ({sig}{': ' + hint[sig] if sig in hint else ''})"
        return f"plug-in process exited with code {code}"


# ---- child side ---------------------------------------------------------------------------------------
def _lock_files() -> None:
    """No new file descriptors from here on: the soft limit drops to the highest one already open."""

    def is_open(fd: int) -> bool:
        try:
            os.fstat(fd)
            return True
        except OSError:
            return False

    try:
        listed = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        listed = [0, 1, 2]
    limit = max(fd for fd in listed if is_open(fd)) + 1
    for hole in [fd for fd in range(limit) if not is_open(fd)]:
        os.open(os.devnull, os.O_RDONLY)  # fill every free number below the limit
        assert is_open(hole)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def child_main() -> None:  # pragma: no cover - runs in the child process
    """Serve calls for one plug-in: one JSON request per stdin line, one JSON reply per line."""
    import importlib

    import numpy as np

    for module in PRELOADED:
        importlib.import_module(module)
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # the plug-in's prints go to stderr (discarded), not into the protocol
    sys.stdout = sys.stderr
    namespace: dict[str, Any] = {}

    def reply(obj: dict[str, Any]) -> None:
        out.write(json.dumps(obj).encode() + b"\n")
        out.flush()

    for raw in sys.stdin.buffer:
        try:
            request = json.loads(raw)
            call = request["call"]
            if call == "load":
                path = request["path"]
                with open(path, encoding="utf-8") as handle:
                    source = handle.read()
                _lock_files()
                namespace = {"__name__": "schedbench_plugin", "__file__": path}
                exec(compile(source, path, "exec"), namespace)
                functions = [f for f in ("priority", "sequence") if callable(namespace.get(f))]
                reply(
                    {
                        "ok": True,
                        "functions": functions,
                        "name": namespace.get("NAME"),
                        "problem": namespace.get("PROBLEM"),
                        "scheme": namespace.get("SCHEME"),
                    }
                )
            elif call == "budget":
                used = resource.getrusage(resource.RUSAGE_SELF)
                spent = int(used.ru_utime + used.ru_stime) + 1
                _, hard = resource.getrlimit(resource.RLIMIT_CPU)
                soft = spent + int(request["cpu"])
                resource.setrlimit(resource.RLIMIT_CPU, (min(soft, hard), hard))
                reply({"ok": True})
            else:
                function = namespace.get(call)
                if not callable(function):
                    raise NameError(f"the plug-in defines no {call}()")
                args = {k: np.asarray(v) if isinstance(v, list) else v for k, v in request["args"].items()}
                result = np.asarray(function(**args), dtype=float).ravel()
                if not np.all(np.isfinite(result)):
                    raise ValueError(f"{call}() returned a value that is not a finite number")
                reply({"ok": True, "result": result.tolist()})
        except MemoryError:
            reply({"ok": False, "error": "MemoryError: address-space limit reached"})
        except BaseException as err:  # noqa: BLE001 - any plug-in error is reported, never raised
            reply({"ok": False, "error": f"{type(err).__name__}: {err}"[:500]})
