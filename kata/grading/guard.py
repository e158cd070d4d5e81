"""Limits a grading child sets on itself before it imports a submission. Standard library only.

Resource limits always apply. Outside bubblewrap, confine() puts the child
behind the kernel's boundary (Landlock and seccomp), which no code it runs
can lift. The audit hook is a tripwire on top, never a boundary: code in the
same process can find and rewrite it (gc.get_objects() reaches its closure),
so no grade depends on it.
"""

from __future__ import annotations

import ctypes
import os
import resource
import struct
import sys
from typing import Any

MiB = 1024 * 1024
REFUSED = "is not allowed while grading"  # the end of every refusal the audit hook raises
LIMITS = {
    resource.RLIMIT_CPU: 300,  # seconds of CPU for one child, whatever its wall clock
    resource.RLIMIT_AS: 1024 * MiB,
    resource.RLIMIT_FSIZE: 0,  # no file grows: a grading child writes nothing
    resource.RLIMIT_NOFILE: 64,
    resource.RLIMIT_CORE: 0,
    resource.RLIMIT_NPROC: 64,  # threads, for the throwaway user the child runs as (root ignores it)
}

BLOCKED_EVENTS = frozenset({
    "os.system", "os.exec", "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn",
    "subprocess.Popen", "os.kill", "os.killpg", "pty.spawn", "signal.pthread_kill",
    "socket.__new__", "socket.connect", "socket.bind",
    "ctypes.dlopen", "ctypes.dlsym", "ctypes.cdata", "ctypes.call_function",
    "resource.setrlimit", "resource.prlimit", "os.chroot", "os.chdir", "sys.remote_exec",
})
WRITE_EVENTS = frozenset({
    "os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.symlink", "os.link", "os.truncate",
    "os.chmod", "os.chown", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move",
})
TWO_PATH_EVENTS = frozenset({"os.rename", "os.link", "os.symlink", "shutil.copyfile", "shutil.move"})
READ_EVENTS = frozenset({"os.listdir", "os.scandir", "glob.glob", "os.walk", "os.fwalk"})
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def limit_resources() -> None:
    for limit, value in LIMITS.items():
        resource.setrlimit(limit, (value, value))


def install_audit_hook(home: str) -> None:
    """Allow writes under home only, and reads under home and the Python installation."""
    writable = (os.path.realpath(home),)
    readable = writable + tuple({os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)})

    def inside(path: Any, places: tuple[str, ...]) -> bool:
        if isinstance(path, int):
            return True  # an already open descriptor: opening it was checked
        real = os.path.realpath(os.fsdecode(path))
        return any(real == place or real.startswith(place + os.sep) for place in places)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event in BLOCKED_EVENTS:
            raise PermissionError(f"{event} {REFUSED}")
        if event == "open":
            path, mode, flags = args
            writing = any(c in (mode or "") for c in "wax+") or bool((flags or 0) & WRITE_FLAGS)
            if path is not None and not inside(path, writable if writing else readable):
                raise PermissionError(f"{'writing' if writing else 'reading'} {path!r} {REFUSED}")
        elif event in WRITE_EVENTS:
            for path in args[:2] if event in TWO_PATH_EVENTS else args[:1]:  # source and destination
                if path is not None and not inside(path, writable):
                    raise PermissionError(f"{event} on {path!r} {REFUSED}")
        elif event in READ_EVENTS and args and args[0] is not None and not inside(args[0], readable):
            raise PermissionError(f"{event} on {args[0]!r} {REFUSED}")

    sys.addaudithook(hook)


# What the kernel enforces, beneath anything Python code can reach (Linux; elsewhere, the hook alone).
_LANDLOCK_CREATE_RULESET, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT_SELF = 444, 445, 446  # every arch
_PR_SET_NO_NEW_PRIVS, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER = 38, 22, 2
# Landlock's file-system rights, by the ABI version that added them.
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
_READ = _EXECUTE | _READ_FILE | _READ_DIR
_FILE_RIGHTS = _EXECUTE | _WRITE_FILE | _READ_FILE | (1 << 14) | (1 << 15)  # what a rule on a file may grant
_SCOPE_SIGNAL, _SCOPE_ABSTRACT_SOCKET = 1 << 1, 1 << 0  # ABI 6: no signal, no socket outside this process
_NET_TCP = 0b11  # ABI 4: bind and connect, handled with no rule: refused


