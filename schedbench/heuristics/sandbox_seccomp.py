"""The seccomp filter of the plug-in sandbox: a classic BPF program built here and installed with ctypes.

It is a deny list on top of everything else the child does (see :mod:`schedbench.heuristics.sandbox`):
Python, numpy and threads keep every call they make, and these fail with ``EPERM``:

- new processes: ``fork``, ``vfork``, ``clone`` without ``CLONE_THREAD`` (threads still start), ``execve``,
  ``execveat``; ``clone3`` fails with ``ENOSYS`` so that glibc falls back to ``clone``, whose flags the
  filter can read;
- sockets: ``socket``, ``socketpair`` (any family; nothing the child runs needs one);
- other processes: ``ptrace``, ``process_vm_readv/writev``, ``pidfd_open/getfd/send_signal``,
  ``kill``, ``tgkill``, ``rt_(tg)sigqueueinfo`` and ``prlimit64`` unless aimed at the child itself (or
  ``0``), ``tkill``, ``process_madvise``, ``migrate_pages``, ``move_pages``;
- the file system view and the kernel: ``mount`` and the new mount API, ``umount2``, ``pivot_root``,
  ``chroot``, ``unshare``, ``setns``, ``bpf``, ``perf_event_open``, ``io_uring_*`` (its requests would not
  pass through this filter), ``userfaultfd``, key management, module loading, ``kexec``, ``reboot``,
  ``swapon/off``, ``acct``, ``quotactl``, ``iopl/ioperm``, ``uselib``, file handles.

A system call of another architecture (32-bit ``int 0x80`` on x86_64, the x32 ABI, AArch32) kills the
process. The numbers are those of ``asm/unistd_64.h`` (x86_64) and ``asm-generic/unistd.h`` (aarch64);
a test checks them against the headers where those are installed.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

CLONE_THREAD = 0x00010000
X32_SYSCALL_BIT = 0x40000000
_AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}

_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000
# classic BPF opcodes
_LD_ABS_W = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET = 0x06  # BPF_RET | BPF_K
# offsets into struct seccomp_data (nr, arch, instruction pointer, args[6]); little-endian low words
_NR, _ARCH, _ARG0 = 0, 4, 16

_PR_SET_NO_NEW_PRIVS = 38
_PR_GET_SECCOMP = 21
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1
_SYS_SECCOMP = {"x86_64": 317, "aarch64": 277}

#: denied with EPERM, whatever the arguments
DENIED = (
    "socket socketpair fork vfork execve execveat ptrace process_vm_readv process_vm_writev "
    "pidfd_open pidfd_getfd pidfd_send_signal tkill process_madvise migrate_pages move_pages "
    "mount umount2 pivot_root chroot unshare setns open_tree move_mount fsopen fsconfig fsmount fspick "
    "mount_setattr bpf perf_event_open io_uring_setup io_uring_enter io_uring_register userfaultfd "
    "keyctl add_key request_key init_module finit_module delete_module kexec_load kexec_file_load "
    "reboot swapon swapoff acct quotactl quotactl_fd iopl ioperm uselib name_to_handle_at "
    "open_by_handle_at lookup_dcookie"
).split()
#: allowed only when the first argument is the child's own process id (or 0: itself / its own group)
SELF_ONLY = ("kill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "prlimit64")

_X86_64 = {
    "socket": 41, "socketpair": 53, "clone": 56, "fork": 57, "vfork": 58, "execve": 59, "kill": 62,
    "ptrace": 101, "rt_sigqueueinfo": 129, "uselib": 134, "pivot_root": 155, "chroot": 161, "acct": 163,
    "mount": 165, "umount2": 166, "swapon": 167, "swapoff": 168, "reboot": 169, "iopl": 172, "ioperm": 173,
    "init_module": 175, "delete_module": 176, "quotactl": 179, "tkill": 200, "lookup_dcookie": 212,
    "tgkill": 234, "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250,
    "migrate_pages": 256, "unshare": 272, "move_pages": 279, "rt_tgsigqueueinfo": 297,
    "perf_event_open": 298, "prlimit64": 302, "name_to_handle_at": 303, "open_by_handle_at": 304,
    "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311, "finit_module": 313,
    "kexec_file_load": 320, "bpf": 321, "execveat": 322, "userfaultfd": 323,
}  # fmt: skip
_AARCH64 = {
    "lookup_dcookie": 18, "umount2": 39, "mount": 40, "pivot_root": 41, "chroot": 51, "quotactl": 60,
    "acct": 89, "unshare": 97, "kexec_load": 104, "init_module": 105, "delete_module": 106, "ptrace": 117,
    "kill": 129, "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138, "reboot": 142, "socket": 198,
    "socketpair": 199, "add_key": 217, "request_key": 218, "keyctl": 219, "clone": 220, "execve": 221,
    "swapon": 224, "swapoff": 225, "migrate_pages": 238, "move_pages": 239, "rt_tgsigqueueinfo": 240,
    "perf_event_open": 241, "prlimit64": 261, "name_to_handle_at": 264, "open_by_handle_at": 265,
    "setns": 268, "process_vm_readv": 270, "process_vm_writev": 271, "finit_module": 273, "bpf": 280,
    "execveat": 281, "userfaultfd": 282, "kexec_file_load": 294,
}  # fmt: skip
_COMMON = {  # the same number on every architecture since Linux 5.1
    "pidfd_send_signal": 424, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
    "pidfd_open": 434, "clone3": 435, "pidfd_getfd": 438, "process_madvise": 440, "mount_setattr": 442,
    "quotactl_fd": 443,
}  # fmt: skip
SYSCALLS = {"x86_64": {**_X86_64, **_COMMON}, "aarch64": {**_AARCH64, **_COMMON}}


def machine() -> str:
    """The architecture name this filter knows it by (``x86_64``, ``aarch64``, or what the OS says)."""
    name = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(name, name)


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> tuple[int, int, int, int]:
    return code, jt, jf, k


def build_filter(arch: str, own_pid: int) -> list[tuple[int, int, int, int]]:
    """The BPF program as (code, jt, jf, k) instructions for ``arch``; ``own_pid`` is the process the
    signal and rlimit calls may still target."""
    if arch not in SYSCALLS:
        raise OSError(errno.ENOSYS, f"no seccomp filter for architecture {arch}")
    numbers = SYSCALLS[arch]
    eperm = _RET_ERRNO | errno.EPERM
    prog = [
        _op(_LD_ABS_W, _ARCH),
        _op(_JEQ, _AUDIT_ARCH[arch], jt=1),
        _op(_RET, _RET_KILL_PROCESS),
        _op(_LD_ABS_W, _NR),
    ]
    if arch == "x86_64":  # the x32 ABI: the same arch value, numbers with bit 30 set
        prog += [_op(_JGE, X32_SYSCALL_BIT, jf=1), _op(_RET, _RET_KILL_PROCESS)]
    for name in DENIED:
        if name in numbers:  # fork, vfork, iopl, ioperm and uselib exist on x86_64 only
            prog += [_op(_JEQ, numbers[name], jf=1), _op(_RET, eperm)]
    prog += [_op(_JEQ, numbers["clone3"], jf=1), _op(_RET, _RET_ERRNO | errno.ENOSYS)]
    # clone: a thread (CLONE_THREAD in the low word of the flags) passes, a process does not
    prog += [
        _op(_JEQ, numbers["clone"], jf=4),
        _op(_LD_ABS_W, _ARG0),
        _op(_JSET, CLONE_THREAD, jf=1),
        _op(_RET, _RET_ALLOW),
        _op(_RET, eperm),
    ]
    for name in SELF_ONLY:  # pid_t is an int: the low word of the first argument is the whole pid
        prog += [
            _op(_JEQ, numbers[name], jf=5),
            _op(_LD_ABS_W, _ARG0),
            _op(_JEQ, 0, jt=2),
            _op(_JEQ, own_pid, jt=1),
            _op(_RET, eperm),
            _op(_RET, _RET_ALLOW),
        ]
    prog.append(_op(_RET, _RET_ALLOW))
    return prog


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install(libc: ctypes.CDLL) -> bool:  # pragma: no cover - runs in the sandbox child
    """Install the filter on every thread of this process (after ``PR_SET_NO_NEW_PRIVS``); True if this
    process now runs under it."""
    arch = machine()
    if arch not in SYSCALLS:
        return False
    prog = build_filter(arch, os.getpid())
    raw = b"".join(struct.pack("=HBBI", *ins) for ins in prog)
    buffer = ctypes.create_string_buffer(raw, len(raw))
    fprog = _SockFprog(len(prog), ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    done = libc.syscall(
        ctypes.c_long(_SYS_SECCOMP[arch]),
        ctypes.c_long(_SECCOMP_SET_MODE_FILTER),
        ctypes.c_long(_SECCOMP_FILTER_FLAG_TSYNC),
        ctypes.byref(fprog),
    )
    return done == 0 and libc.prctl(_PR_GET_SECCOMP, 0, 0, 0, 0) == 2
