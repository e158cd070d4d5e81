"""make submit: the zip a learner hands in, holding their exercise files and their journal.

The grader reads exactly this: exercises/NAME.py for each exercise, and .kata/journal, which the
class report reads to show what the class met on the way (it is never graded).
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path
from typing import Optional

from kata.core import journal
from kata.core.curriculum import EXERCISES
from kata.learner.commands import Spelling
from kata.repository import ROOT

ZIP = ROOT / "submission.zip"
JOURNAL_MEMBER = ".kata/journal"  # where the grader looks for it in the zip


def write(exercises: Path, journal_path: Path, out: Path, spelling: Spelling) -> tuple[list[str], str]:
    """The zip at out; returns the exercise files put in, and what became of the journal, in words."""
    import sqlite3

    names = [f"{e.name}.py" for e in EXERCISES if (exercises / f"{e.name}.py").is_file()]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.write(exercises / name, f"exercises/{name}")
        if not journal.enabled():
            return names, "no journal (KATA_JOURNAL=0)"
        if not journal_path.is_file():
            return names, f"no journal (none is kept yet: {spelling.command('check')} starts it)"
        try:
            data = journal.copy_of(journal_path)  # whole, even if make watch is writing to it
            checks = len(journal.runs(journal_path))
        except (sqlite3.Error, OSError, ValueError) as error:  # a journal damaged or edited by hand
            return names, f"no journal: {journal_path} could not be read ({error})"
        archive.writestr(JOURNAL_MEMBER, data)
    return names, f"your journal ({checks} check{'s' if checks != 1 else ''})"


def main(argv: Optional[list[str]] = None, *, spelling: Spelling = Spelling.PYTHON,
         exercises: Path = ROOT / "exercises", journal_path: Path = journal.PATH, out: Path = ZIP) -> int:
    argparse.ArgumentParser(prog="make submit", description=__doc__.split("\n\n")[0]).parse_args(argv)
    names, kept = write(exercises, journal_path, out, spelling)
    shown = out.relative_to(ROOT) if out.is_relative_to(ROOT) else out
    print(f"Wrote {shown}: {len(names)} exercise files and {kept}. Hand in this file.")
    if kept.startswith("your journal"):
        print("Your journal shows your instructor what you met on the way; it is never graded.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
