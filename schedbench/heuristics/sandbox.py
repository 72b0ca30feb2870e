"""Run plug-in rule code in a separate process whose limits the plug-in cannot lift.

The child process loads one plug-in (its source is sent over the pipe, so workers need no shared file
system) and answers calls (``priority`` / ``sequence``) sent as JSON lines; our trusted code in the parent
builds the schedule from the answers and the verifier scores it. The environment the child gets holds no
secret (only PATH, PYTHONPATH and thread-count settings), the parent makes itself non-dumpable (so its
``/proc`` files are root's only), and only the parent writes files.

The child locks itself in before it reads the plug-in's source (:mod:`~schedbench.heuristics.sandbox_lockin`).
Each level adds to the one before; the parent refuses a child that lacks what its level requires:

``rlimits``
    hard resource limits (soft = hard: address space, no file writes, no core files; CPU time also watched
    by the parent per instance), root -> ``nobody``, ``RLIMIT_NPROC = 0`` (no process, no thread),
    ``PR_SET_PDEATHSIG``, ``RLIMIT_NOFILE`` frozen at the descriptors already open (no ``open()``, no
    socket), and Landlock where the kernel has it (no path-based file access; TCP and outside signals on
    newer ABIs). The parent kills the child's whole process group.
``netns``
    plus a network namespace of its own (``unshare(CLONE_NEWNET)``; unprivileged inside a new user
    namespace): no interface but a loopback that is down.
``seccomp``
    plus a seccomp filter (:mod:`~schedbench.heuristics.sandbox_seccomp`) that denies new processes,
    exec, sockets, ptrace, mount, namespaces and signals to other processes; threads are allowed again.
``bwrap``
    the ``seccomp`` child run under bubblewrap: a file view of read-only Python, package and system
    library directories with an empty ``/tmp`` and no ``/proc`` or ``/etc``, new PID, network, IPC and UTS
    namespaces (and a user namespace when not root), a new session, and death with the parent.

``auto`` is the strongest level that starts here (probed once per process, see :func:`choose_level`).
What no level stops: a plug-in burning its CPU and memory budget until it is killed, reading what is
already in its own memory, and kernel bugs. Below ``bwrap`` on a kernel without Landlock, a plug-in that
closes one of its descriptors can open what ``nobody`` may read (and, below ``netns``, connect out). Run
plug-ins you have not read inside a VM as well.
"""

from __future__ import annotations

import atexit
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import time
import weakref
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from schedbench.heuristics import sandbox_lockin, sandbox_seccomp
from schedbench.problems import SchedbenchError

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

LEVELS = ("rlimits", "netns", "seccomp", "bwrap")  # weakest first; each adds to the one before
SANDBOX_CHOICES = ("auto", *LEVELS)
#: what the child must report for its level to count as reached
REQUIRED = {
    "rlimits": ("hard_limits", "no_root", "no_processes", "no_new_files"),
    "netns": ("hard_limits", "no_root", "no_processes", "no_new_files", "netns"),
    "seccomp": ("hard_limits", "no_root", "no_processes", "no_new_files", "netns", "seccomp"),
    "bwrap": (
        "hard_limits", "no_root", "no_processes", "no_new_files", "netns", "seccomp", "pid_namespace",
        "own_root",
    ),
}  # fmt: skip
_PR_SET_DUMPABLE = 4
_CHILD = "from schedbench.heuristics.sandbox import child_main; child_main()"

_live: weakref.WeakSet[SandboxProcess] = weakref.WeakSet()


@dataclass(frozen=True)
class Limits:
    """Per-instance limits for a plug-in child process, and the sandbox level it runs at."""

    cpu_seconds: int = 10
    wall_seconds: float = 30.0
    memory_bytes: int = 2 * 1024**3
    instances_per_child: int = 64  # a fresh child after this many instances (bounds accumulated CPU time)
    sandbox: str = "auto"  # one of SANDBOX_CHOICES; auto: the strongest level this machine gives


class PluginFailure(Exception):
    """The plug-in crashed, timed out, ran out of a limit or answered something unusable."""


def clean_error(text: str, limit: int = MAX_ERROR_CHARS) -> str:
    """A failure text fit for records and reports: printable characters only, at most `limit` long."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def _protect_parent() -> None:
    """Make this process non-dumpable: its /proc files (environ included) become root's only."""
    libc = sandbox_lockin.libc()
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


def _children(pid: int) -> list[int]:
    """The child processes of ``pid`` (from /proc)."""
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except (OSError, ValueError):
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _innermost(pid: int) -> int:
    """The last of a chain of single children below ``pid`` (bwrap -> its init -> the Python child)."""
    for _ in range(8):
        below = _children(pid)
        if not below:
            break
        pid = max(below)
    return pid


