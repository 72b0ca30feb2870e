"""The steps a plug-in child takes to lock itself in, by sandbox level (see :mod:`schedbench.heuristics.sandbox`).

Everything here runs in the child, before it reads the plug-in's source. :func:`lock_in` returns which
protections took hold; the parent refuses a child that lacks one its level requires.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import signal
import socket
import sys

from schedbench.heuristics import sandbox_seccomp

NOBODY = 65534

_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_LINUX_CAPABILITY_VERSION_3 = 0x20080522
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
_NO_LANDLOCK = {"landlock_fs": False, "landlock_net": False, "landlock_scope": False}


def libc() -> ctypes.CDLL | None:
    """The C library of this process, or None where there is none to call."""
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover - no C library to call
        return None


def lock_files() -> None:
    """No new file descriptors from here on: soft and hard limits drop to the highest one already open."""

    def is_open(fd: int) -> bool:
        try:
            os.fstat(fd)
            return True
        except OSError:
            return False

    try:
        listed = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc (under bwrap): look at every number the current limit allows
        listed = [fd for fd in range(min(resource.getrlimit(resource.RLIMIT_NOFILE)[0], 4096)) if is_open(fd)]
    limit = max(fd for fd in listed if is_open(fd)) + 1
    for hole in [fd for fd in range(limit) if not is_open(fd)]:
        os.open(os.devnull, os.O_RDONLY)  # fill every free number below the limit
        assert is_open(hole)
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))


def drop_root() -> bool:
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


def _drop_capabilities(lib: ctypes.CDLL) -> bool:
    """Empty the capability sets (those a new user namespace gives its creator)."""

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        ]

    data = (Data * 2)()
    return lib.capset(ctypes.byref(Header(_LINUX_CAPABILITY_VERSION_3, 0)), data) == 0


def new_network_namespace(lib: ctypes.CDLL) -> bool:
    """Move this process into a network namespace of its own (root: directly; otherwise inside a new user
    namespace, whose capabilities are dropped again); True if it now has one."""
    flags = _CLONE_NEWNET if os.getuid() == 0 else _CLONE_NEWUSER | _CLONE_NEWNET
    if lib.unshare(ctypes.c_int(flags)) != 0:
        return False
    if flags & _CLONE_NEWUSER and not _drop_capabilities(lib):
        return False
    return loopback_unreachable()


def loopback_unreachable() -> bool:
    """True if no TCP connection can start, not even to 127.0.0.1: the namespace's loopback is down."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(("127.0.0.1", 9))
    except OSError as err:
        return err.errno == errno.ENETUNREACH
    finally:
        probe.close()
    return False


def _landlock_ruleset(lib: ctypes.CDLL) -> tuple[int, int, int]:
    """A Landlock ruleset that handles (so denies) all path-based file access, TCP and outside signals, as far
    as the kernel allows: (its descriptor or -1, the net rights, the scopes). Made before the descriptor
    table is frozen, since the ruleset is itself a descriptor."""
    abi = lib.syscall(
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
    ruleset = lib.syscall(_SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    return (ruleset, net, scope) if ruleset >= 0 else (-1, 0, 0)


def _landlock_restrict(lib: ctypes.CDLL, ruleset: tuple[int, int, int]) -> dict[str, bool]:
    """Enforce the ruleset on this process. Its descriptor stays open: closing it would free a slot below
    the frozen descriptor limit (a socket could take it), and it grants nothing."""
    fd, net, scope = ruleset
    if fd < 0:
        return dict(_NO_LANDLOCK)
    lib.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    done = lib.syscall(_SYS_LANDLOCK_RESTRICT_SELF, fd, 0) == 0
    return {"landlock_fs": done, "landlock_net": done and bool(net), "landlock_scope": done and bool(scope)}


def lock_in(limits: dict[str, int], level: str) -> dict[str, bool]:  # pragma: no cover - in the child
    """Lock this process in at ``level`` (``rlimits``, ``netns``, ``seccomp`` or ``bwrap``, already inside
    bwrap for the last); the protections that took hold."""
    parent = os.getppid()
    for limit, value in (
        (resource.RLIMIT_CPU, limits["cpu"]),
        (resource.RLIMIT_AS, limits["memory"]),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
    ):
        resource.setrlimit(limit, (value, value))
    lib = libc() if sys.platform.startswith("linux") else None
    found: dict[str, bool] = {"hard_limits": True}
    if level in ("netns", "seccomp"):
        found["netns"] = lib is not None and new_network_namespace(lib)
    elif level == "bwrap":  # bwrap made the namespaces (the parent checks the PID one); check two
        found["netns"] = [name for _, name in socket.if_nameindex()] == ["lo"]  # bwrap brings lo up
        found["own_root"] = not os.path.exists("/proc/1") and not os.path.exists("/etc/passwd")
    found["no_root"] = drop_root()
    if lib is not None:
        lib.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # after setuid, which clears it
    if os.getppid() != parent:
        os._exit(1)  # the parent is already gone
    seccomp = level in ("seccomp", "bwrap")
    if not seccomp:  # below seccomp, no process may start, not even a thread
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    ruleset = _landlock_ruleset(lib) if lib is not None else (-1, 0, 0)
    lock_files()
    found["no_new_files"] = True
    found.update(_landlock_restrict(lib, ruleset) if lib is not None else _NO_LANDLOCK)
    if seccomp:  # the last step: from here on no new process, socket, exec, ptrace or mount
        found["seccomp"] = lib is not None and sandbox_seccomp.install(lib)
        found["no_processes"] = found["seccomp"]
    else:
        found["no_processes"] = found["no_root"]
    return found
