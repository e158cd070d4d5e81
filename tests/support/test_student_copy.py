"""The student copy (make release) as learners receive it: built from the committed tree, then used.

On the untouched stubs make check fails with the first exercise's report; with an independent
correct submission (tests/support/plain_engine, written from the exercises' docstrings, not from
solutions/) every target its make help lists runs without a traceback, and make check and make
test pass; its README's captured report is what make check prints there.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kata.grading.release import student_copy
from kata.repository import ROOT
from tests.support.test_diagnosis import NOT_REVERSED

PLAIN_ENGINE = Path(__file__).parent / "plain_engine"
LEARNER_TARGETS = ["help", "check", "watch", "journey", "step", "submit", "hint", "reset", "demo", "graph", "lab",
                   "test", "clean"]


def release(folder: Path, exercises: Path | None = None) -> Path:
    """A fresh student copy in folder, with the .py files of exercises in its exercises/ if given."""
    copy = folder / "student"
    student_copy(copy)
    if exercises is not None:
        for source in exercises.glob("*.py"):
            shutil.copyfile(source, copy / "exercises" / source.name)
    return copy


def twin(copy: Path, *args: str, via_make: bool = False, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """python -m kata ARGS (or make ARGS) in the copy, with this test's Python and its environment."""
    env = {k: v for k, v in os.environ.items() if k != "KATA_HOME"}
    env["KATA_USE_CURRENT_PYTHON"] = "1"
    command = (["make", "-s", f"PYTHON={sys.executable}", *args] if via_make
               else [sys.executable, "-m", "kata", *args])
    return subprocess.run(command, cwd=copy, env=env, text=True, capture_output=True,
                          stdin=subprocess.DEVNULL, timeout=timeout)


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return release(tmp_path_factory.mktemp("stubs"))


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return release(tmp_path_factory.mktemp("finished"), PLAIN_ENGINE)


def test_on_the_stubs_make_check_fails_with_the_first_exercises_report(stubs: Path) -> None:
    done = twin(stubs, "check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "0 of 7 exercises pass, 0.0 of 100 points" in done.stdout
    assert "Next: exercise 0 (derivatives), in exercises/derivatives.py" in done.stdout
    assert "Your code raised: NotImplementedError" in done.stdout and "Traceback" not in done.stdout


def test_its_make_help_lists_the_learners_targets_and_its_makefile_has_no_other(stubs: Path) -> None:
    done = twin(stubs, "help", via_make=True)
    assert done.returncode == 0, done.stdout + done.stderr
    listed = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("make ")]
    assert listed == LEARNER_TARGETS
    rules = re.findall(r"^([a-z-]+):$", (stubs / "Makefile").read_text(), re.MULTILINE)
    assert rules == LEARNER_TARGETS


@pytest.mark.parametrize("args, says", [
    (["help"], "python -m kata check [name] [--all]"),
    (["check"], "Every case agrees with PyTorch"),
    (["watch", "--max-runs", "1"], "Watching exercises/"),
    (["journey"], "Your journ"),  # "Your journey: ...", or "Your journal is empty" before any check
    (["step"], "Wrote demo/step.html"),  # every case passes: a correct pass of backward's first case
    (["submit"], "Hand in this file"),
    (["hint", "value"], "tier 1 of 3"),
    (["demo", "--steps", "2"], "demo/"),
    (["graph"], "Wrote demo/graph.svg"),
    (["lab", "--version"], "4.6.6"),  # JupyterLab starts, prints its version and stops
    (["test"], " passed"),
], ids=lambda x: " ".join(x) if isinstance(x, list) else None)
def test_with_every_exercise_done_each_target_runs_and_succeeds(finished: Path, args: list[str], says: str) -> None:
    done = twin(finished, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert says in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_its_make_test_runs_the_graded_cases_on_the_exercises(finished: Path) -> None:
    """As an editor's test explorer finds them: pytest collects the suites, no hidden one among them."""
    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "tests"], cwd=finished,
                               text=True, capture_output=True, timeout=300)
    assert collected.returncode == 0, collected.stdout + collected.stderr
    ids = [line for line in collected.stdout.splitlines() if "::" in line]
    assert ids and all(line.startswith("tests/test_") for line in ids)


def test_reset_without_a_name_and_clean_end_without_a_traceback(stubs: Path) -> None:
    reset = twin(stubs, "reset")
    assert reset.returncode == 2 and "usage: python -m kata reset name [--yes]" in reset.stderr
    clean = twin(stubs, "clean")
    assert clean.returncode == 0 and "your exercises stay" in clean.stdout, clean.stdout + clean.stderr
    assert (stubs / "exercises" / "value.py").is_file()


def test_its_readme_speaks_to_learners_and_its_captured_report_is_real(tmp_path: Path) -> None:
    """The copy's README has no instructor's part, and its example is what make check prints there
    for the mistake it describes (exercises 0 and 1 done, backward's order not reversed)."""
    copy = release(tmp_path, ROOT / "solutions")
    file, right, wrong = NOT_REVERSED
    planted = copy / "exercises" / file
    planted.write_text(planted.read_text().replace(right, wrong))
    readme = (copy / "README.md").read_text()
    for absent in ("solutions/", "make reveal", "## For instructors", "## For maintainers", "<!--", "-->"):
        assert absent not in readme
    captured = re.search(r"forgets to reverse it.*?\n```\n(.*?)\n```", readme, re.DOTALL)
    assert captured is not None
    done = twin(copy, "check", via_make=True)
    assert done.stdout.rstrip("\n") == captured.group(1)
