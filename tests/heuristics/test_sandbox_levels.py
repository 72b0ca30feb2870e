"""Every sandbox level against every attack: what the plug-in tried had no effect on the machine (no file,
no connection, no process left, no secret read), and, where the error shows it, which protection stopped it.

Each test runs at each level this machine gives; a level it lacks is skipped with the reason. The tests
run as root in CI, where ``RLIMIT_NPROC`` binds only because the child drops to ``nobody``; at the
seccomp and bwrap levels the child keeps no ``RLIMIT_NPROC`` at all, so a fork stopped there was stopped
by the seccomp filter (``EPERM``), not by the limit (``EAGAIN``).
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import textwrap
import threading
import time
from pathlib import Path

import pytest
from helpers.instances import smtt_dict

from schedbench.heuristics.plugins import PluginRule
from schedbench.heuristics.sandbox import LEVELS, Limits, PluginFailure, SandboxProcess, probe_level
from schedbench.problems import SchedbenchError, parse_instance

INSTANCE = parse_instance(smtt_dict([1, 2, 3, 4], [3, 3, 3, 3], name="lv"))
SECCOMP = ("seccomp", "bwrap")  # the levels with the system-call filter


@pytest.fixture(params=LEVELS)
def level(request) -> str:
    probes, why = probe_level(request.param)
    if probes is None:
        pytest.skip(f"sandbox level {request.param} is not available here: {why}")
    return request.param


def _probes(level: str) -> dict[str, bool]:
    probes, _ = probe_level(level)
    assert probes is not None
    return probes


def _rule(tmp_path: Path, level: str, body: str, **limits) -> PluginRule:
    path = tmp_path / "attack.py"
    path.write_text(textwrap.dedent(body))
    values = {"cpu_seconds": 1, "wall_seconds": 8, "memory_bytes": 768 << 20, **limits}
    rule = PluginRule(str(path), Limits(sandbox=level, **values)).load()
    assert rule.sandbox_level == level
    return rule


def _failure(tmp_path: Path, level: str, body: str, **limits) -> str:
    """The plug-in's failure text (at load, or on its first instance)."""
    try:
        rule = _rule(tmp_path, level, body, **limits)
    except SchedbenchError as err:
        return str(err)
    try:
        with pytest.raises(PluginFailure) as caught:
            rule.run(INSTANCE)
        return str(caught.value)
    finally:
        rule.close()


def _errno_of(message: str) -> int:
    """The errno the plug-in reported as ``errno=N`` in its failure text."""
    assert "errno=" in message, message
    return int(message.split("errno=")[1].split()[0].strip("',)"))


def _processes_named(comm: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == comm:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.2)
        self._stop = True
        self._thread.join(2)
        self.sock.close()


# ---- the levels themselves ----------------------------------------------------------------------------
def test_each_level_reports_what_it_adds(level):
    probes = _probes(level)
    assert probes["hard_limits"] and probes["no_root"] and probes["no_processes"] and probes["no_new_files"]
    assert probes.get("netns", False) == (level != "rlimits")
    assert probes.get("seccomp", False) == (level in SECCOMP)
    assert probes.get("pid_namespace", False) == probes.get("own_root", False) == (level == "bwrap")


def test_an_unknown_level_is_not_started():
    with pytest.raises(PluginFailure, match="unknown sandbox level"):
        SandboxProcess("<x>", Limits(sandbox="chroot"), source="def priority():\n    return []\n").start()


# ---- attacks ------------------------------------------------------------------------------------------
def test_an_infinite_loop_is_stopped_by_the_parents_cpu_watch(tmp_path, level):
    started = time.monotonic()
    message = _failure(tmp_path, level, "def sequence(p, d, w):\n    while True:\n        pass\n")
    assert "CPU time limit" in message
    assert time.monotonic() - started < 8  # the CPU watch, not the wall-clock limit


def test_a_memory_bomb_meets_the_address_space_limit(tmp_path, level):
    message = _failure(tmp_path, level, "def sequence(p, d, w):\n    return [len(bytearray(10**10))]\n")
    assert "MemoryError" in message


def test_no_socket_reaches_a_listener_on_loopback(tmp_path, level):
    with Listener() as listener:
        message = _failure(
            tmp_path,
            level,
            f"""
            import socket
            def sequence(p, d, w):
                try:
                    with socket.socket() as sock:  # no name lookup, so socket() is what is tried first
                        sock.settimeout(2)
                        sock.connect(("127.0.0.1", {listener.port}))
                        sock.sendall(b"x")
                except OSError as err:
                    raise RuntimeError(f"errno={{err.errno}}")
                return list(range(len(p)))
            """,
        )
    assert listener.accepted == 0
    # the filter denies socket() itself; below it, the frozen descriptor table has no room for one
    assert _errno_of(message) == (errno.EPERM if level in SECCOMP else errno.EMFILE)


