"""Where the grader runs a submission: behind a boundary the kernel enforces, and which one holds here.

- bubblewrap, where it works: a private view of the filesystem, its own PID
  namespace, no network; and inside it the seccomp allow-list.
- kernel confinement, elsewhere: Landlock confines the child's reads and writes
  to its own directory, the standard library and the system's shared libraries;
  seccomp allows only the calls kata.grading.syscall_filter lists; where the grader is
  root, the child runs as a throwaway unprivileged user.
- none: neither can be set up on this machine. The grader refuses to grade
  unless the instructor says otherwise (--allow-unconfined), and then says so.

Every way, the child is an isolated Python without site-packages (so no
PyTorch), with an empty environment, in a fresh directory that holds only the
submission's exercise files, the case runner and the suites; and it limits its
own resources. The audit hook is added on top as a tripwire, never relied on.
"""

from __future__ import annotations

import itertools
import os
import pwd
import random
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from kata.core.runner import ChildCommand
from kata.grading import syscall_filter
from kata.grading.guard import REFUSED
from kata.repository import ROOT

# What the child needs of the kata, none of it importing PyTorch (import-linter's contracts in
# pyproject.toml keep it so): the case machinery whole, the module of paths, and the guard.
CHILD_FILES = ("__init__.py", "repository.py", "core", "grading/__init__.py", "grading/guard.py",
               "grading/syscall_filter.py")
# What a case's error says when a sandbox stopped it: the guard's words, and bubblewrap's read-only mounts.
REFUSALS = (REFUSED, "Read-only file system")
INSIDE = "/sandbox"  # where bubblewrap shows the directory to the child
CHILD_PATH = {"PATH": "/usr/bin:/bin"}  # the child's whole environment: nothing of the grader's
FIRST_USER, USERS = 64000, 1000  # throwaway user ids, one per submission being graded


def base_python() -> str:
    """The interpreter without this virtual environment: the child must not find PyTorch."""
    candidate = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(candidate) if candidate.exists() else sys.executable


def bootstrap(home: str, program: bytes, confine: bool, audit: bool) -> str:
    """The child's first lines: limits, the kernel's boundary, then the case runner."""
    guards = ["kata.grading.guard.limit_resources()"]
    guards.append(f"kata.grading.guard.confine({home!r}, {program!r})" if confine
                  else f"kata.grading.guard.filter_syscalls({program!r})" if program else "")
    if audit:
        guards.append(f"kata.grading.guard.install_audit_hook({home!r})")
    # home goes last on the path: a file the submission plants there (a resource.py, say) can never
    # stand in for a standard module, least of all before the guard has confined the process.
    return "\n".join([f"import sys\nsys.path.append({home!r})\nimport kata.grading.guard", *guards,
                      "import kata.core.child\nkata.core.child.child_main()\n"])