def _namespace(pid: str, kind: str) -> str | None:
    """The namespace ``kind`` (``net``, ``pid``) of a process, as /proc names it (None if unreadable)."""
    try:
        return os.readlink(f"/proc/{pid}/ns/{kind}")
    except OSError:
        return None


def _bwrap_command(command: list[str]) -> list[str]:
    """``command`` under bubblewrap: read-only Python, package and system library directories, nothing else
    of the host's file system, new namespaces, a new session, dead when its parent dies."""
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, "--die-with-parent", "--new-session"]
    if (
        os.getuid() == 0
    ):  # root: no user namespace (it would map root alone, and the child must drop to nobody)
        args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        args += ["--unshare-all", "--unshare-user"]
    for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    package = Path(__file__).resolve().parents[1]  # the schedbench package directory
    wanted = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, str(package)}
    wanted.add(str(Path(sys.executable).resolve().parent))
    wanted.update(p for p in sys.path if Path(p).name in ("site-packages", "dist-packages"))  # user sites too
    kept: list[str] = []
    for path in sorted({str(Path(p).resolve()) for p in wanted}, key=len):
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    for path in kept:
        args += ["--ro-bind-try", path, path]
    return [*args, "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/", "--", *command]


def _child_env(level: str) -> dict[str, str]:
    paths = [p for p in sys.path if p]
    if level == "bwrap":  # only the package's own root is in the file view, next to the prefixes
        paths.insert(0, str(Path(__file__).resolve().parents[2]))
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(paths),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class SandboxProcess:
    """One child process serving one plug-in; restarted after a failure or ``instances_per_child``."""

    def __init__(self, path: str | os.PathLike[str], limits: Limits | None = None, source: str | None = None):
        self.path = str(Path(path).resolve()) if source is None else str(path)
        self.source = source
        self.limits = limits or Limits()
        self.proc: subprocess.Popen[bytes] | None = None
        self.served = 0
        self.info: dict[str, Any] = {}
        self.level: dict[str, bool] = {}  # the protections the child reported
        self.level_name = ""  # the sandbox level it runs at
        self._pid = 0  # the Python child itself (under bwrap: below bwrap's processes)
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
        level = self.limits.sandbox
        if level == "auto":
            level = choose_level("auto").level
        if level not in LEVELS:
            raise PluginFailure(f"unknown sandbox level {level!r}")
        self.level_name = level
        _protect_parent()
        command = [sys.executable, "-c", _CHILD]
        self.proc = subprocess.Popen(
            _bwrap_command(command) if level == "bwrap" else command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if os.environ.get("SCHEDBENCH_SANDBOX_DEBUG") else subprocess.DEVNULL,
            env=_child_env(level),
            cwd="/",
            start_new_session=True,
        )
        self._pid = self.proc.pid
        _live.add(self)
        self._buffer = b""
        self.served = 0
        wall = time.monotonic() + self.limits.wall_seconds + 10
        ready = self._call({"call": "lock", "limits": self._limit_values(), "level": level}, wall)
        self.level = {k: bool(v) for k, v in (ready.get("level") or {}).items()}
        if level == "bwrap":
            self._pid = _innermost(self.proc.pid)
            self.level["pid_namespace"] = self._pid != self.proc.pid and ready.get("pid") != self._pid
        for kind in ("net", "pid"):  # where /proc shows both, the namespaces must differ from ours
            key = "netns" if kind == "net" else "pid_namespace"
            mine, theirs = _namespace("self", kind), _namespace(str(self._pid), kind)
            if key in self.level and mine is not None and theirs is not None:
                self.level[key] = self.level[key] and mine != theirs
        missing = [k for k in REQUIRED[level] if not self.level.get(k)]
        if missing:
            self.close()
            raise PluginFailure(f"sandbox level {level} not reached: no {', '.join(missing)}")
        self.info = self._call({"call": "load", "path": self.path, "source": source}, wall)
        return self.info

    def _limit_values(self) -> dict[str, int]:
        hard_cpu = self.limits.cpu_seconds * (self.limits.instances_per_child + 1) + 10
        return {"cpu": hard_cpu, "memory": self.limits.memory_bytes}

    def close(self) -> None:
        """Kill the child's whole process group (under bwrap, the child itself first)."""
        if self.proc is None:
            return
        if self._pid != self.proc.pid and self.proc.poll() is None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
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
        self._cpu_at_start = _cpu_seconds(self._pid) or 0.0
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
        used = _cpu_seconds(self._pid)
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
        if self.level_name == "bwrap" and 128 < code < 128 + 65:
            code = 128 - code  # bwrap exits with 128 + the signal that ended its child
        if code < 0:
            try:
                sig = signal.Signals(-code).name
            except ValueError:
                sig = f"signal {-code}"
            hint = {
                "SIGXCPU": "CPU time limit",
                "SIGXFSZ": "tried to write a file",
                "SIGKILL": "killed",
                "SIGSYS": "a system call of another architecture",
            }
            return f"plug-in process died ({sig}{': ' + hint[sig] if sig in hint else ''})"
        return f"plug-in process exited with code {code}"


