"""make reveal: a solution opens only when the exercise passes; a reset asks, backs up, restores."""

import io
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pytest

from kata.core.curriculum import EXERCISES, exercise_named
from kata.core.scoring import instances_of
from kata.learner import reveal
from kata.learner.progress import Progress, load
from kata.repository import ROOT

LEARNER_WORK = "# the learner's own attempt\nclass Value:\n    pass\n"
QUESTION = re.compile(r"Reset exercises/value\.py to the stub\? Your current file is kept in "
                      r"(\.kata/backups/value-\d{8}-\d{6}\.py) \[y/N\] ")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=kata", "-c", "user.email=kata@example.invalid",
                           "-c", "commit.gpgsign=false", *args], cwd=repo, check=True,
                          capture_output=True, text=True).stdout


def make_repository(home: Path) -> Path:
    """A copy of the kata with its stubs committed, so that `git show HEAD:` works there."""
    repo = home / "kata-copy"
    repo.mkdir(parents=True)
    for folder in ("exercises", "solutions", "kata", "tests"):
        shutil.copytree(ROOT / folder, repo / folder,
                        ignore=shutil.ignore_patterns("__pycache__", ".mypy_cache"))
    for exercise in EXERCISES:  # the stubs as committed, whatever the working tree holds
        (repo / "exercises" / f"{exercise.name}.py").write_bytes(
            subprocess.run(["git", "show", f"HEAD:./exercises/{exercise.name}.py"], cwd=ROOT,
                           check=True, capture_output=True).stdout)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the kata")
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repository(tmp_path)


