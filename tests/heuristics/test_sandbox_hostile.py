"""Hostile plug-ins: the limits they try to lift stay in force, and nothing of theirs outlives the run.

Each plug-in below tries one attack on the first call and otherwise behaves; the test checks the attack's
effect on the machine (a file still there, a listener that got no connection, no process left), not
only the failure message.
"""

from __future__ import annotations

import os
import socket
import textwrap
import time
from pathlib import Path

import pytest
from helpers.instances import smtt_dict

from schedbench.heuristics.plugins import load_plugin
from schedbench.heuristics.sandbox import Limits, PluginFailure, sandbox_level
from schedbench.problems import SchedbenchError, parse_instance

LIMITS = Limits(cpu_seconds=1, wall_seconds=6, memory_bytes=1024**3)
LEVEL = sandbox_level()
INSTANCE = parse_instance(smtt_dict([1, 2, 3, 4], [3, 3, 3, 3], name="h"))

OTHER = parse_instance({**INSTANCE.to_dict(), "name": "o", "jobs": INSTANCE.to_dict()["jobs"][:3]})


def _rule(tmp_path: Path, body: str):
    path = tmp_path / "hostile.py"
    path.write_text(textwrap.dedent(body))
    return load_plugin(path, LIMITS)


def _run_expecting_failure(tmp_path: Path, body: str) -> str:
    """The plug-in fails, at load (an import the sandbox refuses) or on its first instance."""
    try:
        rule = _rule(tmp_path, body)
    except SchedbenchError as err:
        return str(err)
    try:
        with pytest.raises(PluginFailure) as caught:
            rule.run(INSTANCE)
        return str(caught.value)
    finally:
        rule.close()


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_the_machine_gives_the_expected_protections():
    assert LEVEL["hard_limits"] and LEVEL["no_new_files"]
    if os.getuid() == 0:
        assert LEVEL["no_root"] and LEVEL["no_processes"], LEVEL


def test_raising_the_descriptor_limit_does_not_reopen_files(tmp_path):
    message = _run_expecting_failure(
        tmp_path,
        """
        import resource
        def sequence(p, d, w):
            resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
            raise RuntimeError(open("/etc/passwd").read())
        """,
    )
    assert "root:" not in message and "ValueError" in message or "PermissionError" in message


def test_the_parents_environment_stays_closed(tmp_path, monkeypatch):
    monkeypatch.setenv("SB_PARENT_SECRET", "hunter2-parent-secret")
    message = _run_expecting_failure(
        tmp_path,
        """
        import os
        def sequence(p, d, w):
            found = [k for k in os.environ if k == "SB_PARENT_SECRET"]
            try:
                with open(f"/proc/{os.getppid()}/environ", "rb") as handle:
                    found.append(handle.read().decode(errors="replace"))
            except OSError as err:
                found.append(type(err).__name__)
            raise RuntimeError(repr(found))
        """,
    )
    assert "hunter2" not in message and "SB_PARENT_SECRET" not in message


@pytest.mark.parametrize(
    "attack", ["os.unlink(TARGET)", "os.rename(TARGET, TARGET + '.x')", "os.truncate(TARGET, 0)"]
)
def test_files_cannot_be_removed_renamed_or_truncated(tmp_path, attack):
    victim_dir = tmp_path / "open"
    victim_dir.mkdir()
    victim_dir.chmod(0o777)  # only the sandbox, not file permissions, may stop the attack
    target = victim_dir / "keep.txt"
    target.write_text("precious")
    target.chmod(0o666)
    _run_expecting_failure(
        tmp_path,
        f"""
        import os
        TARGET = {str(target)!r}
        def sequence(p, d, w):
            {attack}
            return list(range(len(p)))
        """,
    )
    assert target.read_text() == "precious"


def test_a_raised_cpu_limit_is_still_enforced_by_the_parent(tmp_path):
    started = time.monotonic()
    message = _run_expecting_failure(
        tmp_path,
        """
        import resource
        def sequence(p, d, w):
            soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
            resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
            while True:
                pass
        """,
    )
    assert "CPU" in message
    assert time.monotonic() - started < LIMITS.wall_seconds


def test_no_socket_reaches_a_listener(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        _run_expecting_failure(
            tmp_path,
            f"""
            import socket
            def sequence(p, d, w):
                socket.create_connection(("127.0.0.1", {port}), timeout=1)
                return list(range(len(p)))
            """,
        )
        with pytest.raises(OSError):
            listener.accept()


@pytest.mark.skipif(not LEVEL.get("no_processes"), reason="RLIMIT_NPROC does not bind here (running as root)")
def test_no_fork_and_no_detached_grandchild_survives(tmp_path):
    marker = f"sb-orphan-{os.getpid()}-{time.monotonic_ns()}"
    _run_expecting_failure(
        tmp_path,
        f"""
        import os
        def sequence(p, d, w):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv("/bin/sleep", ["/bin/sleep", "60", {marker!r}])
                os._exit(0)
            return list(range(len(p)))
        """,
    )
    time.sleep(0.3)
    assert _processes_with(marker) == []


def test_a_deeply_nested_reply_does_not_desynchronise_the_protocol(tmp_path):
    rule = _rule(
        tmp_path,
        """
        def sequence(p, d, w):
            if len(p) == 4:
                deep = []
                for _ in range(100_000):
                    deep = [deep]
                return deep
            return list(range(len(p)))
        """,
    )
    try:
        with pytest.raises(PluginFailure):
            rule.run(INSTANCE)
        solution = rule.run(OTHER)  # a fresh child answers the next instance, in step
        assert solution["sequence"] == ["J0", "J1", "J2"]
    finally:
        rule.close()


def test_error_texts_are_capped_and_printable(tmp_path):
    message = _run_expecting_failure(
        tmp_path,
        """
        def sequence(p, d, w):
            raise RuntimeError("\\x1b[31m<b>" + "x" * 10_000)
        """,
    )
    assert len(message) <= 500 and "\x1b" not in message


def test_no_sandbox_process_is_left_after_close(tmp_path):
    rule = _rule(tmp_path, "def sequence(p, d, w):\n    return list(range(len(p)))\n")
    rule.run(INSTANCE)
    pid = rule._sandbox.proc.pid
    rule.close()
    assert not Path(f"/proc/{pid}").exists()
