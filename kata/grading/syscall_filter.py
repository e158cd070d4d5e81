"""The system calls a grading child may make: an allow-list compiled to seccomp BPF by libseccomp.

The grader compiles it once; the child loads it before it imports a submission
(kata.grading.guard.confine), and bubblewrap loads the same program (--seccomp). libseccomp
resolves each name to this machine's number, kills a process that calls through
another architecture's table (i386's `int 0x80`, x32's numbers), and builds the
argument checks: reasons enough to use it rather than hand-written BPF. It is a
system library wherever apt or systemd is; the grader reaches it with ctypes,
so no compiled Python package is needed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import tempfile
from functools import cache

KILL_PROCESS = 0x80000000
ALLOW = 0x7FFF0000
DENY = 0x00050000 | errno.EPERM  # what any other call gets: an error the code can report
NO_CLONE3 = 0x00050000 | errno.ENOSYS  # glibc then starts threads with clone, whose flags are checked
BADARCH = 2  # SCMP_FLTATR_ACT_BADARCH
MASKED_EQ, EQUALS = 7, 4  # enum scmp_compare
CLONE_THREAD = 0x00010000
TCGETS, FIOCLEX, FIONCLEX = 0x5401, 0x5451, 0x5450  # isatty, and marking descriptors close-on-exec

# What Python needs to run a submission's arithmetic, threads and files: nothing that starts a
# process, sends a signal, opens a socket, reads another process or changes identity.
ALLOWED = (
    "read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close", "close_range",
    "open", "openat", "stat", "fstat", "lstat", "newfstatat", "statx", "statfs", "fstatfs",
    "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getcwd", "getdents64",
    "fcntl", "dup", "dup2", "dup3", "mkdir", "mkdirat", "unlink", "unlinkat", "rmdir", "rename",
    "renameat", "renameat2", "ftruncate", "fsync", "fdatasync", "fchmod", "umask", "utimensat",
    "mmap", "munmap", "mprotect", "mremap", "madvise", "brk",
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
    "futex", "set_robust_list", "get_robust_list", "set_tid_address", "rseq", "sched_yield",
    "sched_getaffinity", "exit", "exit_group", "getpid", "gettid", "getuid", "geteuid", "getgid",
    "getegid", "uname", "sysinfo", "getrlimit", "getrusage", "times", "clock_gettime",
    "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep", "getrandom",
    "poll", "ppoll", "select", "pselect6",
)


class Unavailable(OSError):
    """libseccomp is not on this machine, or refused the filter."""


def _library() -> ctypes.CDLL:
    name = ctypes.util.find_library("seccomp")
    if name is None:
        raise Unavailable("libseccomp is not installed (Debian and Ubuntu: libseccomp2)")
    lib = ctypes.CDLL(name, use_errno=True)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                           ctypes.c_uint, ctypes.POINTER(_ArgCompare)]
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    return lib


class _ArgCompare(ctypes.Structure):
    """struct scmp_arg_cmp: argument number, comparison, and its one or two operands."""

    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


@cache
def program() -> bytes:
    """The allow-list as a BPF program (struct sock_filter records), ready for the kernel."""
    lib = _library()
    context = lib.seccomp_init(DENY)
    if not context:
        raise Unavailable("seccomp_init failed")
    try:
        def add(action: int, name: str, *compares: _ArgCompare) -> None:
            number = lib.seccomp_syscall_resolve_name(name.encode())
            if number < 0:
                return  # not a call on this architecture (open on aarch64, say): nothing to allow
            array = (_ArgCompare * len(compares))(*compares) if compares else None
            if lib.seccomp_rule_add_array(context, action, number, len(compares), array) != 0:
                raise Unavailable(f"libseccomp refused the rule for {name}")

        if lib.seccomp_attr_set(context, BADARCH, KILL_PROCESS) != 0:
            raise Unavailable("libseccomp cannot kill on a foreign architecture")
        for name in ALLOWED:
            add(ALLOW, name)
        add(ALLOW, "clone", _ArgCompare(0, MASKED_EQ, CLONE_THREAD, CLONE_THREAD))  # threads only
        add(NO_CLONE3, "clone3")
        add(ALLOW, "prlimit64", _ArgCompare(2, EQUALS, 0, 0))  # reading a limit, never raising one
        for request in (TCGETS, FIOCLEX, FIONCLEX):
            add(ALLOW, "ioctl", _ArgCompare(1, EQUALS, request, 0))
        with tempfile.TemporaryFile() as out:
            if lib.seccomp_export_bpf(context, out.fileno()) != 0:
                raise Unavailable("libseccomp could not export the filter")
            out.seek(0)
            return out.read()
    finally:
        lib.seccomp_release(context)


def problem() -> str:
    """Why no filter can be made here, or "" when it can."""
    try:
        program()
    except Unavailable as error:
        return str(error)
    return ""

