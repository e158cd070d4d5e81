"""Where the grader runs a submission: inside bubblewrap where the machine has it, else an audit hook.

Either way the child is an isolated Python without site-packages (so no
PyTorch), in a fresh directory that holds only the submission's exercise
files, the case runner and the suites, and it limits its own resources.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .runner import ROOT, ChildCommand

# The support modules the child needs: plain Python, nothing that imports PyTorch.
CHILD_MODULES = ("__init__", "cases", "cause", "compare", "curriculum", "graph", "guard",
                 "implementation", "misconceptions", "outcome", "runner", "scenario_tools")
INSIDE = "/sandbox"  # where bubblewrap shows the directory to the child


def base_python() -> str:
    """The interpreter without this virtual environment: the child must not find PyTorch."""
    candidate = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(candidate) if candidate.exists() else sys.executable


def bootstrap(home: str, audit: bool, confine: bool) -> str:
    guards = ["kata.guard.limit_resources()"]
    if confine:
        guards.append(f"kata.guard.confine({home!r})")
    if audit:
        guards.append(f"kata.guard.install_audit_hook({home!r})")
    return "\n".join([f"import sys\nsys.path.insert(0, {home!r})\nimport kata.guard", *guards,
                      "import kata.runner\nkata.runner.child_main()\n"])


def lay_out(workdir: Path, exercise_files: dict[str, bytes]) -> None:
    """Fill workdir with the submission's files as the package `exercises`, the runner and the suites."""
    (workdir / "exercises").mkdir()
    (workdir / "exercises" / "__init__.py").write_text("")
    for name, content in exercise_files.items():
        (workdir / "exercises" / name).write_bytes(content)
    (workdir / "kata").mkdir()
    for module in CHILD_MODULES:
        shutil.copyfile(ROOT / "kata" / f"{module}.py", workdir / "kata" / f"{module}.py")
    (workdir / "tests").mkdir()
    for suite in [ROOT / "tests" / "__init__.py", *sorted((ROOT / "tests").glob("test_*.py"))]:
        shutil.copyfile(suite, workdir / "tests" / suite.name)
    hidden = ROOT / "tests" / "hidden"
    if hidden.is_dir():
        shutil.copytree(hidden, workdir / "tests" / "hidden", ignore=shutil.ignore_patterns("__pycache__"))


@dataclass(frozen=True)
class Sandbox:
    kind: str  # "bubblewrap" or "audit hook"
    description: str
    confine: bool = False  # the audit hook's kernel-level backstop (Landlock and seccomp)

    def command(self, workdir: Path) -> ChildCommand:
        python = base_python()
        if self.kind == "audit hook":
            code = bootstrap(str(workdir), audit=True, confine=self.confine)
            return ChildCommand([python, "-I", "-S", "-c", code], workdir, die_with_parent)
        return ChildCommand([*bubblewrap_prefix(workdir, python), python, "-I", "-S", "-c",
                             bootstrap(INSIDE, audit=False, confine=False)], workdir, die_with_parent)


# Loaded before any fork: the child calls it between fork and exec.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child before exec: the kernel kills it when the grader's thread that started it
    ends, however the grader ends, SIGKILL included (bubblewrap's --die-with-parent does the same
    for its own child)."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def bubblewrap_prefix(workdir: Path, python: str) -> list[str]:
    """A private view of the filesystem: the system read-only, workdir writable, nothing else."""
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
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--bind", str(workdir), INSIDE]
    for support in ("kata", "tests"):  # the code that runs the cases: read-only to the code it runs
        if (workdir / support).is_dir():
            args += ["--ro-bind", str(workdir / support), f"{INSIDE}/{support}"]
    return args + ["--chdir", INSIDE, "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--"]


def choose(preference: str = "auto") -> Sandbox:
    """bubblewrap if asked for or available and working; otherwise the audit-hook fallback."""
    if preference != "audit-hook":
        reason = _bubblewrap_problem()
        if reason is None:
            return Sandbox("bubblewrap", "bubblewrap: private filesystem view, own PID namespace, "
                                         "no network, resource limits")
        if preference == "bubblewrap":
            raise RuntimeError(f"bubblewrap was asked for but {reason}")
    else:
        reason = "not asked for"
    applied, problem = _confinement()
    kernel = f"kernel confinement ({applied})" if applied else f"no kernel confinement ({problem})"
    return Sandbox("audit hook", f"isolated Python with {kernel}, an audit hook and resource "
                                 f"limits (bubblewrap {reason})", confine=bool(applied))


def _confinement() -> tuple[str, str]:
    """What kata.guard.confine enforces on this machine, else why it cannot: tried in a child."""
    code = (f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport kata.guard\n"
            "print(kata.guard.confine('/tmp'))")
    probe = subprocess.run([base_python(), "-I", "-S", "-c", code], capture_output=True, text=True,
                           timeout=30)
    if probe.returncode != 0:
        return "", (probe.stderr.strip().splitlines() or ["it failed"])[-1][:200]
    return probe.stdout.strip(), ""


def _bubblewrap_problem() -> str | None:
    if shutil.which("bwrap") is None:
        return "is not installed"
    probe = subprocess.run([*bubblewrap_prefix(Path("/tmp"), base_python()), base_python(), "-I", "-S",
                            "-c", "pass"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"does not work here: {probe.stderr.strip()[:200]}"
    return None
