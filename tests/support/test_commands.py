"""python -m kata TARGET: every make target has a twin that runs with Python alone, no make."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kata.__main__ import BENCHMARKS, TARGETS
from kata.learner.commands import Spelling
from kata.repository import ROOT


def test_a_command_is_spelled_as_the_learner_called_it() -> None:
    make, python, notebook = Spelling.MAKE, Spelling.PYTHON, Spelling.NOTEBOOK
    assert make.command("check", "value") == "make check EX=value"
    assert make.command("reset", "layer", yes=True) == "make reset EX=layer YES=1"
    assert make.command("check", "value", every=True) == "make check EX=value ALL=1"
    assert python.command("check", "value") == "python -m kata check value"
    assert python.command("reset", "layer", yes=True) == "python -m kata reset layer --yes"
    assert python.command("hint") == "python -m kata hint"
    assert notebook.command("check", "value") == 'check("value")' and notebook.command("check") == "check()"
    assert notebook.command("check", "value", every=True) == 'check("value", every=True)'
    assert notebook.command("hint", "value") == 'kata("hint", "value")'
    assert notebook.command("reset", "layer", yes=True) == 'kata("reset", "layer", "--yes")'


def test_make_passes_its_spelling_to_python_m_kata(copy: Path) -> None:
    """The Makefile says --via make, so that messages printed under make name make targets."""
    done = subprocess.run(["make", "-s", f"PYTHON={sys.executable}", "reveal"], cwd=copy, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=300,
                          env=dict(os.environ, KATA_USE_CURRENT_PYTHON="1"))
    assert "usage: make reveal EX=name" in done.stderr, done.stderr


def test_every_make_target_is_its_twin_and_nothing_else() -> None:
    """Each rule of the Makefile is one line, `$(KATA) <its own name> ...`: no logic to drift."""
    makefile = (ROOT / "Makefile").read_text()
    rules = dict(re.findall(r"^([a-z-]+):\n\t\$\(KATA\) ([a-z-]+)", makefile, re.MULTILINE))
    assert rules == {t.name: t.name for t in TARGETS}
    phony = [name for line in re.findall(r"^\.PHONY: (.*)$", makefile, re.MULTILINE) for name in line.split()]
    assert sorted(phony) == sorted(rules)


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the kata, committed (make release packs what git tracks), where the twins may write."""
    repo = tmp_path_factory.mktemp("twins") / "kata"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".kata", "dist", "demo", ".mypy_cache", "__pycache__"))
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "the kata"]):
        subprocess.run(["git", "-c", "user.name=kata", "-c", "user.email=kata@example.invalid",
                        "-c", "commit.gpgsign=false", *step], cwd=repo, check=True, capture_output=True)
    return repo


def twin(repo: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """python -m kata ARGS in repo with this test's Python, which has the environment installed."""
    env = dict(os.environ, KATA_USE_CURRENT_PYTHON="1")
    return subprocess.run([sys.executable, "-m", "kata", *args], cwd=repo, env=env, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout)


@pytest.mark.parametrize("args, status, says", [
    (["help"], 0, "python -m kata check [name]"),
    (["check"], 1, "python -m kata check derivatives"),  # the stubs: the next step, spelled for Python
    (["check-solutions", "value"], 0, "Every case agrees with PyTorch"),
    (["watch", "--max-runs", "1"], 0, "Watching exercises/"),
    (["hint"], 0, "tier 1 of 3"),
    (["reveal"], 2, "usage: python -m kata reveal name"),
    (["reset"], 2, "usage: python -m kata reset name [--yes]"),
    (["reveal", "value"], 1, "solutions/value.py stays closed"),
    (["demo", "--impl", "solutions", "--steps", "2"], 0, "demo/solutions"),
    (["graph", "--impl", "solutions"], 0, "Wrote demo/graph.svg"),
    (["release"], 0, "dist/student"),
    (["gradescope"], 0, "gradescope.zip"),
    (["lab", "--version"], 0, "4.6.6"),  # JupyterLab starts, prints its version and stops
    (["bench", "engine"], 0, "backward"),
], ids=lambda x: " ".join(x) if isinstance(x, list) else None)
def test_each_twin_runs_without_make(copy: Path, args: list[str], status: int, says: str) -> None:
    done = twin(copy, *args)
    assert done.returncode == status, done.stdout + done.stderr
    assert says in done.stdout + done.stderr


def test_the_typecheck_and_test_twins_run_mypy_then_pytest(copy: Path) -> None:
    checked = twin(copy, "typecheck")
    assert checked.returncode == 0 and "Success: no issues found" in checked.stdout, checked.stdout
    tested = twin(copy, "test", "tests/support/test_layout.py", "-q")  # mypy's cache is warm now
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "Success: no issues found" in tested.stdout and " passed" in tested.stdout


def test_clean_removes_the_environment_and_caches_but_not_the_exercises(tmp_path: Path) -> None:
    repo = tmp_path / "kata"
    shutil.copytree(ROOT / "kata", repo / "kata", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "exercises", repo / "exercises")
    for made in (".venv/bin", ".mypy_cache/3.11", "dist/student", "kata/__pycache__"):
        (repo / made).mkdir(parents=True, exist_ok=True)
    done = twin(repo, "clean")
    assert done.returncode == 0, done.stderr
    assert not any((repo / gone).exists() for gone in (".venv", ".mypy_cache", "dist", "kata/__pycache__"))
    assert (repo / "exercises" / "value.py").read_text() == (ROOT / "exercises" / "value.py").read_text()


def test_every_benchmark_the_bench_twin_runs_exists() -> None:
    assert BENCHMARKS and all((ROOT / script).is_file() for script in BENCHMARKS)


def test_the_first_twin_builds_the_environment_then_runs_inside_it(tmp_path: Path) -> None:
    """From a clone with Python alone: the first command makes .venv and installs the requirements
    (an empty list here, to keep the test quick), then runs in .venv's Python; the next one does not
    build again."""
    repo = tmp_path / "kata"
    shutil.copytree(ROOT / "kata", repo / "kata", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / "requirements.txt").write_text("# nothing to install\n")
    base = getattr(sys, "_base_executable", sys.executable)  # the Python this venv was made from
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run([base, "-m", "kata", "reset"], cwd=repo, env=env, text=True,
                              capture_output=True, stdin=subprocess.DEVNULL, timeout=300)

    first = run()
    python = repo / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    assert python.exists() and (repo / ".venv" / ".installed").exists(), first.stdout + first.stderr
    assert "Building the environment in .venv" in first.stdout
    assert first.returncode == 2 and first.stderr.startswith("usage: python -m kata reset name")
    second = run()
    assert "Building the environment" not in second.stdout and "Installing" not in second.stdout
    assert second.returncode == 2 and second.stderr == first.stderr