def reveal_in(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """python -m kata.learner.reveal run in the copy, as a learner runs it there."""
    return subprocess.run([sys.executable, "-m", "kata.learner.reveal", *args], cwd=repo,
                          capture_output=True, text=True, timeout=300)


def test_show_refuses_on_a_stub_and_opens_once_the_exercise_passes(tmp_path: Path) -> None:
    """The graded cases decide, run on the learner's file; a progress file claiming a pass does not.

    Two copies run side by side: value untouched (but recorded as passed), and
    value replaced by the reference.
    """
    stubbed, solved = make_repository(tmp_path / "a"), make_repository(tmp_path / "b")
    Progress(passed={"value"}).save(stubbed / ".kata" / "progress.json")
    shutil.copy(solved / "solutions" / "value.py", solved / "exercises" / "value.py")
    with ThreadPoolExecutor(2) as pool:
        refused, shown = pool.map(lambda r: reveal_in(r, "show", "value"), [stubbed, solved])

    cases = len(instances_of(exercise_named("value")))
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert refused.stdout == ""
    assert f"{cases} of {cases} cases of exercise 1 (value) still fail" in refused.stderr
    assert "python -m kata check value" in refused.stderr
    assert "value" not in load(stubbed / ".kata" / "progress.json").passed

    solution = (solved / "solutions" / "value.py").read_text()
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert shown.stdout == solution
    assert f"All {cases} cases" in shown.stderr
    assert "value" in load(solved / ".kata" / "progress.json").passed


def test_show_in_a_copy_without_solutions_says_so(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """The student copy has no solutions/: nothing is run, and the learner is told why."""
    (tmp_path / "exercises").mkdir()
    status = reveal.main(["show", "value"], root=tmp_path)
    err = capsys.readouterr().err
    assert status == 1
    assert "no solutions/value.py in this copy" in err


@pytest.mark.parametrize("command", ["show", "reset"])
def test_an_unknown_exercise_exits_2_and_lists_the_exercises(
        command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = reveal.main([command, "nosuch"], root=tmp_path)
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert "nosuch" in captured.err and all(e.name in captured.err for e in EXERCISES)


@pytest.mark.parametrize("command, target", [("show", "reveal"), ("reset", "reset")])
def test_without_a_name_the_usage_says_how_to_name_one(command: str, target: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """reveal with no name: the learner reads how to call it, with the names (make's spelling below)."""
    assert reveal.main([command], root=tmp_path) == 2
    captured = capsys.readouterr()
    names = ", ".join(e.name for e in EXERCISES)
    assert captured.out == ""
    assert captured.err.startswith(f"usage: python -m kata {target} name")
    assert f"(one of {names})" in captured.err


def make(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The Makefile's target run with this Python, which has the environment already."""
    env = dict(os.environ, KATA_USE_CURRENT_PYTHON="1")
    return subprocess.run(["make", "-s", *args, f"PYTHON={sys.executable}"], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("target", ["reveal", "reset"])
def test_make_without_ex_prints_makes_usage_not_pythons(target: str) -> None:
    done = make(ROOT, target)
    assert done.returncode != 0 and done.stdout == ""
    assert done.stderr.startswith(f"usage: make {target} EX=name"), done.stderr
    assert f"(one of {', '.join(e.name for e in EXERCISES)})" in done.stderr
    assert "python -m kata.learner.reveal: error" not in done.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_reset_with_yes_needs_no_terminal(repo: Path) -> None:
    """stdin is not a terminal, so only YES=1 lets the reset through; without it, nothing moves."""
    shutil.copy(ROOT / "Makefile", repo / "Makefile")
    target = repo / "exercises" / "layer.py"
    target.write_text(LEARNER_WORK)
    refused = make(repo, "reset", "EX=layer")
    assert refused.returncode != 0 and "YES=1" in refused.stderr
    assert target.read_text() == LEARNER_WORK

    done = make(repo, "reset", "EX=layer", "YES=1")
    assert done.returncode == 0, done.stderr
    assert target.read_text() == committed(repo, "layer")
    (backup,) = (repo / ".kata" / "backups").iterdir()
    assert backup.read_text() == LEARNER_WORK


def answering(answer: str, asked: list[str]) -> Callable[[str], str]:
    def ask(question: str) -> str:
        asked.append(question)
        return answer
    return ask


def committed(repo: Path, name: str = "value") -> str:
    return git(repo, "show", f"HEAD:exercises/{name}.py")


def test_reset_asks_backs_up_then_restores_the_committed_stub(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """y: the learner's file goes to the backup the question named, the stub comes back."""
    target = repo / "exercises" / "value.py"
    target.write_text(LEARNER_WORK)
    Progress(passed={"value"}).save(repo / ".kata" / "progress.json")
    asked: list[str] = []
    status = reveal.main(["reset", "value"], root=repo, ask=answering("y", asked))
    out = capsys.readouterr().out
    assert status == 0
    (question,) = asked
    match = QUESTION.fullmatch(question)
    assert match is not None, question
    backup = repo / match[1]
    assert backup.read_text() == LEARNER_WORK
    assert target.read_text() == committed(repo)
    assert match[1] in out
    assert "value" not in load(repo / ".kata" / "progress.json").passed


def test_reset_restores_the_stub_even_after_the_learner_committed_work(repo: Path) -> None:
    """HEAD holds the learner's half-done file; the stub comes from the file's history instead."""
    stub = committed(repo)
    target = repo / "exercises" / "value.py"
    target.write_text(stub.replace('raise NotImplementedError("exercise 1 (value): write Value.__repr__")',
                                   'return "work in progress"', 1))
    git(repo, "commit", "-qam", "my work on value")
    assert committed(repo) != stub
    assert reveal.main(["reset", "value", "--yes"], root=repo) == 0
    assert target.read_text() == stub


@pytest.mark.parametrize("answer", ["n", "", "no", "maybe"])
def test_anything_but_yes_leaves_the_file_untouched(
        answer: str, repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = repo / "exercises" / "value.py"
    target.write_text(LEARNER_WORK)
    asked: list[str] = []
    assert reveal.main(["reset", "value"], root=repo, ask=answering(answer, asked)) == 0
    assert len(asked) == 1
    assert target.read_text() == LEARNER_WORK
    assert not (repo / ".kata" / "backups").exists()
    assert "unchanged" in capsys.readouterr().out


def test_yes_is_accepted_in_any_case(repo: Path) -> None:
    (repo / "exercises" / "value.py").write_text(LEARNER_WORK)
    assert reveal.main(["reset", "value"], root=repo, ask=answering(" YES\n", [])) == 0
    assert (repo / "exercises" / "value.py").read_text() == committed(repo)


def test_without_a_terminal_reset_refuses_unless_yes(
        repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Piped stdin is not an answer: refuse and point at --yes; with --yes, back up and restore."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    target = repo / "exercises" / "value.py"
    target.write_text(LEARNER_WORK)
    assert reveal.main(["reset", "value"], root=repo) == 1
    assert "--yes" in capsys.readouterr().err
    assert target.read_text() == LEARNER_WORK
    assert not (repo / ".kata" / "backups").exists()

    assert reveal.main(["reset", "value", "--yes"], root=repo) == 0
    assert target.read_text() == committed(repo)
    (backup,) = (repo / ".kata" / "backups").iterdir()
    assert backup.read_text() == LEARNER_WORK


def test_two_resets_in_the_same_second_keep_both_backups(repo: Path) -> None:
    target = repo / "exercises" / "value.py"
    for attempt in ("first\n", "second\n"):
        target.write_text(attempt)
        assert reveal.main(["reset", "value", "--yes"], root=repo) == 0
    backups = sorted(p.read_text() for p in (repo / ".kata" / "backups").iterdir())
    assert backups == ["first\n", "second\n"]


def test_a_file_that_is_already_the_stub_is_left_alone(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asked: list[str] = []
    assert reveal.main(["reset", "value"], root=repo, ask=answering("y", asked)) == 0
    assert asked == []
    assert "already the stub" in capsys.readouterr().out
    assert not (repo / ".kata" / "backups").exists()


def test_reset_outside_git_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No repository, no committed stub: nothing is touched and git's complaint is passed on."""
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "value.py").write_text(LEARNER_WORK)
    assert reveal.main(["reset", "value", "--yes"], root=tmp_path) == 1
    assert "Cannot reset exercises/value.py" in capsys.readouterr().err
    assert (tmp_path / "exercises" / "value.py").read_text() == LEARNER_WORK