def prepare_support(folder: Path, python: str) -> Path:
    """The case runner and the suites, in folder, compiled once by the child's own Python: each
    child copies them ready to run rather than compiling them again (a good part of its start).
    Hash-based .pyc files that are never checked against their source stay valid as copies."""
    (folder / "kata" / "grading").mkdir(parents=True)
    for name in CHILD_FILES:
        if (ROOT / "kata" / name).is_dir():
            shutil.copytree(ROOT / "kata" / name, folder / "kata" / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(ROOT / "kata" / name, folder / "kata" / name)
    (folder / "tests").mkdir()
    for suite in [ROOT / "tests" / "__init__.py", *sorted((ROOT / "tests").glob("test_*.py"))]:
        shutil.copyfile(suite, folder / "tests" / suite.name)
    if (ROOT / "tests" / "hidden").is_dir():
        shutil.copytree(ROOT / "tests" / "hidden", folder / "tests" / "hidden",
                        ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([python, "-I", "-S", "-m", "compileall", "-q", "--invalidation-mode", "unchecked-hash",
                    str(folder)], check=True, env=dict(CHILD_PATH), stdout=subprocess.DEVNULL)
    return folder


def lay_out(workdir: Path, exercise_files: dict[str, bytes], support: Path) -> None:
    """Fill workdir with the submission's files as the package `exercises`, and the runner and
    the visible suites from support (prepare_support); the hidden ones come later (add_hidden).
    All of it is the grader's and read-only to the child, which can write nowhere: nothing can be
    planted beside the runner, and no file can fill the disk."""
    (workdir / "exercises").mkdir()
    (workdir / "exercises" / "__init__.py").write_text("")
    for name, content in exercise_files.items():
        (workdir / "exercises" / name).write_bytes(content)
    # Hard links: copying them costs more than the child's whole start, and no child can write them.
    shutil.copytree(support / "kata", workdir / "kata", copy_function=os.link)
    shutil.copytree(support / "tests", workdir / "tests", copy_function=os.link,
                    ignore=shutil.ignore_patterns("hidden"))
    os.chmod(workdir, 0o755)


def add_hidden(workdir: Path, support: Path) -> None:
    """Add the hidden suites to a laid-out workdir, once every visible outcome is in: until then
    the child has no hidden case to read, so nothing a visible case reports can carry one."""
    if (support / "tests" / "hidden").is_dir():
        shutil.copytree(support / "tests" / "hidden", workdir / "tests" / "hidden", copy_function=os.link)


_next_user = itertools.count(random.randrange(USERS))  # not the same ids run after run
_user_lock = threading.Lock()


def throwaway_user() -> int:
    """A user id no account has: each submission graded at once gets its own, so that no two
    grading children can signal or read each other even through a path the kernel allows."""
    with _user_lock:
        while True:
            uid = FIRST_USER + next(_next_user) % USERS
            try:
                pwd.getpwuid(uid)
            except KeyError:
                return uid


@dataclass(frozen=True)
class Sandbox:
    kind: str  # "bubblewrap", "kernel confinement" or "none"
    description: str  # the sandbox line: which boundary holds here, and why not a stronger one
    python: str = ""  # the child's interpreter
    separate_user: bool = False  # the child runs as a throwaway user (the grader is root)

    def end_every_process_of(self, user: Optional[int]) -> None:
        """Kill whatever still runs as this throwaway user: nothing should, as the child can start
        no process, but nothing of a submission may outlive its grading even if something did."""
        if user is not None:
            subprocess.run([*as_user(user), self.python, "-I", "-S", "-c",
                            "import os, signal\nos.kill(-1, signal.SIGKILL)"],
                           env=dict(CHILD_PATH), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=30)

    @property
    def confined(self) -> bool:
        return self.kind != "none"

    def user(self) -> Optional[int]:
        return throwaway_user() if self.separate_user else None

    def work_parent(self) -> Optional[str]:
        """Where the children's directories go: the temporary directory, unless the throwaway user
        could not reach it (a private TMPDIR), then /tmp."""
        if self.separate_user and not _open_to_others(tempfile.gettempdir()):
            return "/tmp"
        return None

    def reader(self, folder: Path) -> list[str]:
        """The start of a command that parses a submission's data (its journal) but runs none of its
        code: the child's Python, inside bubblewrap with folder in view, or as a throwaway user."""
        if self.kind == "bubblewrap":
            return [*bubblewrap_prefix(folder, self.python), self.python]
        return [*as_user(self.user()), self.python or sys.executable]

    def command(self, workdir: Path, user: Optional[int]) -> ChildCommand:
        program = syscall_filter.program() if self.confined else b""
        if self.kind == "bubblewrap":  # its --die-with-parent ends the child with the grader
            return ChildCommand([*bubblewrap_prefix(workdir, self.python), self.python, "-I", "-S", "-c",
                                 bootstrap(INSIDE, program, confine=False, audit=False)], workdir, env={})
        code = bootstrap(str(workdir), program, confine=self.confined, audit=True)
        return ChildCommand([*as_user(user), self.python, "-I", "-S", "-c", code], workdir,
                            env=dict(CHILD_PATH))


def as_user(user: Optional[int]) -> list[str]:
    """util-linux's setpriv before the child's command: as the throwaway user if one is given, with
    no groups, and killed when the grader's thread that started it ends, however the grader ends
    (the parent-death signal is set after the change of user, which would clear it).

    No Python runs between fork and exec, so Popen can use vfork rather than copy the grader's
    memory, PyTorch's included, for every child."""
    if shutil.which("setpriv") is None and user is None:
        return []  # only where no boundary holds (no util-linux): the grader still kills its children
    prefix = ["setpriv", "--pdeathsig", "KILL"]
    if user is not None:
        prefix += [f"--reuid={user}", f"--regid={user}", "--clear-groups"]
    return [*prefix, "--"]


def bubblewrap_prefix(workdir: Path, python: str) -> list[str]:
    """A private view of the filesystem: the system and workdir read-only, nothing else."""
    args = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--ro-bind", "/usr", "/usr"]
    for top in ("/lib", "/lib64", "/bin"):
        if os.path.exists(top):
            args += ["--ro-bind", top, top]
    prefix = os.path.realpath(sys.base_prefix)
    if not prefix.startswith("/usr/"):
        args += ["--ro-bind", prefix, prefix]
    if not python.startswith(("/usr/", prefix)):
        args += ["--ro-bind", python, python]
    site_packages = Path(os.path.dirname(os.__file__)) / "site-packages"
    if site_packages.is_dir():  # -S leaves it off the path; this leaves it out of sight
        args += ["--tmpfs", str(site_packages), "--remount-ro", str(site_packages)]
    # Nothing writable anywhere: no file a child writes can fill the disk or the memory, or be
    # read by anything after it. /dev is read-only too, /dev/shm with it.
    args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--ro-bind", str(workdir), INSIDE,
             "--remount-ro", "/"]  # bubblewrap's own root, a tmpfs, last
    return args + ["--chdir", INSIDE, "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--"]


def choose(preference: str = "auto", allow_unconfined: bool = False) -> Sandbox:
    """The strongest boundary that works here: bubblewrap, else kernel confinement. Where neither
    does, RuntimeError, unless the instructor allows grading without one."""
    program_problem = syscall_filter.problem()
    if preference in ("auto", "bubblewrap"):
        reason = program_problem or _bubblewrap_problem()
        if not reason:
            return Sandbox("bubblewrap", "bubblewrap: private filesystem view, own PID namespace, "
                                         "no network, seccomp allow-list, resource limits",
                           base_python())
        if preference == "bubblewrap":
            raise RuntimeError(f"bubblewrap was asked for but {reason}")
    else:
        reason = "not asked for"
    python, user, problem = _kernel_confinement(program_problem)
    if not problem:
        who = "as a throwaway unprivileged user" if user else "as the grader's own (unprivileged) user"
        return Sandbox("kernel confinement", f"kernel confinement: Landlock and seccomp allow-list, "
                                             f"{who}, resource limits (bubblewrap {reason})",
                       python, separate_user=user)
    if not allow_unconfined:
        raise RuntimeError(f"no kernel boundary can be set up here: bubblewrap {reason}; kernel "
                           f"confinement: {problem}. A submission could then read the reference and "
                           "forge its grade. To grade anyway, pass --allow-unconfined: every row "
                           "will say it was graded without a boundary.")
    return Sandbox("none", f"NO KERNEL BOUNDARY (allowed by --allow-unconfined): an audit hook and "
                           f"resource limits only, which a submission can defeat (bubblewrap {reason}; "
                           f"kernel confinement: {problem})", base_python())


def _kernel_confinement(program_problem: str) -> tuple[str, bool, str]:
    """The interpreter the child can run under confinement, whether as a throwaway user, and
    else why not: tried in a child, as the grader will run it."""
    if program_problem:
        return "", False, program_problem
    if shutil.which("setpriv") is None:
        return "", False, "setpriv (util-linux) is not installed"
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    candidates = [base_python()]
    if as_root:  # the throwaway user may not reach this Python (pyenv keeps it under /root)
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        candidates += [f"/usr/bin/{version}", f"/usr/local/bin/{version}", "/usr/bin/python3"]
    problem = ""
    for python in dict.fromkeys(c for c in candidates if os.path.exists(c)):
        problem = _try_confined(python, throwaway_user() if as_root else None)
        if not problem:
            return python, as_root, ""
    return "", False, problem or "no Python interpreter found"


def _open_to_others(folder: str) -> bool:
    """Whether any user may pass through folder and every folder above it."""
    path = Path(os.path.realpath(folder))
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in (path, *path.parents))