def test_a_socket_in_a_freed_descriptor_still_reaches_no_listener(tmp_path, level):
    """Closing a descriptor makes room under the frozen limit; what stops the socket then is the level."""
    probes = _probes(level)
    if level == "rlimits" and not probes.get("landlock_net"):
        pytest.skip("rlimits without Landlock TCP rules (kernel < 6.7) lets this connection through")
    with Listener() as listener:
        message = _failure(
            tmp_path,
            level,
            f"""
            import os, socket
            def sequence(p, d, w):
                os.close(2)
                try:
                    with socket.socket() as sock:  # no name lookup, so socket() is what is tried first
                        sock.settimeout(2)
                        sock.connect(("127.0.0.1", {listener.port}))
                        sock.sendall(b"x")
                except OSError as err:
                    raise RuntimeError(f"errno={{err.errno}}")
                return list(range(len(p)))
            """,
        )
    assert listener.accepted == 0
    found = _errno_of(message)
    if level in SECCOMP:
        assert found == errno.EPERM  # the filter
    elif probes.get("landlock_net"):
        assert found == errno.EACCES  # Landlock's TCP rule comes before routing
    else:
        assert found == errno.ENETUNREACH  # the network namespace's loopback is down


def test_os_system_runs_nothing(tmp_path, level):
    victim = tmp_path / "open"
    victim.mkdir()
    victim.chmod(0o777)
    target = victim / "pwned-system"
    message = _failure(
        tmp_path,
        level,
        f"""
        import os
        def sequence(p, d, w):
            raise RuntimeError(f"status={{os.system('touch {target}')}}")
        """,
    )
    assert not target.exists()
    assert "status=" in message and "status=0" not in message  # the shell never started


def test_exec_is_refused(tmp_path, level):
    message = _failure(
        tmp_path,
        level,
        """
        import os
        def sequence(p, d, w):
            try:
                os.execv("/bin/sh", ["/bin/sh", "-c", "exit 0"])
            except OSError as err:
                raise RuntimeError(f"errno={err.errno}")
        """,
    )
    probes = _probes(level)
    if level in SECCOMP:
        assert _errno_of(message) == errno.EPERM  # the filter
    elif probes.get("landlock_fs"):
        assert _errno_of(message) == errno.EACCES  # Landlock: no execute right on any path
    else:
        assert "errno=" in message


@pytest.mark.parametrize("freed", [False, True], ids=["frozen", "freed-descriptor"])
def test_no_file_is_written_outside(tmp_path, level, freed):
    probes = _probes(level)
    if freed and not probes.get("landlock_fs"):
        pytest.skip("without Landlock a freed descriptor lets an empty file be created (writes still fail)")
    victim = tmp_path / "open"
    victim.mkdir()
    victim.chmod(0o777)  # only the sandbox, not file permissions, may stop the write
    target = victim / "pwned-write"
    message = _failure(
        tmp_path,
        level,
        f"""
        import os
        def sequence(p, d, w):
            {"os.close(2)" if freed else "pass"}
            try:
                open({str(target)!r}, "w").write("x")
            except OSError as err:
                raise RuntimeError(f"errno={{err.errno}}")
            return list(range(len(p)))
        """,
    )
    assert not target.exists()
    expected = errno.EMFILE if not freed else errno.ENOENT if level == "bwrap" else errno.EACCES
    assert _errno_of(message) == expected  # descriptors; then bwrap's file view, or Landlock


def test_a_bounded_fork_loop_starts_no_process(tmp_path, level):
    marker = f"sbfork{os.getpid() % 100000}"
    message = _failure(
        tmp_path,
        level,
        f"""
        import ctypes, os, resource, time
        def sequence(p, d, w):
            nproc = resource.getrlimit(resource.RLIMIT_NPROC)[1]
            for _ in range(20):
                try:
                    pid = os.fork()
                except OSError as err:
                    raise RuntimeError(f"errno={{err.errno}} nproc={{nproc}}")
                if pid == 0:
                    ctypes.CDLL(None).prctl(15, {marker.encode()!r}, 0, 0, 0)
                    time.sleep(30)
                    os._exit(0)
            return list(range(len(p)))
        """,
    )
    time.sleep(0.2)
    assert _processes_named(marker) == []
    nproc = int(message.split("nproc=")[1].split()[0].strip("',)"))
    if level in SECCOMP:  # no RLIMIT_NPROC here: the filter alone stopped the fork, as root too
        assert _errno_of(message) == errno.EPERM and nproc != 0
    else:
        assert _errno_of(message) == errno.EAGAIN and nproc == 0


def test_a_detached_grandchild_does_not_outlive_the_run(tmp_path, level):
    marker = f"sbgrand{os.getpid() % 100000}"
    rule = _rule(
        tmp_path,
        level,
        f"""
        import ctypes, os, time
        def sequence(p, d, w):
            try:
                if os.fork() == 0:
                    os.setsid()
                    if os.fork() == 0:
                        ctypes.CDLL(None).prctl(15, {marker.encode()!r}, 0, 0, 0)
                        time.sleep(60)
                    os._exit(0)
            except OSError:
                pass
            return list(range(len(p)))
        """,
    )
    try:
        rule.run(INSTANCE)  # the attack fails quietly: the rule answers
    finally:
        rule.close()
    time.sleep(0.3)
    assert _processes_named(marker) == []


