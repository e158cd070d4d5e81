"""A simulated class for the class report's journey. Each learner works in a student copy of their
own: they write their exercise files step by step (the reference, with classic mistakes planted
and then fixed), run make check after each step, and hand in what make submit writes. The class's
zips are then graded with --report. Nothing here writes a journal's rows: make check does.

    .venv/bin/python -m tests.support.journey_class OUT_DIR [--screenshot PNG]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

from kata.core.curriculum import EXERCISES
from kata.grading.release import student_copy
from tests.support.browser import screenshot
from tests.support.class_sample import graded
from tests.support.test_diagnosis import ASSIGNS, NOT_REVERSED, SELF_MINUS_OTHER, Bug

ROOT = Path(__file__).resolve().parents[2]
CORE = len([e for e in EXERCISES if not e.bonus])

# A step: how many exercises, in curriculum order, the learner has written (the reference's code,
# with these mistakes planted); the rest are still stubs. make check runs after each step.
Step = tuple[int, tuple[Bug, ...]]
PATHS: dict[str, list[Step]] = {
    "amy": [(0, ()), (2, (SELF_MINUS_OTHER,)), (2, (SELF_MINUS_OTHER,)), (3, (NOT_REVERSED,)), (CORE, ())],
    "bo": [(1, ()), (3, (ASSIGNS,)), (3, (ASSIGNS,)), (3, (ASSIGNS,)), (3, ())],
    "cy": [(2, (SELF_MINUS_OTHER,)), (3, (NOT_REVERSED,)), (3, (NOT_REVERSED,)), (CORE, ())],
    "dee": [(CORE, ())],  # works with KATA_JOURNAL=0: hands in no journal
    "eve": [(1, ()), (CORE, ())],  # then edits her journal: markup for causes, the bonus passed
    "fox": [(1, ()), (CORE, ())],  # then hands in a zip whose journal is not a database
}
NO_JOURNAL = "dee"
EDITED, MARKUP = "eve", "<img src=x onerror=alert(1)>"
DAMAGED = "fox"


def files_at(step: Step) -> dict[str, str]:
    """The exercise files as the learner has them at this step."""
    written, bugs = step
    files = {}
    for i, e in enumerate(EXERCISES):
        source = ROOT / ("solutions" if i < written else "exercises") / f"{e.name}.py"
        files[f"{e.name}.py"] = source.read_text()
    for file, reference, slip in bugs:
        assert files[file].count(reference) == 1, (file, reference)
        files[file] = files[file].replace(reference, slip)
    return files


def make(copy: Path, *target: str, journal: bool = True) -> subprocess.CompletedProcess[str]:
    """make TARGET in the learner's copy, with this Python and its environment, as test_student_copy does."""
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_HOME", "KATA_JOURNAL")}
    env["KATA_USE_CURRENT_PYTHON"] = "1"
    if not journal:
        env["KATA_JOURNAL"] = "0"
    return subprocess.run(["make", "-s", f"PYTHON={sys.executable}", *target], cwd=copy, env=env, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=600)


def walk(copy: Path, path: list[Step], journal: bool = True) -> None:
    """The learner's path: each step's files, then make check (it fails until the last step's)."""
    for step in path:
        for name, text in files_at(step).items():
            (copy / "exercises" / name).write_text(text)
        done = make(copy, "check", journal=journal)
        assert "Traceback" not in done.stderr, done.stderr


def make_class(folder: Path) -> list[Path]:
    """Every learner's copy walked and handed in; returns the zips, one per learner."""
    template = folder / "template"
    student_copy(template)
    zips = []
    for learner, path in PATHS.items():
        copy = folder / learner
        shutil.copytree(template, copy)
        cache = template / ".kata" / "oracle-cache.json"  # PyTorch's answers, computed once for the class
        walk(copy, path, journal=learner != NO_JOURNAL)
        if not cache.exists():
            shutil.copytree(copy / ".kata", template / ".kata", ignore=lambda d, names: [
                n for n in names if n != "oracle-cache.json"])
        if learner == EDITED:  # markup for every cause, and every exercise passing at the last check
            with sqlite3.connect(copy / ".kata" / "journal") as db:
                db.execute("UPDATE runs SET cause = ? WHERE cause != ''", (MARKUP,))
                every = json.dumps({e.name: [1, 1] for e in EXERCISES})
                db.execute("UPDATE runs SET results = ?, current = '' WHERE id = (SELECT MAX(id) FROM runs)",
                           (every,))
        done = make(copy, "submit")
        assert "Hand in this file" in done.stdout, done.stdout + done.stderr
        zipped = folder / f"{learner}.zip"
        if learner == DAMAGED:
            with zipfile.ZipFile(copy / "submission.zip") as handed, zipfile.ZipFile(zipped, "w") as out:
                for member in handed.namelist():
                    out.writestr(member, b"SQLite format 3\0 but not really" if member.endswith("journal")
                                 else handed.read(member))
        else:
            shutil.copyfile(copy / "submission.zip", zipped)
        zips.append(zipped)
    return zips


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args(argv)
    report = graded(make_class(args.out / "class"), args.out)
    if args.screenshot:
        screenshot(report / "index.html", args.screenshot, anchor="#journey")
    return 0


if __name__ == "__main__":
    sys.exit(main())
