"""The seccomp BPF program, run here by a small interpreter of the five instructions it uses: what it
allows and denies for each architecture, and its system-call numbers against the kernel headers."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import pytest

from schedbench.heuristics import sandbox_seccomp as sc

ALLOW, KILL = 0x7FFF0000, 0x80000000
PID = 4242


def errno_of(code: int) -> int:
    return 0x00050000 | code


def run(prog, nr: int, arch: int, args=(0,) * 6) -> int:
    """The action the program returns for one system call (classic BPF, the subset the builder emits)."""
    data = {0: nr, 4: arch}
    for k, value in enumerate(args):
        data[16 + 8 * k] = value & 0xFFFFFFFF
        data[20 + 8 * k] = value >> 32
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = prog[pc]
        assert 0 <= pc < len(prog)
        if code == 0x20:
            acc = data[k]
            pc += 1
        elif code in (0x15, 0x35, 0x45):
            hit = acc == k if code == 0x15 else acc >= k if code == 0x35 else bool(acc & k)
            pc += 1 + (jt if hit else jf)
        elif code == 0x06:
            return k
        else:  # pragma: no cover
            raise AssertionError(f"unexpected opcode {code:#x}")


@pytest.mark.parametrize("arch", sorted(sc.SYSCALLS))
def test_the_filter_denies_what_it_says_and_allows_the_rest(arch):
    prog = sc.build_filter(arch, PID)
    audit = sc._AUDIT_ARCH[arch]
    nr = sc.SYSCALLS[arch]
    jumps = [(pc, jt, jf) for pc, (code, jt, jf, _) in enumerate(prog) if code in (0x15, 0x35, 0x45)]
    assert all(pc + 1 + max(jt, jf) < len(prog) for pc, jt, jf in jumps)  # every jump lands inside
    assert prog[-1] == (0x06, 0, 0, ALLOW)
    for name in sc.DENIED:
        if name in nr:
            assert run(prog, nr[name], audit) == errno_of(errno.EPERM), name
    assert run(prog, nr["clone3"], audit) == errno_of(errno.ENOSYS)
    thread = 0x3D0F00  # glibc's pthread_create flags: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|...
    assert run(prog, nr["clone"], audit, (thread,)) == ALLOW
    assert run(prog, nr["clone"], audit, (0x4111,)) == errno_of(errno.EPERM)  # vfork-like: VM|VFORK|SIGCHLD
    for name in sc.SELF_ONLY:
        assert run(prog, nr[name], audit, (PID,)) == ALLOW, name
        assert run(prog, nr[name], audit, (0,)) == ALLOW, name
        assert run(prog, nr[name], audit, (PID + 1,)) == errno_of(errno.EPERM), name
        assert run(prog, nr[name], audit, ((-1) & 0xFFFFFFFF,)) == errno_of(errno.EPERM), name
    for harmless in (0, 1, 3, 9, 60, 63, 200 + 300):  # read/write/close/mmap-like numbers, getrandom-ish
        if harmless not in set(nr.values()):
            assert run(prog, harmless, audit) == ALLOW
    other = next(a for a in sc._AUDIT_ARCH.values() if a != audit)
    assert run(prog, 0, other) == KILL  # a system call of another architecture ends the process
    assert run(prog, 0, 0x40000003) == KILL  # i386 (int 0x80)
    if arch == "x86_64":
        assert run(prog, 0x40000000 | 41, audit) == KILL  # the x32 ABI


def _header_numbers(path: Path) -> dict[str, int]:
    text = path.read_text()
    return {m[1]: int(m[2]) for m in re.finditer(r"#define __NR(?:3264)?_(\w+)\s+(\d+)\b", text)}


@pytest.mark.parametrize(
    ("arch", "header"),
    [
        ("x86_64", "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
        ("aarch64", "/usr/include/asm-generic/unistd.h"),
    ],
)
def test_the_numbers_match_the_kernel_headers(arch, header):
    path = Path(header)
    if not path.is_file():
        pytest.skip(f"{header} is not installed")
    found = _header_numbers(path)
    for name, number in sc.SYSCALLS[arch].items():
        assert found.get(name) == number, name
