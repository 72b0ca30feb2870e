"""Run plug-in rule code in a separate process whose limits the plug-in cannot lift.

The child process loads one plug-in (its source is sent over the pipe, so workers need no shared file
system) and answers calls (``priority`` / ``sequence``) sent as JSON lines; our trusted code in the parent
builds the schedule from the answers and the verifier scores it.

The child locks itself in before it reads the plug-in's source, in this order:

1. **Hard resource limits** (soft = hard): address space, no file writes (``RLIMIT_FSIZE = 0``), no core
   files; CPU time is also watched by the parent per instance, so raising the soft CPU limit gains nothing.
2. **No root**: a child started by root switches to ``nobody`` (so no capability can raise a hard limit and
   files readable only by root, such as the parent's ``/proc/PID/environ``, are closed to it).
3. **No new processes or threads** (``RLIMIT_NPROC = 0``, binding once not root): no fork bomb, no
   detached grandchild that could outlive the run. The child dies with its parent (``PR_SET_PDEATHSIG``).
4. **No new file descriptors** (``RLIMIT_NOFILE`` soft = hard = the descriptors already open): no
   ``open()``, no socket.
5. **Landlock** (Linux 5.13 and later, unprivileged): no path-based file access at all (read, write,
   unlink, rename, truncate) and, where the kernel supports it, no TCP bind/connect and no signals to
   processes outside the sandbox.

The environment the child gets holds no secret (only PATH, PYTHONPATH and thread-count settings), and the
parent makes itself non-dumpable so a same-user child cannot read the parent's environment from ``/proc``.
``sandbox_level()`` says which of these the machine gave; every failure text from the child is capped and
stripped of control characters.

What this does not stop: a child can still burn its CPU and memory budget until the parent kills it, and
a kernel without Landlock leaves path-based reads open (the descriptor limit still blocks new opens once
the plug-in runs). Run plug-ins you have not read inside a container or VM as well.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import resource
import selectors
import signal
import subprocess
import sys
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PRELOADED = (
    "math",
    "random",
    "itertools",
    "functools",
    "collections",
    "heapq",
    "statistics",
    "numpy",
    "numpy.random",
    "numpy.linalg",
)
MAX_REPLY_BYTES = 64 * 1024 * 1024
MAX_ERROR_CHARS = 500
NOBODY = 65534

_PR_SET_PDEATHSIG = 1
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on every architecture (generic syscall table)
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
# access rights by the Landlock ABI version that introduced them
_FS_RIGHTS_V1 = (
    1 << 13
) - 1  # execute, write/read file, read dir, remove, make char/dir/reg/sock/fifo/block/sym
_FS_REFER = 1 << 13  # ABI 2
_FS_TRUNCATE = 1 << 14  # ABI 3
_FS_IOCTL_DEV = 1 << 15  # ABI 5
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2  # ABI 4
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1, 2  # ABI 6

_live: weakref.WeakSet[SandboxProcess] = weakref.WeakSet()


@dataclass(frozen=True)
class Limits:
    """Per-instance limits for a plug-in child process."""

    cpu_seconds: int = 10
    wall_seconds: float = 30.0
    memory_bytes: int = 2 * 1024**3
    instances_per_child: int = 64  # a fresh child after this many instances (bounds accumulated CPU time)


class PluginFailure(Exception):
    """The plug-in crashed, timed out, ran out of a limit or answered something unusable."""


def clean_error(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """A failure text fit for records and reports: printable characters only, at most `limit` long."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to call
        return None


def _protect_parent() -> None:
    """Make this process non-dumpable: its /proc files (environ included) become root's only."""
    libc = _libc()
    if libc is not None and sys.platform.startswith("linux"):
        libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)


def _close_all_sandboxes() -> None:
    for box in list(_live):
        box.close()


