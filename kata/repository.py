"""Where the kata's files are, what git has of them, and how a tool is run: the one module every
part may import.

Standard library only: python -m kata imports it before the environment with PyTorch exists,
and the grading child copies it beside the case runner.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository (or the student copy) itself
# Everything kept between runs lives here; KATA_HOME moves it (tests and benchmarks do).
HOME = Path(os.environ.get("KATA_HOME", ROOT / ".kata"))


def run_python(python: str | Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    """python ARGS, run from the kata's folder: the one way the kata starts a tool (pip, mypy, ruff,
    pytest, mutmut, JupyterLab, python -m kata itself). capture keeps its output, as text, and gives
    it no input, instead of handing it the terminal."""
    return subprocess.run([str(python), *args], cwd=ROOT, capture_output=capture, text=True,
                          stdin=subprocess.DEVNULL if capture else None)


def git(args: list[str], root: Path = ROOT) -> bytes:
    """What git prints for args, run in root; RuntimeError, with git's reason, if it cannot say."""
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RuntimeError(f"cannot run git {' '.join(args)}: {error}") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"git {' '.join(args)} failed: {detail}")
    return done.stdout


def tracked_files(root: Path = ROOT) -> list[str]:
    """The files git tracks under root that are there now."""
    return [name for name in git(["ls-files"], root).decode().splitlines() if (root / name).is_file()]


def committed_stub(name: str, root: Path = ROOT) -> bytes:
    """exercises/NAME.py as last committed untouched; RuntimeError if git cannot say.

    A learner may commit their work, so HEAD is not always the stub: of the
    versions in the file's history, the newest with the most TODOs left
    (raise NotImplementedError) is the stub.
    """
    path = f"./exercises/{name}.py"  # ./: relative to root, even inside a larger repository
    commits = git(["log", "--format=%H", "--", path], root).decode().split()
    if not commits:
        raise RuntimeError(f"git has no committed version of exercises/{name}.py")
    versions = [git(["show", f"{commit}:{path}"], root) for commit in commits]  # newest first
    return max(versions, key=lambda text: text.count(b"raise NotImplementedError("))
