"""kata.core.journal: every make check of the learner's exercises, kept with their files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kata.core import journal
from kata.core.compare import Verdict
from kata.core.curriculum import exercise_named
from kata.core.outcome import Problem, ProblemKind
from kata.core.scoring import ExerciseScore, instances_of
from kata.repository import ROOT


def scores(passing: int) -> list[ExerciseScore]:
    """Exercise value with its first `passing` cases passing and the next one raising, then backward blocked."""
    value = exercise_named("value")
    instances = instances_of(value)
    verdicts = [Verdict(i, True) if n < passing else
                Verdict(i, False, Problem(ProblemKind.RAISED, "ZeroDivisionError: float division by zero"))
                for n, i in enumerate(instances)]
    return [ExerciseScore(value, verdicts), ExerciseScore(exercise_named("backward"), blocked_by=value)]


def test_each_run_keeps_its_results_and_the_files_as_they_were(tmp_path: Path) -> None:
    folder, path = tmp_path / "exercises", tmp_path / "journal"
    folder.mkdir()
    versions = [{"value.py": "x = 1\n", "backward.py": "pass\n"},
                {"value.py": "x = 2\n-- a line that starts like a diff's header\n", "backward.py": "pass\n"},
                {"value.py": "x = 2\n", "neuron.py": "n = 3"}]
    for n, files in enumerate(versions):
        for stale in folder.glob("*.py"):
            stale.unlink()
        for name, text in files.items():
            (folder / name).write_text(text)
        journal.record(scores(n), 0.5, folder, cause="" if n else "order not reversed", path=path, at=100.0 + n)
    runs = journal.runs(path)
    assert [r.at for r in runs] == [100.0, 101.0, 102.0]
    total = len(instances_of(exercise_named("value")))
    assert runs[1].results == {"value": (1, total)} and runs[1].current == "value"
    assert runs[0].cause == "order not reversed" and runs[1].first_failure.startswith("value::")
    assert [journal.files_at(r.id, path) for r in runs] == versions


def test_the_cause_is_the_cases_own_or_the_exceptions_type() -> None:
    assert journal.first_cause(scores(2)) == "ZeroDivisionError"
    value = exercise_named("value")
    assert journal.first_cause([ExerciseScore(value, [Verdict(i, True) for i in instances_of(value)])]) == ""


def test_past_its_limit_old_files_go_and_every_result_stays(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder, path = tmp_path / "exercises", tmp_path / "journal"
    folder.mkdir()
    monkeypatch.setattr(journal, "LIMIT", 40_000)
    monkeypatch.setattr(journal, "SNAPSHOT_EVERY", 5)
    for n in range(12):
        (folder / "value.py").write_bytes(os.urandom(3000).hex().encode())  # incompressible changes
        journal.record(scores(1), 0.1, folder, path=path, at=float(n))
    runs = journal.runs(path)
    assert len(runs) == 12 and path.stat().st_size <= 40_000
    assert journal.files_at(runs[0].id, path) is None  # thinned
    assert journal.files_at(runs[-1].id, path) == {"value.py": (folder / "value.py").read_text()}


def test_a_journal_that_cannot_be_written_costs_a_note_not_the_check(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "journal").mkdir()  # where the file should be
    journal.record(scores(0), 0.1, tmp_path, path=tmp_path / "journal")
    assert "was not written" in capsys.readouterr().err


def make_check(home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kata.learner.check"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, KATA_HOME=str(home), **env))


def test_make_check_appends_a_run_unless_told_not_to(tmp_path: Path) -> None:
    """On the untouched stubs: the first exercise is current, its stub raised NotImplementedError."""
    make_check(tmp_path)
    make_check(tmp_path)
    (first, second) = journal.runs(tmp_path / "journal")
    assert first.current == "derivatives" and first.cause == "NotImplementedError"
    assert first.results["derivatives"][0] == 0 and list(first.results) == ["derivatives"]
    assert journal.files_at(second.id, tmp_path / "journal") == {
        f.name: f.read_text() for f in sorted((ROOT / "exercises").glob("*.py"))}
    make_check(tmp_path, KATA_JOURNAL="0")
    assert len(journal.runs(tmp_path / "journal")) == 2