atexit.register(_close_all_sandboxes)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process, from /proc (None where unavailable)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class SandboxProcess:
    """One child process serving one plug-in; restarted after a failure or ``instances_per_child``."""

    def __init__(self, path: str | os.PathLike[str], limits: Limits | None = None, source: str | None = None):
        self.path = str(Path(path).resolve()) if source is None else str(path)
        self.source = source
        self.limits = limits or Limits()
        self.proc: subprocess.Popen[bytes] | None = None
        self.served = 0
        self.info: dict[str, Any] = {}
        self.level: dict[str, bool] = {}
        self._buffer = b""
        self._next_id = 0
        self._cpu_at_start = 0.0

    # -- process management -------------------------------------------------------------------------
    def start(self) -> dict[str, Any]:
        """Start the child, lock it in and load the plug-in; returns what it defines."""
        self.close()
        source = self.source
        if source is None:
            try:
                source = Path(self.path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as err:
                raise PluginFailure(f"cannot read the plug-in: {err}") from None
        _protect_parent()
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
        )
        _live.add(self)
        self._buffer = b""
        self.served = 0
        wall = time.monotonic() + self.limits.wall_seconds + 10
        ready = self._call({"call": "lock", "limits": self._limit_values()}, wall)
        self.level = {k: bool(v) for k, v in (ready.get("level") or {}).items()}
        self.info = self._call({"call": "load", "path": self.path, "source": source}, wall)
        return self.info

    def _limit_values(self) -> dict[str, int]:
        hard_cpu = self.limits.cpu_seconds * (self.limits.instances_per_child + 1) + 10
        return {"cpu": hard_cpu, "memory": self.limits.memory_bytes}

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
        self._buffer = b""
        _live.discard(self)

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one instance -------------------------------------------------------------------------------
    def begin_instance(self) -> float:
        """Make sure a healthy child is running and start its CPU budget; returns the wall-clock deadline."""
        if (
            self.proc is None
            or self.proc.poll() is not None
            or self.served >= self.limits.instances_per_child
        ):
            self.start()
        assert self.proc is not None
        self.served += 1
        self._cpu_at_start = _cpu_seconds(self.proc.pid) or 0.0
        return time.monotonic() + self.limits.wall_seconds

    def call(self, function: str, deadline: float, **args: Any) -> Any:
        """Call the plug-in's ``function(**args)``; lists stand for arrays. Raises ``PluginFailure``."""
        return self._call({"call": function, "args": args}, deadline)["result"]

    def _call(self, message: dict[str, Any], deadline: float) -> dict[str, Any]:
        """One request and its reply; any failure kills the child, so the protocol never drifts."""
        try:
            return self._exchange(message, deadline)
        except PluginFailure as err:
            self.close()
            raise PluginFailure(clean_error(str(err))) from None

    def _exchange(self, message: dict[str, Any], deadline: float) -> dict[str, Any]:
        if self.proc is None or self.proc.stdin is None:
            raise PluginFailure("plug-in process is not running")
        self._next_id += 1
        try:
            self.proc.stdin.write(json.dumps({**message, "id": self._next_id}).encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise PluginFailure(self._death_reason()) from None
        line = self._read_line(deadline)
        try:
            reply = json.loads(line)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise PluginFailure("plug-in process sent an unreadable reply") from None
        if not isinstance(reply, dict) or reply.get("id") != self._next_id:
            raise PluginFailure("plug-in process broke the reply protocol")
        if not reply.get("ok"):
            raise PluginFailure(str(reply.get("error") or "plug-in failed"))
        return reply

    def _over_cpu(self) -> bool:
        assert self.proc is not None
        used = _cpu_seconds(self.proc.pid)
        return used is not None and used - self._cpu_at_start > self.limits.cpu_seconds

    def _read_line(self, deadline: float) -> bytes:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PluginFailure("timeout: no answer within the wall-clock limit")
                if self._over_cpu():
                    raise PluginFailure("plug-in process used up its CPU time limit")
                if not sel.select(min(remaining, 0.1)):
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


def sandbox_level() -> dict[str, bool]:
    """Which protections a plug-in child gets on this machine (starts a child with an empty plug-in)."""
    with SandboxProcess("<probe>", source="def priority(*a, **k):\n    return []\n") as box:
        box.start()
        return dict(box.level)


# ---- child side ---------------------------------------------------------------------------------------
def _lock_files() -> None:
    """No new file descriptors from here on: soft and hard limits drop to the highest one already open."""

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
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))


def _drop_root() -> bool:
    """Become `nobody` when started as root; True if the child now runs without root."""
    if os.getuid() != 0:
        return True
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    except OSError:
        return False
    return os.getuid() == NOBODY


_NO_LANDLOCK = {"landlock_fs": False, "landlock_net": False, "landlock_scope": False}


