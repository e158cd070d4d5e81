"""The learner's journal: one record per `make check` of their exercises, kept in .kata/journal,
and what a path through the kata reads as (legs, streaks): make journey and the class report
both read a journal through this module.

A record holds when the check ran and how long it took, the exercise that was current (the
first one checked that does not pass; none once all pass), each exercise checked with its cases passed of
how many, the first failing case, the cause named for it (its short name) or the exception's
type, and the learner's exercise files: the whole of them in the first record and every
SNAPSHOT_EVERY-th, else a diff against the record before, compressed. The journal is the
learner's own record: it informs, it is never graded. KATA_JOURNAL=0 turns it off.

It is SQLite from the standard library. It stays under LIMIT bytes: past it, the files of old
records are dropped (their results are kept). Nothing in it can fail a check: a journal that
cannot be written is skipped with a one-line note.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
import time
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional

from kata.core.cause import name_of
from kata.core.curriculum import EXERCISES
from kata.core.scoring import ExerciseScore
from kata.repository import HOME

PATH = HOME / "journal"
LIMIT = 20 * 1024 * 1024  # bytes
IDLE = 30 * 60  # seconds: a longer gap between two checks is a break, not work
# One colour per exercise, in curriculum order, in every picture of a path.
COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666", "#1f78b4")
SNAPSHOT_EVERY = 50  # records: a whole copy of the files this often, so that diffs never chain far
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, at REAL, seconds REAL, current TEXT, results TEXT,
    first_failure TEXT, cause TEXT, snapshot INTEGER, files BLOB);
CREATE TABLE IF NOT EXISTS latest (name TEXT PRIMARY KEY, text TEXT);
"""


@dataclass(frozen=True)
class Run:
    """One make check, as the journal keeps it."""

    id: int
    at: float  # seconds since the epoch
    seconds: float
    current: str  # the first exercise checked that does not pass; "" when every one checked passes
    results: dict[str, tuple[int, int]]  # exercise -> (cases passed, cases run); blocked ones are left out
    first_failure: str  # the first failing case's key, or ""
    cause: str  # the short name of the cause named for it, the exception's type, or ""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "results": {k: list(v) for k, v in self.results.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Run:
        return cls(**{**data, "results": {k: (v[0], v[1]) for k, v in data["results"].items()}})


def enabled() -> bool:
    return os.environ.get("KATA_JOURNAL") != "0"


def record(scores: list[ExerciseScore], seconds: float, exercises: Path, cause: str = "",
           path: Path = PATH, at: Optional[float] = None) -> None:
    """Append one run: its results, and the files of the exercises folder as they are now."""
    if not enabled():
        return
    import sqlite3  # here, as in each function below: with the journal off, a check never loads it

    try:
        _append(scores, seconds, exercises, cause, path, time.time() if at is None else at)
    except (sqlite3.Error, OSError) as error:
        print(f"(The journal in {path} was not written: {error}.)", file=sys.stderr)


def first_cause(scores: list[ExerciseScore]) -> str:
    """What the journal calls the first failure's cause without diagnosing again: the case's own
    recogniser's short name, else the exception's type ("ZeroDivisionError"), else ""."""
    failing = next((s for s in scores if not s.passed and s.first_failure is not None), None)
    verdict = failing.first_failure if failing else None
    if verdict is None:
        return ""
    if name_of(verdict.cause):
        return name_of(verdict.cause)
    if verdict.problem is not None:
        found = re.match(r"([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt))\b", verdict.problem.message)
        return found[1] if found else verdict.problem.kind.value
    return ""


def _append(scores: list[ExerciseScore], seconds: float, exercises: Path, cause: str, path: Path,
            at: float) -> None:
    import sqlite3

    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as db:
        # No wait for the disk: a power cut may lose the last record, which costs nothing, while
        # waiting would cost every check some milliseconds.
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(SCHEMA)
        files = {f.name: f.read_text(encoding="utf-8", errors="replace") for f in sorted(exercises.glob("*.py"))}
        before = dict(db.execute("SELECT name, text FROM latest").fetchall())
        count = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        snapshot = count % SNAPSHOT_EVERY == 0 or not before
        stored = files if snapshot else _diffs(before, files)
        failing = next((s for s in scores if not s.passed), None)
        first = failing.first_failure if failing else None
        results = {s.exercise.name: [s.passed_count, len(s.verdicts)] for s in scores if not s.blocked_by}
        db.execute("INSERT INTO runs (at, seconds, current, results, first_failure, cause, snapshot, files) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (at, seconds, failing.exercise.name if failing else "", json.dumps(results),
                    first.instance.key if first else "", cause, int(snapshot),
                    zlib.compress(json.dumps(stored).encode())))
        db.executemany("DELETE FROM latest WHERE name = ?", [(name,) for name in before if name not in files])
        db.executemany("INSERT OR REPLACE INTO latest VALUES (?, ?)",
                       [(name, text) for name, text in files.items() if before.get(name) != text])
    if path.stat().st_size > LIMIT:
        _thin(path)


def _diffs(before: dict[str, str], after: dict[str, str]) -> dict[str, Optional[list[str]]]:
    """Each file that changed, as the lines of a unified diff without context; None if removed."""

    changed: dict[str, Optional[list[str]]] = {}
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            changed[name] = None
        elif before.get(name) != after[name]:
            changed[name] = list(difflib.unified_diff(before.get(name, "").splitlines(keepends=True),
                                                      after[name].splitlines(keepends=True), n=0))
    return changed


HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _patched(text: str, diff: list[str]) -> str:
    """text with a unified diff (no context) applied."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    taken = 0  # lines of text copied or removed so far
    for line in diff[2:]:  # after the --- and +++ lines
        hunk = HUNK.match(line)
        if hunk:
            start, length = int(hunk[1]), int(hunk[2] if hunk[2] is not None else 1)
            end = start - 1 if length else start  # a pure insertion comes after line `start`
            out += lines[taken:end]
            taken = end
        elif line.startswith("-"):
            taken += 1
        elif line.startswith("+"):
            out.append(line[1:])
    return "".join(out + lines[taken:])


def _thin(path: Path) -> None:
    """Drop the files of every record before the newest snapshot; the results stay."""
    import sqlite3

    with sqlite3.connect(path) as db:
        newest = db.execute("SELECT MAX(id) FROM runs WHERE snapshot = 1").fetchone()[0]
        db.execute("UPDATE runs SET files = NULL WHERE id < ?", (newest,))
    with sqlite3.connect(path) as db:
        db.execute("VACUUM")


def runs(path: Path = PATH) -> list[Run]:
    """Every run kept, oldest first; [] without a journal."""
    import sqlite3

    if not path.exists():
        return []
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, at, seconds, current, results, first_failure, cause FROM runs "
                          "ORDER BY id").fetchall()
    return [Run(i, at, seconds, current, {k: (v[0], v[1]) for k, v in json.loads(results).items()},
                first, cause) for i, at, seconds, current, results, first, cause in rows]


def copy_of(path: Path = PATH) -> bytes:
    """The journal's bytes as one consistent database, even while a check is adding a record."""
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.serialize()


def files_at(run: int, path: Path = PATH) -> Optional[dict[str, str]]:
    """The exercise files as they were at a run, or None if the journal no longer holds them."""
    import sqlite3

    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT id, snapshot, files FROM runs WHERE id <= ? AND id >= "
                          "(SELECT MAX(id) FROM runs WHERE snapshot = 1 AND id <= ?) ORDER BY id",
                          (run, run)).fetchall()
    if not rows or rows[-1][0] != run or any(files is None for _, _, files in rows):
        return None
    files: dict[str, str] = {}
    for _, snapshot, blob in rows:
        stored = json.loads(zlib.decompress(blob))
        if snapshot:
            files = dict(stored)
            continue
        for name, diff in stored.items():
            if diff is None:
                files.pop(name, None)
            else:
                files[name] = _patched(files.get(name, ""), diff)
    return files


# Reading a path back.


def working_seconds(runs: list[Run], start: float, end: float) -> float:
    """The time worked from start to end: the gaps between consecutive checks in it, each break
    (a gap over IDLE) left out."""
    gaps = (later.at - earlier.at for earlier, later in zip(runs, runs[1:]) if start <= earlier.at and later.at <= end)
    return sum(gap for gap in gaps if gap <= IDLE)


def worked_at(runs: list[Run]) -> list[float]:
    """Where each check falls on a timeline of time worked: a break (a gap over IDLE) counts as one
    minute, so that the work fills a picture of it."""
    places, x = [], 0.0
    for earlier, run in zip([None, *runs], runs):
        gap = 0.0 if earlier is None else run.at - earlier.at
        x += gap if gap <= IDLE else 60.0
        places.append(x)
    return places


@dataclass(frozen=True)
class Streak:
    """A cause named by consecutive checks: one meeting with it."""

    cause: str
    exercise: str  # the current exercise when it was named
    runs: int  # checks in a row that named it
    seconds: float  # time worked from the first of them to the check that no longer named it
    past: bool  # whether a later check no longer named it: false while the learner is still on it


def streaks(runs: list[Run]) -> list[Streak]:
    """Every meeting with a cause, in the order they happened."""
    found: list[Streak] = []
    start = 0
    for i in range(1, len(runs) + 1):
        if i < len(runs) and (runs[i].cause, runs[i].current) == (runs[start].cause, runs[start].current):
            continue
        first = runs[start]
        if first.cause:
            end = runs[i].at if i < len(runs) else runs[-1].at
            found.append(Streak(first.cause, first.current, i - start, working_seconds(runs, first.at, end),
                                i < len(runs)))
        start = i
    return found


@dataclass(frozen=True)
class Leg:
    """One exercise of a path."""

    exercise: str
    runs: int  # checks while it was the current exercise
    first: float  # when a check first ran its cases
    passed: Optional[float]  # when a check first passed it, if one has
    seconds: float  # time worked from first to passed (or to the last check)
    checks_to_pass: Optional[int]  # checks from the first that ran it to the first that passed it, both counted
    causes: dict[str, int]  # each cause met on it, with the checks in a row it lasted the first time
    unnamed: int  # checks on it that failed with no cause named


def legs(runs: list[Run]) -> list[Leg]:
    """The exercises a path has met, in curriculum order."""
    found = []
    met = streaks(runs)
    for exercise in EXERCISES:
        checked = [r for r in runs if exercise.name in r.results]
        if not checked:
            continue
        passing = next((r for r in checked if 0 < r.results[exercise.name][1] == r.results[exercise.name][0]), None)
        passed = passing.at if passing is not None else None
        first, end = checked[0].at, passed if passed is not None else runs[-1].at
        to_pass = runs.index(passing) - runs.index(checked[0]) + 1 if passing is not None else None
        causes: dict[str, int] = {}
        for streak in met:
            if streak.exercise == exercise.name:
                causes.setdefault(streak.cause, streak.runs)
        found.append(Leg(exercise.name, sum(r.current == exercise.name for r in runs), first, passed,
                         working_seconds(runs, first, end), to_pass, causes,
                         sum(r.current == exercise.name and not r.cause for r in runs)))
    return found