def _try_confined(python: str, user: Optional[int]) -> str:
    """Why a confined child cannot start with this Python as this user, or "" if it can."""
    home = Path(os.path.realpath("/tmp")) / f"kata-probe-{os.getpid()}-{threading.get_ident()}"
    home.mkdir(mode=0o700)
    try:
        for module in ("__init__", "guard"):
            shutil.copyfile(ROOT / "kata" / "grading" / f"{module}.py", home / f"{module}.py")
        if user is not None:
            os.chown(home, user, user)
        code = (f"import sys\nsys.path.insert(0, '.')\nimport guard, json\n"
                f"guard.confine('.', {syscall_filter.program()!r})\nprint(json.dumps('ok'))")
        try:
            probe = subprocess.run([*as_user(user), python, "-I", "-S", "-c", code], cwd=home,
                                   capture_output=True, text=True, timeout=30, env=dict(CHILD_PATH))
        except OSError as error:
            return f"{python} cannot start: {error}"
        if probe.returncode != 0 or probe.stdout.strip() != '"ok"':
            return (probe.stderr.strip().splitlines() or ["it failed"])[-1][:200]
        return ""
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _bubblewrap_problem() -> str:
    if shutil.which("bwrap") is None:
        return "is not installed"
    probe = subprocess.run([*bubblewrap_prefix(Path("/tmp"), base_python()), base_python(), "-I", "-S",
                            "-c", "pass"], capture_output=True, text=True, timeout=30, env={})
    if probe.returncode != 0:
        return f"does not work here: {probe.stderr.strip()[:200]}"
    return ""