def _landlock_ruleset(libc: ctypes.CDLL) -> tuple[int, int, int]:
    """A Landlock ruleset that handles (so denies) all path-based file access, TCP and outside signals, as far
    as the kernel allows: (its descriptor or -1, the net rights, the scopes). Made before the descriptor
    table is frozen, since the ruleset is itself a descriptor."""
    abi = libc.syscall(
        _SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), _LANDLOCK_CREATE_RULESET_VERSION
    )
    if abi < 1:
        return -1, 0, 0
    fs = _FS_RIGHTS_V1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
    fs |= _FS_IOCTL_DEV if abi >= 5 else 0
    net = _NET_BIND_TCP | _NET_CONNECT_TCP if abi >= 4 else 0
    scope = _SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL if abi >= 6 else 0

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    attr = RulesetAttr(fs, net, scope)
    size = 8 if abi < 4 else (16 if abi < 6 else 24)
    ruleset = libc.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    return (ruleset, net, scope) if ruleset >= 0 else (-1, 0, 0)


def _landlock_restrict(libc: ctypes.CDLL, ruleset: tuple[int, int, int]) -> dict[str, bool]:
    """Enforce the ruleset on this process. Its descriptor stays open: closing it would free a slot below
    the frozen descriptor limit (a socket could take it), and it grants nothing."""
    fd, net, scope = ruleset
    if fd < 0:
        return dict(_NO_LANDLOCK)
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    done = libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, fd, 0) == 0
    return {"landlock_fs": done, "landlock_net": done and bool(net), "landlock_scope": done and bool(scope)}


def _lock_in(limits: dict[str, int]) -> dict[str, bool]:  # pragma: no cover - runs in the child process
    parent = os.getppid()
    for limit, value in (
        (resource.RLIMIT_CPU, limits["cpu"]),
        (resource.RLIMIT_AS, limits["memory"]),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(limit, (value, value))
    level = {"hard_limits": True, "no_root": _drop_root()}
    libc = _libc() if sys.platform.startswith("linux") else None
    if libc is not None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # after setuid, which clears it
    if os.getppid() != parent:
        os._exit(1)  # the parent is already gone
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    level["no_processes"] = level["no_root"]
    ruleset = _landlock_ruleset(libc) if libc is not None else (-1, 0, 0)
    _lock_files()
    level["no_new_files"] = True
    level.update(_landlock_restrict(libc, ruleset) if libc is not None else _NO_LANDLOCK)
    return level


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

    def reply(request_id: object, obj: dict[str, Any]) -> None:
        try:
            text = json.dumps({**obj, "id": request_id})
        except (ValueError, TypeError, RecursionError):
            text = json.dumps({"ok": False, "error": "the plug-in's answer cannot be sent", "id": request_id})
        out.write(text.encode() + b"\n")
        out.flush()

    for raw in sys.stdin.buffer:
        request_id: object = None
        try:
            request = json.loads(raw)
            request_id = request.get("id")
            call = request["call"]
            if call == "lock":
                reply(request_id, {"ok": True, "level": _lock_in(request["limits"])})
            elif call == "load":
                path = request["path"]
                namespace = {"__name__": "schedbench_plugin", "__file__": path}
                exec(compile(request["source"], path, "exec"), namespace)
                functions = [f for f in ("priority", "sequence") if callable(namespace.get(f))]
                info = {k.lower(): namespace.get(k) for k in ("NAME", "PROBLEM", "SCHEME")}
                info = {k: v if isinstance(v, str) else None for k, v in info.items()}
                reply(request_id, {"ok": True, "functions": functions, **info})
            else:
                function = namespace.get(call)
                if not callable(function):
                    raise NameError(f"the plug-in defines no {call}()")
                args = {k: np.asarray(v) if isinstance(v, list) else v for k, v in request["args"].items()}
                result = np.asarray(function(**args), dtype=float).ravel()
                if not np.all(np.isfinite(result)):
                    raise ValueError(f"{call}() returned a value that is not a finite number")
                reply(request_id, {"ok": True, "result": result.tolist()})
        except MemoryError:
            reply(request_id, {"ok": False, "error": "MemoryError: address-space limit reached"})
        except BaseException as err:  # noqa: BLE001 - any plug-in error is reported, never raised
            try:
                text = f"{type(err).__name__}: {err}"
            except BaseException:  # noqa: BLE001 - an exception whose text itself fails
                text = type(err).__name__
            reply(request_id, {"ok": False, "error": clean_error(text)})
