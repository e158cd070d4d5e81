"""Limits a grading child sets on itself before it imports a submission. Standard library only.

Resource limits always apply. The audit hook is the fallback where no real
sandbox is available: Python code cannot remove an audit hook, so it blocks
new processes, sockets, native calls and any file access outside the child's
own directory (reads of the Python installation excepted).
"""

from __future__ import annotations

import os
import resource
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
        elif event in WRITE_EVENTS and args and not inside(args[0], writable):
            raise PermissionError(f"{event} on {args[0]!r} is not allowed while grading")
        elif event in READ_EVENTS and args and args[0] is not None and not inside(args[0], readable):
            raise PermissionError(f"{event} on {args[0]!r} is not allowed while grading")

    sys.addaudithook(hook)
