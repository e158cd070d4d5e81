"""The two-sided gate: every graded case fails on its untouched stub and passes on the solutions.

A stub is judged beside the solutions of every other exercise, so that each of
its cases fails for want of that exercise's own work, not an earlier one's.
"""

import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from kata.core.cases import Instance
from kata.core.compare import judge
from kata.core.curriculum import EXERCISES
from kata.core.implementation import Implementation
from kata.core.outcome import oracle_outcome, run_in_process
from kata.core.scoring import instances_of

ROOT = Path(__file__).resolve().parents[2]
ALL_INSTANCES = [instance for exercise in EXERCISES for instance in instances_of(exercise)]


def committed_stub(name: str) -> str:
    """The stub as committed: a learner's edits in the working tree do not count."""
    path = f"exercises/{name}.py"
    shown = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=ROOT, capture_output=True, text=True)
    if shown.returncode != 0:
        pytest.fail(f"cannot read the committed {path}: {shown.stderr.strip()}")
    return shown.stdout


@pytest.fixture(scope="module")
def stubbed_packages(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch_module: pytest.MonkeyPatch) -> None:
    """One package per exercise, stubbed_<name>: the solutions with that one module a stub."""
    home = tmp_path_factory.mktemp("stubbed")
    for exercise in EXERCISES:
        package = home / f"stubbed_{exercise.name}"
        shutil.copytree(ROOT / "solutions", package, ignore=shutil.ignore_patterns("__pycache__"))
        (package / f"{exercise.name}.py").write_text(committed_stub(exercise.name))
    monkeypatch_module.syspath_prepend(str(home))


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.parametrize("instance", ALL_INSTANCES, ids=[i.key for i in ALL_INSTANCES])
def test_every_case_fails_on_its_untouched_stub(instance: Instance, stubbed_packages: None) -> None:
    """The stub of the case's own exercise, with every other exercise solved, earns nothing."""
    impl = Implementation(f"stubbed_{instance.case.exercise}")
    verdict = judge(instance, run_in_process(instance, impl), oracle_outcome(instance))
    assert not verdict.passed, f"{instance.key} passes on the untouched stub"
