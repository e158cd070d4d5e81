"""A submission as the grader takes it: only the expected exercise files, from a directory or a
.zip, each read with a size limit, and the learner's journal (.kata/journal), read as untrusted
data and never graded. Whatever else it holds is counted, never followed or run."""

from __future__ import annotations

import os
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Callable, Optional, Sequence

from kata.core.curriculum import EXERCISES
from kata.core.journal import Run
from kata.core.sanitise import capped
from kata.grading.journals import SIZE_LIMIT, JournalRefused, read_journal

EXPECTED = tuple(f"{exercise.name}.py" for exercise in EXERCISES)
JOURNAL = PurePosixPath(".kata", "journal")  # where make submit puts it, as in the learner's folder
FILE_LIMIT = 1024 * 1024  # bytes: an exercise file larger than this is refused
QUIET = {"__init__.py", "__pycache__", ".DS_Store"}  # not worth reporting as ignored
MEMBER_LIMIT = 2000  # zip members looked at: an honest repository has far fewer
IGNORED_KEPT = 300  # ignored names remembered; past them, however many there are, only counted
NAME_LIMIT = 200  # characters of a file name kept: a zip member's name can be 64 kB
REASON_LIMIT = 2000  # characters of a failure's reason: a learner's exception message can be 1 MB


@dataclass
class Submission:
    name: str
    files: dict[str, bytes] = field(default_factory=dict)  # expected file name -> content
    ignored: list[str] = field(default_factory=list)  # the first IGNORED_KEPT names not taken
    unlisted: int = 0  # names not taken past those
    refused: list[str] = field(default_factory=list)  # expected names that could not be taken, and why
    journal: Optional[list[Run]] = None  # the learner's checks, if a journal came and was kept
    journal_refused: str = ""  # why a journal that came was not kept

    def take_journal(self, opened: Callable[[], IO[bytes]], reader: Sequence[str]) -> None:
        """Keep the journal's checks, or why not: a bad journal never stops the grading."""
        try:
            with opened() as stream:
                data = stream.read(SIZE_LIMIT + 1)  # at most, whatever size a zip header claims
            self.journal = read_journal(data, python=reader)
        except JournalRefused as refusal:
            self.journal_refused = str(refusal)
        except Exception as error:  # unreadable, encrypted, a bad checksum: the journal alone is lost
            self.journal_refused = capped(f"it could not be read ({type(error).__name__}: {error})", REASON_LIMIT)

    def ignore(self, name: str) -> None:
        """Note a file not taken: a submission of a million files costs a count, not a list."""
        if len(self.ignored) < IGNORED_KEPT:
            self.ignored.append(capped(name, NAME_LIMIT))
        else:
            self.unlisted += 1


def read_submission(path: Path, reader: Sequence[str] = (sys.executable,)) -> Submission:
    """Take only the expected exercise files: from exercises/ if there is one, else the top level;
    and the journal, read by the Python that reader starts (Sandbox.reader confines it).

    A submission given as a learner's exercises/ folder is named after the folder above it. A
    symbolic link is not followed: it could lead to any file the instructor can read.
    """
    submission = Submission(path.parent.name if path.name == "exercises" else path.name)
    try:
        if path.is_symlink():
            submission.refused.append(f"{path} is a symbolic link: not followed, nothing graded")
        elif path.is_file() and zipfile.is_zipfile(path):
            _read_zip(path, submission, reader)
        elif path.is_dir():
            _read_directory(path, submission, reader)
        else:
            submission.refused.append(f"{path} is neither a directory nor a .zip file")
    except Exception as error:  # a corrupt, encrypted or unreadable submission: refused, never the class's end
        message = f"{path} could not be read: {type(error).__name__}: {error}"
        return Submission(submission.name, refused=[capped(message, REASON_LIMIT)])
    return submission


def _read_directory(path: Path, submission: Submission, reader: Sequence[str]) -> None:
    exercises = path / "exercises"
    if exercises.is_symlink():
        submission.refused.append(f"{exercises} is a symbolic link: not followed, nothing graded")
        return
    folder = exercises if exercises.is_dir() else path
    journal = path / JOURNAL
    if folder == exercises and os.path.lexists(journal):
        if journal.is_symlink() or journal.parent.is_symlink() or not journal.is_file():
            submission.journal_refused = f"{JOURNAL} is not a regular file"
        else:
            submission.take_journal(lambda: open(journal, "rb"), reader)
    with os.scandir(folder) as entries:  # unsorted: a folder of a million files is only counted
        for entry in entries:
            if entry.name not in EXPECTED:
                if entry.name not in QUIET:
                    submission.ignore(entry.name)
            elif entry.is_symlink() or not entry.is_file():
                submission.refused.append(f"{entry.name} is not a regular file")
            else:
                with open(entry.path, "rb") as stream:
                    _take(submission, entry.name, entry.name, stream)
    submission.ignored.sort()


def _read_zip(path: Path, submission: Submission, reader: Sequence[str]) -> None:
    with zipfile.ZipFile(path) as archive:
        listed = archive.infolist()
        if len(listed) > MEMBER_LIMIT:
            submission.refused.append(f"the zip holds {len(listed)} files and folders: only the first "
                                      f"{MEMBER_LIMIT} were looked at")
        members = [m for m in listed[:MEMBER_LIMIT] if not m.is_dir()]
        # Prefer files in an exercises/ folder anywhere; else files at the top, or in one top folder.
        def rank(member: zipfile.ZipInfo) -> int:
            parts = PurePosixPath(member.filename).parts
            return 0 if parts[-2:-1] == ("exercises",) else (1 if len(parts) <= 2 else 9)
        journals = [m for m in members if PurePosixPath(m.filename).parts[-2:] == JOURNAL.parts
                    and len(PurePosixPath(m.filename).parts) <= 3]  # at the top, or in one top folder
        if journals:
            submission.take_journal(lambda: archive.open(journals[0]), reader)
        for member in sorted(members, key=rank):
            if member in journals[:1]:
                continue
            name = PurePosixPath(member.filename).name
            if name not in EXPECTED or rank(member) == 9 or name in submission.files:
                if name not in QUIET and not member.filename.startswith("__MACOSX"):
                    submission.ignore(member.filename)
            else:
                with archive.open(member) as stream:
                    _take(submission, name, member.filename, stream)


def _take(submission: Submission, name: str, shown: str, stream: IO[bytes]) -> None:
    """Read one byte past FILE_LIMIT at most, whatever size the file system or a zip header claims."""
    content = stream.read(FILE_LIMIT + 1)
    if len(content) > FILE_LIMIT:
        submission.refused.append(f"{capped(shown, NAME_LIMIT)} is larger than {FILE_LIMIT} bytes")
    else:
        submission.files[name] = content
