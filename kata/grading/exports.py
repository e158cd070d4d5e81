"""The grades in the formats instructors use, each from the same records (kata.grading.results):
the terminal's lines, the CSV gradebook and Gradescope's results.json. (The JSON of every case is
ClassResults.to_json; the class report is kata.grading.class_report.)"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from kata.core.curriculum import EXERCISES
from kata.core.sanitise import capped, csv_cell, visible, visible_line
from kata.grading.results import BONUS_POINTS, MAX_SCORE, CaseResult, SubmissionResult
from kata.grading.sandbox import Sandbox

# Characters of a failure's reason that a student sees in results.json: a few hundred, as Gradescope
# advises; the instructor's JSON keeps more.
VISIBLE_OUTPUT_LIMIT = 400
# What a student reads when the grader fails unexpectedly: the error itself may hold text from the
# submission, hidden cases' included, so it goes to the instructor's log (stderr) alone.
UNEXPECTED_FAILURE = "an unexpected error; the instructor's log has the details"
BONUS_EXERCISES = {e.name for e in EXERCISES if e.bonus}


def render(result: SubmissionResult) -> str:
    """The submission's lines for the terminal: whatever its names and messages hold, plain text."""
    bonus = f", bonus {result.bonus:.1f} / {BONUS_POINTS}" if BONUS_POINTS else ""
    lines = [f"{visible_line(result.submission)}: {result.score:.1f} / {MAX_SCORE}{bonus} "
             f"({visible_line(result.status)}; {result.seconds:.1f} s)"]
    for e in result.exercises:
        lines.append(f"  {e.name:<9} {e.points:5.1f} / {e.max_points:<3g} {visible_line(e.status)}")
    if result.ignored:
        lines.append(f"  ignored (not exercise files): {visible_line(result.ignored_summary())}")
    for refusal in result.refused:
        lines.append(f"  refused: {visible_line(refusal)}")
    if result.journal is not None:
        lines.append(f"  journal: {len(result.journal)} checks, for the class report (never graded)")
    if result.journal_refused:
        lines.append(f"  journal not read: {visible_line(result.journal_refused)}")
    return "\n".join(lines)


def write_csv(results: list[SubmissionResult], path: Path) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["submission", *(e.name for e in EXERCISES), "total", "bonus", "status"])
        for r in results:
            writer.writerow([csv_cell(visible(r.submission)), *(f"{e.points:.2f}" for e in r.exercises),
                             f"{r.score:.2f}", f"{r.bonus:.2f}", csv_cell(visible(r.status))])


def gradescope_results(result: SubmissionResult, sandbox: Sandbox) -> dict[str, Any]:
    """results.json in Gradescope's format: one test per graded instance.

    The overall output gives points only: the reasons live in the tests, where
    a hidden case's reason stays hidden until the grades are published.
    """
    tests = [{
        "name": case.title, "number": case.number, "score": case.points,
        "max_score": case.max_points, "status": "passed" if case.passed else "failed",
        "output": student_output(case) + (f"\nLikely cause: {case.misconception}" if case.misconception else ""),
        "visibility": "after_published" if case.hidden else "visible",
    } for case in result.cases]
    summary = [f"{e.name}: {e.points:.1f} / {e.max_points:g}"
               f"{' (bonus, not in the score)' if e.name in BONUS_EXERCISES else ''}" for e in result.exercises]
    if result.ignored:
        summary.append(f"ignored (not exercise files): {result.ignored_summary()}")
    summary += [f"refused: {refusal}" for refusal in result.refused]
    return {
        "score": result.score, "execution_time": result.seconds,
        "output": "\n".join([*summary, f"sandbox: {sandbox.description}"]),
        "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden",
        "extra_data": {"sandbox": sandbox.kind}, "tests": tests,
    }



def student_output(case: CaseResult) -> str:
    """A case's reason as a student reads it. A hidden case's is its kind alone (raised, timed out,
    differs from PyTorch): the rest is the submission's own text, which may carry what its code
    read of the hidden case while that case ran."""
    if case.passed:
        return "agrees with PyTorch"
    if case.hidden:
        return case.kind
    return capped(case.reason, VISIBLE_OUTPUT_LIMIT)


def write_gradescope_failure(directory: Path, reason: str) -> None:
    """A missing results.json gives the student nothing: always write one, with the grader's own reason."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps({
        "score": 0, "output": f"The autograder itself failed ({reason}). Please tell your instructor.",
        "tests": []}))

