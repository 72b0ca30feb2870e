"""Hostile candidates from the mutate server, evaluated with the static checks off so each one reaches the
sandbox: every one gets a failure code (or is a harmless valid rule), no file appears outside the run, the
test's listener accepts no connection, and no process is left behind.

The sandbox level of this machine is probed; a level it does not give is skipped with its reason.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from schedbench.discover.candidate import extract_code, parse_check, static_check
from schedbench.discover.config import choose_sandbox
from schedbench.discover.scoring import load_split, score_plugin
from schedbench.heuristics.sandbox import Limits
from schedbench.llm_eval.mutate import HOSTILE, MutateConfig, hostile_answer

SIGNATURE = "def priority(p, d, w, t, remaining):"
#: what stops each attack at the rlimits level (root -> nobody, RLIMIT_NPROC 0, descriptors locked)
EXPECTED = {
    "infinite_loop": {"cpu_limit", "timeout_wall"},
    "memory_bomb": {"memory"},
    "socket": {"blocked_syscall"},
    "os_system": {"blocked_syscall"},
    "file_write": {"blocked_syscall"},
    "fork_loop": {"blocked_syscall"},
    "grandchild": {"blocked_syscall"},
    "nan": {"nan_priority"},
    "wrong_length": {"wrong_length"},
    "prose": {"no_code"},
    "syntax_error": {"syntax"},
    "lookup_table": {None},  # a legal rule at run time; the static checks reject it (literal_table)
    "index_keyed": {None},  # a legal (bad) rule
}
STATIC = {"socket": "forbidden_import", "os_system": "forbidden_import", "file_write": "forbidden_name",
          "fork_loop": "forbidden_import", "grandchild": "forbidden_import", "lookup_table": "literal_table"}  # fmt: skip


class Listener:
    """A loopback TCP listener that counts accepted connections."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
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

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


def _orphans_since(start_ticks: int) -> list[int]:
    """Sandbox child processes adopted by init (a detached grandchild would be one) started after the test began."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if stat[1] == "1" and int(stat[19]) >= start_ticks and b"child_main" in cmdline:
            found.append(int(entry.name))
    return found


def _now_ticks() -> int:
    return int(float(Path("/proc/uptime").read_text().split()[0]) * os.sysconf("SC_CLK_TCK"))


def test_the_rlimits_level_stops_every_attack(smtt_splits, tmp_path):
    level, probes, _ = choose_sandbox("rlimits")
    split = load_split("train", smtt_splits["train"], smtt_splits["references"])
    split.instances, split.refs = (
        split.instances[:2],
        {i.name: split.refs[i.name] for i in split.instances[:2]},
    )
    listener = Listener()
    start = _now_ticks()
    outcome = {}
    try:
        config = MutateConfig(hostile_port=listener.port, hostile_dir=str(tmp_path))
        for kind in HOSTILE:
            answer = hostile_answer(kind, SIGNATURE, "priority", config)
            code = extract_code(answer)
            static = static_check(code, "priority")
            if kind in STATIC:
                assert static is not None and static.code == STATIC[kind], kind
            failure = parse_check(code)
            if failure is None:
                path = tmp_path / "candidates" / f"{kind}.py"
                path.parent.mkdir(exist_ok=True)
                path.write_text(code or "")
                score = score_plugin(
                    str(path), split, Limits(cpu_seconds=1, wall_seconds=5, memory_bytes=512 << 20)
                )
                failure = score.failure
            outcome[kind] = None if failure is None else failure.code
        time.sleep(0.5)  # let a detached grandchild, had one been made, show up
        leftovers = _orphans_since(start)
    finally:
        listener.close()
    for kind, code in outcome.items():
        assert code in EXPECTED[kind], (kind, code)
    assert listener.accepted == 0
    assert not list(tmp_path.glob("schedbench-pwned*"))
    assert leftovers == []
    assert level in ("rlimits", "landlock") and probes["no_processes"]


def test_the_landlock_level_is_refused_where_the_kernel_lacks_it():
    level, probes, _ = choose_sandbox("auto")
    if level == "landlock":
        assert choose_sandbox("landlock")[0] == "landlock"
        pytest.skip("this kernel gives Landlock; the refusal is not reachable here")
    with pytest.raises(Exception, match="Landlock"):
        choose_sandbox("landlock")
