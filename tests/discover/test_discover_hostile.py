"""Hostile candidates from the mutate server, evaluated with the static checks off so each one reaches the
sandbox: every one gets a failure code (or is a harmless valid rule), no file appears outside the run, the
test's listener accepts no connection, and no process is left behind.

The matrix runs at every sandbox level this machine gives; a level it lacks is skipped with its reason.
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
from schedbench.heuristics.sandbox import LEVELS, Limits, probe_level
from schedbench.llm_eval.mutate import HOSTILE, MutateConfig, hostile_answer
from schedbench.problems import SchedbenchError

SIGNATURE = "def priority(p, d, w, t, remaining):"
#: the failure code of each attack, at every level (what stops it differs: see tests/heuristics/test_sandbox_levels.py)
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


@pytest.mark.parametrize("level", LEVELS)
def test_every_level_stops_every_attack(smtt_splits, tmp_path, level):
    probes, why = probe_level(level)
    if probes is None:
        pytest.skip(f"sandbox level {level} is not available here: {why}")
    assert choose_sandbox(level)[:2] == (level, probes)
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
                limits = Limits(cpu_seconds=1, wall_seconds=5, memory_bytes=512 << 20, sandbox=level)
                score = score_plugin(str(path), split, limits)
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


def test_a_level_the_machine_lacks_is_refused_in_one_line(monkeypatch):
    from schedbench.heuristics import sandbox

    monkeypatch.setattr(sandbox, "_PROBES", {})
    real_which = sandbox.shutil.which
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None if name == "bwrap" else real_which(name))
    with pytest.raises(SchedbenchError) as caught:
        choose_sandbox("bwrap")
    assert str(caught.value) == (
        "--sandbox bwrap is not available here: bwrap is not installed (Debian: apt-get install bubblewrap)"
    )
    level, _, warnings = choose_sandbox("auto")  # auto falls back to the strongest level left
    assert level == next(lv for lv in ("seccomp", "netns", "rlimits") if probe_level(lv)[0] is not None)
    assert bool(warnings) == (level in ("rlimits", "netns"))


def test_a_level_below_seccomp_is_warned_about():
    level, _, warnings = choose_sandbox("rlimits")
    assert level == "rlimits" and len(warnings) == 1 and "BELOW SECCOMP" in warnings[0]
    assert "\n" not in warnings[0]
    auto, _, warnings = choose_sandbox("auto")
    assert bool(warnings) == (auto in ("rlimits", "netns"))
