"""make submit, and the grader reading a journal as untrusted data: what passes every check is
kept, anything else is refused with a reason, and the submission's files are taken either way."""

import os
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest

from kata.core import journal
from kata.grading import journals, sandbox
from kata.grading.journals import SIZE_LIMIT, JournalRefused, read_journal
from kata.grading.submission import EXPECTED, read_submission
from kata.learner import submit
from tests.support.test_journal import scores

DAY = 86400.0
NOW = 1.79e9  # September 2026: the journals below are written then


def written(folder: Path, checks: int = 3) -> Path:
    """A journal as make check writes it, of `checks` checks a minute apart, with the files beside it."""
    exercises = folder / "exercises"
    exercises.mkdir(parents=True)
    for name in EXPECTED:
        (exercises / name).write_text(f"# {name}\n")
    path = folder / ".kata" / "journal"
    for n in range(checks):
        journal.record(scores(n), 0.4, exercises, "ZeroDivisionError", path=path, at=NOW + 60 * n)
    return path


TABLES_REFUSED = "its tables are not a journal's, as make check creates them"


def checked_on_every_row(path: Path) -> bytes:
    """The journal's rows in a table whose CHECK constraint burns CPU on every row it is checked on."""
    rows = sqlite3.connect(path).execute("SELECT * FROM runs").fetchall()
    crafted = path.with_name("crafted")
    with sqlite3.connect(crafted) as db:
        db.executescript(journal.SCHEMA.replace("cause TEXT", "cause TEXT CHECK (length(hex(zeroblob(100000000))))"))
        db.executemany("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return crafted.read_bytes()


def refusal(data: bytes) -> str:
    with pytest.raises(JournalRefused) as refused:
        read_journal(data, now=NOW)
    return str(refused.value)


def altered(path: Path, *statements: str) -> bytes:
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()
    return path.read_bytes()


def test_a_journal_as_make_check_writes_it_is_read_back_check_by_check(tmp_path: Path) -> None:
    path = written(tmp_path)
    runs = read_journal(path.read_bytes(), now=NOW)
    assert runs == journal.runs(path)
    cases = runs[0].results["value"][1]
    assert [(r.current, r.results["value"], r.cause) for r in runs] == [
        ("value", (n, cases), "ZeroDivisionError") for n in range(3)]


def test_make_submit_zips_the_exercise_files_and_the_journal_and_the_grader_takes_both(tmp_path: Path) -> None:
    path = written(tmp_path / "learner")
    (tmp_path / "learner" / "exercises" / "notes.txt").write_text("not an exercise")
    out = tmp_path / "submission.zip"
    assert submit.main([], exercises=tmp_path / "learner" / "exercises", journal_path=path, out=out) == 0
    assert sorted(zipfile.ZipFile(out).namelist()) == sorted([".kata/journal", *(f"exercises/{n}" for n in EXPECTED)])
    taken = read_submission(out)
    assert sorted(taken.files) == sorted(EXPECTED) and not taken.ignored and not taken.refused
    assert taken.journal == journal.runs(path) and not taken.journal_refused
    from_folder = read_submission(tmp_path / "learner")  # the learner's folder itself
    assert from_folder.journal == journal.runs(path) and sorted(from_folder.files) == sorted(EXPECTED)


@pytest.mark.parametrize("make, says", [
    (lambda path: os.urandom(4096), "SQLite cannot read it (file is not a database)"),
    (lambda path: path.read_bytes()[:5000], "SQLite cannot read it"),
    (lambda path: b"\0" * (SIZE_LIMIT + 1), "it is larger than 24 MB"),
    (lambda path: altered(path, "CREATE TRIGGER t AFTER INSERT ON latest BEGIN DELETE FROM runs; END"),
     TABLES_REFUSED),
    (lambda path: altered(path, "CREATE VIEW evil AS SELECT * FROM runs"), TABLES_REFUSED),
    (lambda path: altered(path, "ALTER TABLE runs ADD COLUMN extra TEXT"), TABLES_REFUSED),
    # Schema code that a check of the file would run on every row: refused before any row is read.
    (lambda path: altered(path, "ALTER TABLE runs ADD COLUMN burn AS (length(hex(zeroblob(100000000))))"),
     TABLES_REFUSED),
    (lambda path: checked_on_every_row(path), TABLES_REFUSED),
    (lambda path: altered(path, "UPDATE runs SET at = 'yesterday' WHERE id = 2"),
     "its check 2 is not as a journal writes it (its date"),
    (lambda path: altered(path, f"UPDATE runs SET at = {NOW + 30 * DAY}"), "its date is not a date"),
    (lambda path: altered(path, "UPDATE runs SET at = 1.7e9 WHERE id = 3"), "its check 3 is dated before"),
    (lambda path: altered(path, "UPDATE runs SET cause = '" + "x" * 201 + "'"),
     "its check 1 has a cause that is not a line of at most 200 characters"),
    (lambda path: altered(path, "UPDATE runs SET cause = 'red' || char(27) || '[31m'"), "cause that is not a line"),
    (lambda path: altered(path, "UPDATE runs SET cause = x'00ff'"), "its check 1 holds bytes where"),
    (lambda path: altered(path, """UPDATE runs SET results = '{"value": [5, 2]}'"""), "not cases passed of cases run"),
    (lambda path: altered(path, """UPDATE runs SET results = '{"../etc": [0, 1]}'"""), "not per exercise"),
    (lambda path: altered(path, "UPDATE runs SET results = '[1, 2'"), "its check 1 is not as a journal writes it"),
    (lambda path: altered(path, "UPDATE runs SET current = 'nonsense'"), "current exercise is none of the kata's"),
    (lambda path: altered(path, *["INSERT INTO runs SELECT NULL, at, seconds, current, results, first_failure, "
                                  "cause, snapshot, NULL FROM runs WHERE id = 1" for _ in range(journals.MAX_RUNS)]),
     f"it holds {journals.MAX_RUNS + 3} checks, more than the {journals.MAX_RUNS} read"),
], ids=["random bytes", "cut short", "oversized", "a trigger", "a view", "another column", "a generated column",
        "a check constraint", "a date as text", "a date to come", "dates out of order", "a long cause",
        "a terminal escape", "bytes as text", "more passed than run",
        "an unknown exercise", "results not JSON", "an unknown current exercise", "too many checks"])
def test_a_journal_not_as_make_check_writes_it_is_refused_with_a_reason(tmp_path: Path, make, says: str) -> None:  # type: ignore[no-untyped-def]
    assert says in refusal(make(written(tmp_path)))


def test_a_reader_that_crashes_hangs_or_floods_costs_the_journal_alone(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    data = written(tmp_path).read_bytes()
    crash, hang = tmp_path / "crash.py", tmp_path / "hang.py"
    crash.write_text("import os\nos.abort()\n")
    hang.write_text("while True:\n    pass\n")
    monkeypatch.setattr(journals, "READER", crash)
    assert refusal(data).startswith("its reader stopped (")
    monkeypatch.setattr(journals, "READER", hang)
    monkeypatch.setattr(journals, "READ_SECONDS", 0.5)
    assert refusal(data) == "reading it took over 0.5 s"
    flood = tmp_path / "flood.py"  # a reader taken over, writing past what a journal's records take
    flood.write_text("import sys\nsys.stdout.write('[' * (1 << 20) * 40)\n")
    monkeypatch.setattr(journals, "READER", flood)
    monkeypatch.setattr(journals, "READ_SECONDS", 30.0)
    assert refusal(data) == "its records are larger than a journal's"


def test_a_refused_or_unreadable_journal_leaves_the_exercise_files_taken(tmp_path: Path) -> None:
    learner = tmp_path / "learner"
    written(learner).write_bytes(b"not a database")
    taken = read_submission(learner)
    assert sorted(taken.files) == sorted(EXPECTED) and taken.journal is None
    assert taken.journal_refused == "SQLite cannot read it (file is not a database)"
    (learner / ".kata" / "journal").unlink()
    (learner / ".kata" / "journal").symlink_to("/etc/passwd")
    taken = read_submission(learner)
    assert sorted(taken.files) == sorted(EXPECTED) and taken.journal_refused == ".kata/journal is not a regular file"
    zipped = tmp_path / "bomb.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in EXPECTED:
            archive.writestr(f"exercises/{name}", f"# {name}\n")
        archive.writestr(".kata/journal", b"\0" * (200 * 1024 * 1024))  # 200 MB in a few hundred kB
    taken = read_submission(zipped)
    assert sorted(taken.files) == sorted(EXPECTED) and taken.journal_refused == "it is larger than 24 MB"


def test_make_submit_hands_in_the_exercise_files_alone_when_the_journal_is_unreadable_or_kept_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    path = written(tmp_path / "learner")
    path.write_bytes(b"edited by hand")
    out = tmp_path / "submission.zip"
    assert submit.main([], exercises=tmp_path / "learner" / "exercises", journal_path=path, out=out) == 0
    assert sorted(zipfile.ZipFile(out).namelist()) == sorted(f"exercises/{n}" for n in EXPECTED)
    assert "9 exercise files and no journal: " in capsys.readouterr().out
    written(tmp_path / "private")
    monkeypatch.setenv("KATA_JOURNAL", "0")  # and when the learner keeps it to themselves
    assert submit.main([], exercises=tmp_path / "private" / "exercises",
                       journal_path=tmp_path / "private" / ".kata" / "journal", out=out) == 0
    assert ".kata/journal" not in zipfile.ZipFile(out).namelist()
    assert "no journal (KATA_JOURNAL=0)" in capsys.readouterr().out


SANDBOXES = [pytest.param("bubblewrap", marks=pytest.mark.skipif(shutil.which("bwrap") is None,
                                                                 reason="bwrap is not installed")), "kernel"]


@pytest.mark.parametrize("kind", SANDBOXES)
def test_in_the_graders_sandbox_the_reader_reads_a_journal_and_a_subverted_one_writes_nothing(
        kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a crafted journal take over SQLite, the reader is what it controls: confined as the
    grading child is (no view of the grader's files in bubblewrap; a throwaway user otherwise).
    Run unconfined, the same subverted reader does overwrite the file."""
    reader = sandbox.choose(kind).reader(journals.READER.parent)
    path = written(tmp_path / "learner")
    assert read_journal(path.read_bytes(), python=reader) == journal.runs(path)
    target = tmp_path / "grades.csv"  # what a reader taken over would forge
    target.write_text("honest\n")
    os.chmod(tmp_path, 0o755)
    subverted = tmp_path / "subverted.py"
    subverted.write_text(f"open({str(target)!r}, 'w').write('forged')\n")
    monkeypatch.setattr(journals, "READER", subverted)
    assert refusal_with(path.read_bytes(), reader).startswith("its reader stopped")
    assert target.read_text() == "honest\n"


def refusal_with(data: bytes, reader: list[str]) -> str:
    with pytest.raises(JournalRefused) as refused:
        read_journal(data, python=reader)
    return str(refused.value)