def readable_places() -> list[str]:
    """What the child may read besides its own directory: the standard library (without its
    site-packages, where PyTorch could lie) and the system's shared libraries. Nothing of the
    grader's: not its tree, its environment, /proc, other submissions or the reference."""
    stdlib = os.path.dirname(os.__file__)
    places = [os.path.join(stdlib, entry) for entry in sorted(os.listdir(stdlib))
              if entry not in ("site-packages", "dist-packages")]
    places += ["/lib64", "/usr/lib64", "/etc/ld.so.cache"]
    multiarch = getattr(sys.implementation, "_multiarch", "")  # x86_64-linux-gnu on Debian
    if multiarch:
        places += [f"/lib/{multiarch}", f"/usr/lib/{multiarch}"]
    return sorted({os.path.realpath(p) for p in places if os.path.exists(p)})


def confine(home: str, syscall_filter: bytes) -> str:
    """The kernel's boundary for this process and all it runs from now on: Landlock lets it read
    only home and readable_places() and write nowhere (so the runner and the suites stay as they
    are, whoever owns them, and no file can fill the disk); seccomp lets it make only the calls
    kata.grading.syscall_filter allows (no process, signal, socket, ptrace, nor another arch's calls).

    Returns what the kernel enforces now; OSError where it cannot enforce both.
    """
    libc = _no_new_privileges()
    abi = _landlock(libc, [os.path.realpath(home), *readable_places()])
    _seccomp(libc, syscall_filter)
    return f"Landlock ABI {abi}, seccomp allow-list"


def filter_syscalls(syscall_filter: bytes) -> None:
    """Only the calls kata.grading.syscall_filter allows, from now on: inside bubblewrap, whose own view
    of the filesystem stands in for Landlock."""
    _seccomp(_no_new_privileges(), syscall_filter)


def _no_new_privileges() -> Any:
    """libc, once this process can never gain privileges again: both Landlock and seccomp need it."""
    if sys.platform != "linux":
        raise OSError("kernel confinement is written for Linux only")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    return libc


def _landlock(libc: Any, readable: list[str]) -> int:
    """Restrict this process's file access to reading what is beneath readable, and no more."""
    abi = libc.syscall(_LANDLOCK_CREATE_RULESET, None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    if abi < 1:
        raise OSError("this kernel has no Landlock, so reads cannot be confined")
    rights = _FS_RIGHTS[max(v for v in _FS_RIGHTS if v <= abi)]
    net = _NET_TCP if abi >= 4 else 0
    scoped = _SCOPE_SIGNAL | _SCOPE_ABSTRACT_SOCKET if abi >= 6 else 0
    attr = struct.pack("QQQ", rights, net, scoped)[:8 if abi < 4 else 16 if abi < 6 else 24]
    ruleset = libc.syscall(_LANDLOCK_CREATE_RULESET, attr, len(attr), 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    for place, allowed in ((p, _READ & rights) for p in readable):
        fd = os.open(place, os.O_PATH | os.O_CLOEXEC)
        if not os.path.isdir(place):
            allowed &= _FILE_RIGHTS
        rule = struct.pack("=Qi", allowed, fd)  # landlock_path_beneath_attr, packed
        added = libc.syscall(_LANDLOCK_ADD_RULE, ruleset, 1, rule, 0)
        os.close(fd)
        if added != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {place}")
    if libc.syscall(_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(ruleset)
    return int(abi)


def _seccomp(libc: Any, program: bytes) -> None:
    """Load a BPF program made by kata.grading.syscall_filter: from now on, only the calls it allows."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = struct.pack("HxxxxxxP", len(program) // 8, ctypes.addressof(buffer))  # struct sock_fprog
    if libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, fprog, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "the kernel refused the seccomp filter")
