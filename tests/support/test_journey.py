"""kata.learner.journey: make journey reads the learner's path back from their journal."""

from pathlib import Path

from kata.core import journal
from kata.core.compare import Verdict
from kata.core.curriculum import exercise_named
from kata.core.outcome import Problem, ProblemKind
from kata.core.scoring import ExerciseScore, instances_of
from kata.learner import journey
from kata.learner.commands import Spelling

MINUTE = 60.0


def scores(exercise: str, passing: bool, blocked: str = "") -> list[ExerciseScore]:
    """The exercise passing every case, or failing its first one; then one blocked exercise."""
    e = exercise_named(exercise)
    verdicts = [Verdict(i, passing or n > 0, None if passing or n else Problem(ProblemKind.RAISED, "boom"))
                for n, i in enumerate(instances_of(e))]
    after = [ExerciseScore(exercise_named(blocked), blocked_by=e)] if blocked and not passing else []
    return [ExerciseScore(e, verdicts), *after]


def test_the_journey_counts_checks_time_and_causes_per_exercise(tmp_path: Path) -> None:
    """A path as the journal records it: value passes at the fourth check after two causes; a
    two-hour break on backward does not count as work; backward is not passed yet."""
    folder, path = tmp_path / "exercises", tmp_path / "journal"
    folder.mkdir()
    (folder / "value.py").write_text("x = 1\n")
    steps = [(0, "value", False, "order not reversed"), (2, "value", False, "order not reversed"),
             (5, "value", False, "`=` instead of `+=`"), (9, "value", True, ""),
             (10, "backward", False, "ZeroDivisionError"), (130, "backward", False, "ZeroDivisionError")]
    for minute, exercise, passing, cause in steps:
        checked = scores(exercise, passing, blocked="backward" if exercise == "value" else "neuron")
        if exercise == "backward":
            checked = scores("value", True) + checked
        journal.record(checked, 0.3, folder, cause, path=path, at=minute * MINUTE)
    value, backward = journal.legs(journal.runs(path))
    assert (value.exercise, value.runs, value.passed, value.seconds) == ("value", 3, 9 * MINUTE, 9 * MINUTE)
    assert (value.checks_to_pass, backward.checks_to_pass) == (4, None)
    assert value.causes == {"order not reversed": 2, "`=` instead of `+=`": 1}
    assert (backward.runs, backward.passed, backward.seconds) == (2, None, 0.0)  # the break is left out
    assert backward.causes == {"ZeroDivisionError": 2}
    text = journey.as_text(journal.runs(path), Spelling.MAKE)
    assert "order not reversed (2), `=` instead of `+=` (1)" in text and "not yet (0 s so far)" in text
    page = journey.as_html(journal.runs(path))
    assert page.count("<circle") == 6 + 5  # a dot per check, a ring per cause named
    journal.record(scores("backward", False), 0.3, folder, "<b>bold</b>", path=path, at=131 * MINUTE)
    page = journey.as_html(journal.runs(path))
    assert "<b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page  # a journal's text is shown, never markup


def test_an_empty_journal_says_how_it_fills(tmp_path: Path) -> None:
    assert "make check" in journey.as_text(journal.runs(tmp_path / "none"), Spelling.MAKE)
    assert journey.main([], path=tmp_path / "none", page=tmp_path / "page.html") == 0
    assert not (tmp_path / "page.html").exists()


def test_a_streak_lasts_until_a_check_no_longer_names_its_cause(tmp_path: Path) -> None:
    """Each meeting with a cause: its checks, the time worked until a check no longer named it
    (a break left out), and whether the learner got past it."""
    folder, path = tmp_path / "exercises", tmp_path / "journal"
    folder.mkdir()
    steps = [(0, "rsub"), (3, "rsub"), (4, ""), (6, "rsub"), (50, "rsub"), (52, "assigns")]
    for minute, cause in steps:
        journal.record(scores("value", False), 0.3, folder, cause, path=path, at=minute * MINUTE)
    first, again, last = journal.streaks(journal.runs(path))
    assert (first.cause, first.runs, first.seconds, first.past) == ("rsub", 2, 4 * MINUTE, True)
    assert (again.runs, again.seconds, again.past) == (2, 2 * MINUTE, True)  # the 44-minute gap is a break
    assert (last.cause, last.runs, last.seconds, last.past) == ("assigns", 1, 0.0, False)
    (value,) = journal.legs(journal.runs(path))
    assert value.unnamed == 1 and value.causes == {"rsub": 2, "assigns": 1}  # the first rsub streak: 2
    assert "rsub (2), assigns (1), failing with no cause named (1)" in journey.as_text(journal.runs(path),
                                                                                        Spelling.MAKE)
    assert "time worked" in journey.as_html(journal.runs(path))
