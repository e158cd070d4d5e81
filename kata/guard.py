"""Limits a grading child sets on itself before it imports a submission. Standard library only.

Resource limits always apply. The audit hook is the fallback where no real
sandbox is available: Python code cannot remove an audit hook, so it blocks
new processes, sockets, native calls and any file access outside the child's
own directory (reads of the Python installation excepted).
"""

from __future__ import annotations

import ctypes
import os
import platform
import resource
import struct
import sys
from typing import Any

MiB = 1024 * 1024
LIMITS = {
    resource.RLIMIT_CPU: 300,  # seconds of CPU for one child, whatever its wall clock
    resource.RLIMIT_AS: 1024 * MiB,
    resource.RLIMIT_FSIZE: 16 * MiB,
    resource.RLIMIT_NOFILE: 64,
    resource.RLIMIT_CORE: 0,
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
            raise PermissionError(f"{event} is not allowed while grading")
        if event == "open":
            path, mode, flags = args
            writing = any(c in (mode or "") for c in "wax+") or bool((flags or 0) & WRITE_FLAGS)
            if path is not None and not inside(path, writable if writing else readable):
                raise PermissionError(f"{'writing' if writing else 'reading'} {path!r} is not allowed while grading")
        elif event in WRITE_EVENTS:
            for path in args[:2] if event in TWO_PATH_EVENTS else args[:1]:  # source and destination
                if path is not None and not inside(path, writable):
                    raise PermissionError(f"{event} on {path!r} is not allowed while grading")
        elif event in READ_EVENTS and args and args[0] is not None and not inside(args[0], readable):
            raise PermissionError(f"{event} on {args[0]!r} is not allowed while grading")

    sys.addaudithook(hook)


# What the kernel enforces, beneath anything Python code can reach (x86_64 Linux; elsewhere, the hook alone).
_SYSCALLS = {"landlock_create_ruleset": 444, "landlock_add_rule": 445, "landlock_restrict_self": 446}
_NO_NEW_PROCESS = (57, 58, 59, 322)  # fork, vfork, execve, execveat
_NO_SIGNAL = (62, 200, 234, 424, 434)  # kill, tkill, tgkill, pidfd_send_signal, pidfd_open
_CLONE, _CLONE3, _CLONE_THREAD = 56, 435, 0x00010000


def confine(home: str) -> str:
    """Writes only beneath home, no new process and no signal to another: a kernel-level backstop.

    The audit hook alone misses calls that raise no audit event (os.mkfifo,
    os.mknod, _posixsubprocess.fork_exec, signal.pidfd_send_signal, ...).
    Returns what the kernel enforces now; OSError where it cannot.
    """
    if sys.platform != "linux" or platform.machine() != "x86_64":
        raise OSError("kernel confinement is written for x86-64 Linux only")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS, required by both below
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    landlock = _landlock_writes_beneath(libc, home)
    _seccomp_no_processes_or_signals(libc)
    return "Landlock, seccomp" if landlock else "seccomp; no Landlock in this kernel"


def _landlock_writes_beneath(libc: Any, home: str) -> bool:
    """Whether Landlock now refuses writes outside home; False where the kernel has no Landlock."""
    abi = libc.syscall(_SYSCALLS["landlock_create_ruleset"], None, 0, 1)  # LANDLOCK_CREATE_RULESET_VERSION
    if abi < 1:
        return False  # the audit hook stays the only guard of the filesystem
    writes = 0b1_1111_1111_0010  # WRITE_FILE, REMOVE_DIR/FILE, MAKE_CHAR/DIR/REG/SOCK/FIFO/BLOCK/SYM
    if abi >= 2:
        writes |= 1 << 13  # REFER: links and renames across directories
    if abi >= 3:
        writes |= 1 << 14  # TRUNCATE
    attr = struct.pack("QQQ", writes, 0, 0)  # handled_access_fs, handled_access_net, scoped
    ruleset = libc.syscall(_SYSCALLS["landlock_create_ruleset"], attr, 8 if abi < 4 else 16, 0)
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    home_fd = os.open(home, os.O_PATH | os.O_CLOEXEC)
    rule = struct.pack("=Qi", writes, home_fd)  # landlock_path_beneath_attr, packed
    if libc.syscall(_SYSCALLS["landlock_add_rule"], ruleset, 1, rule, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_add_rule failed")
    if libc.syscall(_SYSCALLS["landlock_restrict_self"], ruleset, 0) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(home_fd)
    os.close(ruleset)
    return True


def _seccomp_no_processes_or_signals(libc: Any) -> None:
    def op(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)
    LD, JEQ, JSET, RET = 0x20, 0x15, 0x45, 0x06
    ALLOW, EPERM, ENOSYS = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38
    program = [op(LD, 0, 0, 4), op(JEQ, 1, 0, 0xC000003E), op(RET, 0, 0, ALLOW),  # not x86_64: allow
               op(LD, 0, 0, 0), op(JEQ, 0, 1, _CLONE3), op(RET, 0, 0, ENOSYS)]  # glibc falls back to clone
    for number in _NO_NEW_PROCESS + _NO_SIGNAL:
        program += [op(JEQ, 0, 1, number), op(RET, 0, 0, EPERM)]
    program += [op(JEQ, 0, 3, _CLONE), op(LD, 0, 0, 16), op(JSET, 1, 0, _CLONE_THREAD),  # a thread: allow
                op(RET, 0, 0, EPERM), op(RET, 0, 0, ALLOW)]
    code = b"".join(program)
    buffer = ctypes.create_string_buffer(code, len(code))
    fprog = struct.pack("HxxxxxxP", len(program), ctypes.addressof(buffer))
    if libc.prctl(22, 2, fprog, 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "seccomp filter refused")
