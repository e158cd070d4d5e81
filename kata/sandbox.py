"""Where the grader runs a submission: inside bubblewrap where the machine has it, else an audit hook.

Either way the child is an isolated Python without site-packages (so no
PyTorch), in a fresh directory that holds only the submission's exercise
files, the case runner and the suites, and it limits its own resources.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .runner import ROOT, ChildCommand

# The support modules the child needs: plain Python, nothing that imports PyTorch.
CHILD_MODULES = ("__init__", "cases", "compare", "curriculum", "graph", "guard",
                 "implementation", "outcome", "runner", "scenario_tools")
INSIDE = "/sandbox"  # where bubblewrap shows the directory to the child


def base_python() -> str:
    """The interpreter without this virtual environment: the child must not find PyTorch."""
    candidate = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(candidate) if candidate.exists() else sys.executable


def bootstrap(home: str, audit: bool) -> str:
    hook = f"kata.guard.install_audit_hook({home!r})\n" if audit else ""
    return (f"import sys\nsys.path.insert(0, {home!r})\nimport kata.guard\n"
            f"kata.guard.limit_resources()\n{hook}import kata.runner\nkata.runner.child_main()\n")


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

    def command(self, workdir: Path) -> ChildCommand:
        python = base_python()
        if self.kind == "audit hook":
            return ChildCommand([python, "-I", "-S", "-c", bootstrap(str(workdir), audit=True)], workdir)
        return ChildCommand([*bubblewrap_prefix(workdir, python), python, "-I", "-S", "-c",
                             bootstrap(INSIDE, audit=False)], workdir)


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
    return args + ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                   "--bind", str(workdir), INSIDE, "--chdir", INSIDE,
                   "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--"]


def choose(preference: str = "auto") -> Sandbox:
    """bubblewrap if asked for or available and working; otherwise the audit-hook fallback."""
    fallback = Sandbox("audit hook", "isolated Python with an audit hook and resource limits "
                                     "(bubblewrap {reason})")
    if preference == "audit-hook":
        return Sandbox(fallback.kind, fallback.description.format(reason="not asked for"))
    reason = _bubblewrap_problem()
    if reason is None:
        return Sandbox("bubblewrap", "bubblewrap: private filesystem view, own PID namespace, "
                                     "no network, resource limits")
    if preference == "bubblewrap":
        raise RuntimeError(f"bubblewrap was asked for but {reason}")
    return Sandbox(fallback.kind, fallback.description.format(reason=reason))


def _bubblewrap_problem() -> str | None:
    if shutil.which("bwrap") is None:
        return "is not installed"
    probe = subprocess.run([*bubblewrap_prefix(Path("/tmp"), base_python()), base_python(), "-I", "-S",
                            "-c", "pass"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"does not work here: {probe.stderr.strip()[:200]}"
    return None
