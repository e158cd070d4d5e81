"""A submitted journal, read as untrusted data: bounded, parsed in a process of its own, every
field checked, and never graded.

A learner can write anything into their journal, so what the grader keeps of it is only what
passes every check here; a journal that does not is refused with a reason, and the submission is
graded as it would be without one. The class report reads the journals kept.
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from kata.core.curriculum import EXERCISES
from kata.core.journal import LIMIT, SCHEMA, Run

SIZE_LIMIT = LIMIT + 4 * 1024 * 1024  # bytes: a journal thins itself under LIMIT after its last record
MAX_RUNS = 5000  # checks: a learner who checks on every save makes a few hundred
READ_SECONDS = 20.0  # the reader stops itself after 10 s of CPU
OUTPUT_LIMIT = 32 * 1024 * 1024  # characters of records the reader may send back
TEXT_LIMITS = {"current": 40, "results": 2000, "first_failure": 300, "cause": 200}  # characters
READER = Path(__file__).with_name("journal_reader.py")
NAMES = {e.name for e in EXERCISES}


class JournalRefused(Exception):
    """Why a journal is not kept: a few words an instructor can act on."""


def read_journal(data: bytes, now: float | None = None, python: Sequence[str] = (sys.executable,)) -> list[Run]:
    """The checks of a submitted journal, oldest first; JournalRefused if any of it is not as
    kata.core.journal writes it. python starts the reader: the grader's sandbox gives one that
    confines it (Sandbox.reader), since SQLite parsing a crafted file is attack surface."""
    if len(data) > SIZE_LIMIT:
        raise JournalRefused(f"it is larger than {SIZE_LIMIT // (1024 * 1024)} MB")
    limits = json.dumps({"schema": SCHEMA, "max_runs": MAX_RUNS, "text_limits": TEXT_LIMITS,
                         "output_limit": OUTPUT_LIMIT})
    # Its source on the command line: the reader needs no file it could be kept from reading. Its
    # output goes to files, which its own limit on file size keeps bounded (a pipe would not be).
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            done = subprocess.run([*python, "-I", "-S", "-c", READER.read_text(), limits], input=data,
                                  stdout=out, stderr=err, timeout=READ_SECONDS)
        except subprocess.TimeoutExpired:
            raise JournalRefused(f"reading it took over {READ_SECONDS:g} s") from None
        out.seek(0)
        err.seek(0)
        output, said = out.read(OUTPUT_LIMIT + 1), err.read(4096).decode(errors="replace").strip().splitlines()
    if done.returncode == 2 and said:
        raise JournalRefused(said[-1][:300])
    # Killed by a signal: directly (-9), or as bubblewrap reports it (128 + 9).
    if done.returncode in (-signal.SIGKILL, -signal.SIGXCPU, 128 + signal.SIGKILL, 128 + signal.SIGXCPU):
        raise JournalRefused("reading it took more than the 10 s of CPU or 1 GB of memory a journal needs")
    if done.returncode != 0:
        raise JournalRefused(f"its reader stopped ({done.returncode})")
    if len(output) > OUTPUT_LIMIT:  # from a reader that did not stop itself: one taken over
        raise JournalRefused("its records are larger than a journal's")
    rows = json.loads(output)
    upper = (time.time() if now is None else now) + 2 * 86400  # a learner's clock may run a little fast
    runs: list[Run] = []
    for number, row in enumerate(rows, 1):
        try:
            runs.append(_run(row, upper))
        except (ValueError, TypeError, KeyError, IndexError, json.JSONDecodeError) as error:
            raise JournalRefused(f"its check {number} is not as a journal writes it ({str(error)[:200]})") from None
        if len(runs) > 1 and runs[-1].at < runs[-2].at:
            raise JournalRefused(f"its check {number} is dated before the one above it")
    return runs


def _run(row: list[Any], upper: float) -> Run:
    if len(row) != 7:
        raise ValueError(f"{len(row)} fields")
    identity, at, seconds, current, results, first_failure, cause = row
    texts = {"current": current, "results": results, "first_failure": first_failure, "cause": cause}
    for name, text in texts.items():
        if type(text) is not str or len(text) > TEXT_LIMITS[name] or not text.isprintable():
            raise ValueError(f"{name} is not a line of at most {TEXT_LIMITS[name]} characters")
    if type(identity) is not int:
        raise ValueError("its id is not a whole number")
    if not _number(at) or not 1.5e9 < at < upper:
        raise ValueError("its date is not a date the kata could have been checked on")
    if not _number(seconds) or not 0 <= seconds <= 86400:
        raise ValueError("its duration is not a number of seconds")
    if current and current not in NAMES:
        raise ValueError("its current exercise is none of the kata's")
    counts = json.loads(results)
    if type(counts) is not dict or not set(counts) <= NAMES:
        raise ValueError("its results are not per exercise")
    kept: dict[str, tuple[int, int]] = {}
    for exercise, pair in counts.items():
        if (type(pair) is not list or len(pair) != 2 or any(type(n) is not int for n in pair)
                or not 0 <= pair[0] <= pair[1] <= 10000):
            raise ValueError(f"its result for {exercise} is not cases passed of cases run")
        kept[exercise] = (pair[0], pair[1])
    return Run(identity, float(at), float(seconds), current, kept, first_failure, cause)


def _number(x: object) -> bool:
    return type(x) in (int, float) and math.isfinite(x)  # type: ignore[arg-type]