# ---- which level this machine gives -------------------------------------------------------------------
@dataclass(frozen=True)
class SandboxChoice:
    """A sandbox level chosen for a run: the level, what its child reported, and a warning below seccomp."""

    level: str
    probes: dict[str, bool] = field(default_factory=dict)
    warning: str | None = None


_PROBES: dict[str, tuple[dict[str, bool] | None, str]] = {}  # level -> (the child's report, why not)
_EMPTY_PLUGIN = "def priority(*a, **k):\n    return []\n"


def _bwrap_works() -> str | None:
    """None if bwrap can start Python here, else why not (one line)."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (Debian: apt-get install bubblewrap)"
    try:
        done = subprocess.run(
            _bwrap_command([sys.executable, "-c", "pass"]),
            capture_output=True,
            timeout=30,
            env=_child_env("bwrap"),
            cwd="/",
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bwrap does not start: {err}"
    if done.returncode != 0:
        text = done.stderr.decode(errors="replace").strip().splitlines()
        return "bwrap does not start here: " + clean_error(
            text[-1] if text else f"exit code {done.returncode}", 200
        )
    return None


def probe_level(level: str) -> tuple[dict[str, bool] | None, str]:
    """Start a child at ``level`` with an empty plug-in (once per process): (its report, or None and why
    the level is not reached here)."""
    if level not in _PROBES:
        why = None
        if level in ("seccomp", "bwrap") and sandbox_seccomp.machine() not in sandbox_seccomp.SYSCALLS:
            why = f"no seccomp filter for architecture {sandbox_seccomp.machine()}"
        elif not sys.platform.startswith("linux") and level != "rlimits":
            why = f"{level} needs Linux"
        elif level == "bwrap":
            why = _bwrap_works()
        if why is not None:
            _PROBES[level] = (None, why)
        else:
            box = SandboxProcess("<probe>", Limits(sandbox=level), source=_EMPTY_PLUGIN)
            try:
                box.start()
                _PROBES[level] = (dict(box.level), "")
            except PluginFailure as err:
                _PROBES[level] = (None, str(err))
            finally:
                box.close()
    return _PROBES[level]


def choose_level(wanted: str) -> SandboxChoice:
    """The level to run plug-ins at: ``wanted`` if this machine gives it, for ``auto`` the strongest one
    that starts; a one-line ``SchedbenchError`` naming the level and why when it is not available."""
    if wanted not in SANDBOX_CHOICES:
        raise SchedbenchError(f"unknown sandbox level {wanted!r}; known: {', '.join(SANDBOX_CHOICES)}")
    reasons: dict[str, str] = {}
    for level in reversed(LEVELS) if wanted == "auto" else (wanted,):
        probes, why = probe_level(level)
        if probes is not None:
            break
        reasons[level] = why
    else:
        level = wanted if wanted != "auto" else "rlimits"
        raise SchedbenchError(f"--sandbox {level} is not available here: {reasons[level]}")
    warning = None
    if LEVELS.index(level) < LEVELS.index("seccomp"):
        why = (
            f"seccomp: {reasons['seccomp']}" if "seccomp" in reasons else f"asked for with --sandbox {level}"
        )
        warning = (
            f"plug-ins run at sandbox level {level}, BELOW SECCOMP ({why}): no system call filter, no PID "
            "namespace; hard limits, no root and no new files still hold"
        )
    return SandboxChoice(level, probes, warning)


def sandbox_level(level: str = "auto") -> dict[str, bool]:
    """Which protections a plug-in child gets at ``level`` on this machine (a ``SchedbenchError`` if none)."""
    return dict(choose_level(level).probes)


def resolved(limits: Limits) -> Limits:
    """``limits`` with its sandbox level checked and ``auto`` replaced by the level it stands for here
    (so worker processes probe nothing); a ``SchedbenchError`` if the level is not available."""
    return replace(limits, sandbox=choose_level(limits.sandbox).level)


# ---- child side ---------------------------------------------------------------------------------------
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
                level = sandbox_lockin.lock_in(request["limits"], request["level"])
                reply(request_id, {"ok": True, "level": level, "pid": os.getpid()})
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