def test_another_sandbox_cannot_be_signalled(tmp_path, level):
    probes = _probes(level)
    if level not in SECCOMP and not probes.get("landlock_scope"):
        pytest.skip(f"{level} without Landlock signal scoping (kernel < 6.12) lets nobody signal nobody")
    with SandboxProcess(
        "<victim>", Limits(sandbox=level), source="def priority():\n    return [1]\n"
    ) as victim:
        victim.start()
        message = _failure(
            tmp_path,
            level,
            f"""
            import os, signal
            def sequence(p, d, w):
                try:
                    os.kill({victim._pid}, signal.SIGKILL)
                except OSError as err:
                    raise RuntimeError(f"errno={{err.errno}}")
                return list(range(len(p)))
            """,
        )
        assert _errno_of(message) == errno.EPERM
        assert victim.call("priority", victim.begin_instance()) == [1.0]  # still alive


def test_the_filter_denies_namespaces_mounts_and_ptrace(tmp_path, level):
    if level not in SECCOMP:
        pytest.skip(f"{level} has no system-call filter")
    message = _failure(
        tmp_path,
        level,
        """
        import ctypes
        def sequence(p, d, w):
            libc = ctypes.CDLL(None, use_errno=True)
            out = []
            for call in (
                lambda: libc.unshare(0x10000000),  # CLONE_NEWUSER
                lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None),
                lambda: libc.ptrace(16, 1, None, None),  # PTRACE_ATTACH to init
                lambda: libc.syscall(435, None, 0),  # clone3
            ):
                ctypes.set_errno(0)
                out.append((call(), ctypes.get_errno()))
            raise RuntimeError(f"results={out}")
        """,
    )
    assert f"results={[(-1, errno.EPERM)] * 3 + [(-1, errno.ENOSYS)]}" in message


# ---- what must keep working --------------------------------------------------------------------------
def test_numpy_works_and_threads_exactly_where_the_filter_replaces_rlimit_nproc(tmp_path, level):
    rule = _rule(
        tmp_path,
        level,
        """
        import threading
        import numpy as np
        def sequence(p, d, w):
            order = np.argsort(np.linalg.solve(np.eye(len(p)), np.asarray(d, float) + np.arange(len(p))))
            box = []
            try:
                worker = threading.Thread(target=lambda: box.append(float(np.sum(np.ones(3)))))
                worker.start()
                worker.join()
            except RuntimeError:
                box.append(-1.0)
            return [int(k) for k in order] if box == [3.0] else [int(k) for k in order[::-1]]
        """,
    )
    try:
        solution = rule.run(INSTANCE)
    finally:
        rule.close()
    threads_ran = solution["sequence"] == ["J0", "J1", "J2", "J3"]
    assert threads_ran == (level in SECCOMP)  # below seccomp, RLIMIT_NPROC = 0 refuses threads too


def test_the_environment_and_the_parents_files_hold_no_secret(tmp_path, level, monkeypatch):
    secret = "sk-fake-0123456789abcdef"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    message = _failure(
        tmp_path,
        level,
        """
        import os
        def sequence(p, d, w):
            seen = [f"{k}={v}" for k, v in os.environ.items()]
            for pid in (os.getppid(), 1):
                try:
                    with open(f"/proc/{pid}/environ", "rb") as handle:
                        seen.append(handle.read().decode(errors="replace"))
                except OSError as err:
                    seen.append(type(err).__name__)
            raise RuntimeError(repr(seen))
        """,
    )
    assert secret not in message and "OPENAI_API_KEY" not in message
    assert "PYTHONPATH=" in message  # the plug-in did see its (scrubbed) environment


def test_a_signal_ending_the_child_is_named(tmp_path, level):
    message = _failure(
        tmp_path,
        level,
        "import os, signal\ndef sequence(p, d, w):\n    os.kill(os.getpid(), signal.SIGXCPU)\n",
    )
    assert "SIGXCPU" in message and "CPU time limit" in message


def test_no_process_is_left_after_close(level):
    box = SandboxProcess("<x>", Limits(sandbox=level), source="def priority():\n    return [0]\n")
    box.start()
    pids = {box._pid, box.proc.pid}
    box.close()
    time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)


def test_the_parent_is_not_signalled_by_the_child(tmp_path, level):
    received = []
    previous = signal.signal(signal.SIGUSR1, lambda *a: received.append(1))
    try:
        message = _failure(
            tmp_path,
            level,
            f"""
            import os, signal
            def sequence(p, d, w):
                try:
                    os.kill({os.getpid()}, signal.SIGUSR1)
                except OSError as err:
                    raise RuntimeError(f"errno={{err.errno}}")
                return list(range(len(p)))
            """,
        )
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert received == [] and _errno_of(message) == errno.EPERM
