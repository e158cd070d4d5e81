"""The class report's journey: what the class met on the way, read from the journals handed in.

Per cause make check named (a misconception, or the type of an error raised), how many learners met it and
how long their first meeting lasted; per exercise, the checks and time it took to pass and the case
that held the class longest; per learner, a strip of every check. A journal is the learner's own
record and can be edited, so these figures inform teaching and are never graded.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Optional

from kata.core.cases import cases_of
from kata.core.curriculum import EXERCISES
from kata.core.journal import COLOURS, IDLE, Run, legs, streaks
from kata.core.outcome import ProblemKind
from kata.core.sanitise import html_text as _e
from kata.core.sanitise import html_with_code, markdown_with_code
from kata.core.sanitise import markdown_text as _md
from kata.grading.results import SubmissionResult

STUB = "NotImplementedError"  # a stub not written yet: every learner meets it, a step rather than a struggle
ERROR = re.compile(r"[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)")
NOTE = ("A journal is the learner's own record, kept by make check on their machine; it can be edited. "
        "These figures inform teaching and are never graded. A named cause is the one make check's report "
        "named, as the journal records it.")


@dataclass(frozen=True)
class CauseStats:
    cause: str
    kind: str  # "error raised" (an exception's type, or a case that timed out or crashed), else "named cause"
    learners: list[str]  # who met it
    past: int  # how many of them got past their first meeting with it
    median_checks: Optional[float]  # checks that named it in a row, the first time, over those past it
    median_seconds: Optional[float]  # time worked until a check no longer named it, over those past it


@dataclass(frozen=True)
class Stall:
    case: str  # the case's title: the first failure while the time was worked
    learners: int
    seconds: float  # time worked with it as the first failure, summed over the class


@dataclass(frozen=True)
class ExerciseStats:
    exercise: str
    started: int  # learners whose checks ran its cases
    passed: int
    median_checks: Optional[float]  # checks to pass it, over those who did
    median_seconds: Optional[float]  # time worked to pass it, over those who did
    stall: Optional[Stall]


@dataclass(frozen=True)
class ClassJourney:
    submissions: int
    kept: dict[str, list[Run]]  # learner -> their checks, for each journal kept
    refused: list[tuple[str, str]]  # learner, why their journal was not kept
    causes: list[CauseStats]  # most learners first
    exercises: list[ExerciseStats]

    @classmethod
    def of(cls, submissions: list[SubmissionResult]) -> ClassJourney:
        kept = {s.submission: s.journal for s in submissions if s.journal}
        refused = [(s.submission, s.journal_refused) for s in submissions if s.journal_refused]
        return cls(len(submissions), kept, refused, _causes(kept), _exercises(kept))


def _median(values: list[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def _causes(kept: dict[str, list[Run]]) -> list[CauseStats]:
    firsts: dict[str, dict[str, tuple[int, float, bool]]] = {}  # cause -> learner -> their first meeting
    for learner, runs in kept.items():
        for streak in streaks(runs):
            if streak.cause != STUB:
                firsts.setdefault(streak.cause, {}).setdefault(learner, (streak.runs, streak.seconds, streak.past))
    found = []
    for cause, met in firsts.items():
        past = [(checks, seconds) for checks, seconds, was_past in met.values() if was_past]
        kind = "error raised" if ERROR.fullmatch(cause) or cause in {k.value for k in ProblemKind} else "named cause"
        found.append(CauseStats(cause, kind, sorted(met), len(past), _median([float(c) for c, _ in past]),
                                _median([s for _, s in past])))
    return sorted(found, key=lambda c: (-len(c.learners), c.kind != "named cause", c.cause))


def _exercises(kept: dict[str, list[Run]]) -> list[ExerciseStats]:
    paths = {learner: legs(runs) for learner, runs in kept.items()}
    found = []
    for exercise in EXERCISES:
        mine = [leg for path in paths.values() for leg in path if leg.exercise == exercise.name]
        if not mine:
            continue
        done = [leg for leg in mine if leg.checks_to_pass is not None]
        found.append(ExerciseStats(exercise.name, len(mine), len(done),
                                   _median([float(leg.checks_to_pass or 0) for leg in done]),
                                   _median([leg.seconds for leg in done]), _stall(exercise.name, kept)))
    return found


def _stall(exercise: str, kept: dict[str, list[Run]]) -> Optional[Stall]:
    """The case of the exercise that was the first failure for the most time worked, over the class."""
    seconds: dict[str, float] = {}
    learners: dict[str, set[str]] = {}
    for learner, runs in kept.items():
        for run, after in zip(runs, runs[1:]):
            gap = after.at - run.at
            case = run.first_failure.split("[")[0]  # the seeds of a random case are one case
            if gap <= IDLE and case.startswith(f"{exercise}::"):
                seconds[case] = seconds.get(case, 0.0) + gap
                learners.setdefault(case, set()).add(learner)
    if not seconds:
        return None
    case = max(seconds, key=lambda c: (seconds[c], c))
    return Stall(_title(exercise, case.split("::", 1)[1]), len(learners[case]), seconds[case])


def _title(exercise: str, name: str) -> str:
    return next((case.title for case in cases_of(exercise) if case.name == name), name)


def _minutes(seconds: Optional[float]) -> str:
    if seconds is None:
        return "—"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _checks(median: Optional[float]) -> str:
    return "—" if median is None else f"{median:g}"


def _stall_text(stall: Optional[Stall]) -> str:
    if stall is None:
        return "—"
    return f"{stall.case} ({_minutes(stall.seconds)} in all, {stall.learners} learner{'s' * (stall.learners != 1)})"


def _cause_cells(c: CauseStats, journals: int) -> list[str]:
    return [c.kind, f"{len(c.learners)} of {journals}", f"{c.past}", _checks(c.median_checks),
            _minutes(c.median_seconds)]


CAUSE_HEADS = ["cause", "kind", "learners who met it", "got past it", "median checks that named it",
               "median time to get past", "who"]
EXERCISE_HEADS = ["exercise", "learners", "passed", "median checks to pass", "median time to pass",
                  "where they stalled longest"]


def _exercise_cells(x: ExerciseStats) -> list[str]:
    return [x.exercise, f"{x.started}", f"{x.passed}", _checks(x.median_checks), _minutes(x.median_seconds),
            _stall_text(x.stall)]


def _summary(journey: ClassJourney) -> str:
    n = len(journey.kept)
    return (f"{n} of {journey.submissions} submissions handed in a journal that was read"
            + (f"; {len(journey.refused)} not read (below)" if journey.refused else "") + ". "
            + f"Breaks over {IDLE // 60} minutes between two checks are left out of the times; "
            f"{STUB} (a stub not written yet) is left out of the causes.")


def as_html(journey: ClassJourney) -> str:
    """The section of the page: what the class met, exercise by exercise, and a strip per learner."""
    parts = [f"<p class=note>{_e(NOTE)}</p><p>{_e(_summary(journey))}</p>"]
    if journey.causes:
        parts.append("<h3>Causes met</h3><table><tr>" + "".join(f"<th>{h}</th>" for h in CAUSE_HEADS) + "</tr>"
                     + "".join(f"<tr><td>{html_with_code(c.cause)}</td>"
                               + "".join(f"<td>{_e(cell)}</td>" for cell in _cause_cells(c, len(journey.kept)))
                               + f"<td>{_e(', '.join(c.learners))}</td></tr>" for c in journey.causes) + "</table>")
    if journey.exercises:
        parts.append("<h3>Exercises</h3><table><tr>" + "".join(f"<th>{h}</th>" for h in EXERCISE_HEADS) + "</tr>"
                     + "".join(f"<tr><td class=word>{_e(x.exercise)}</td>"
                               + "".join(f"<td>{_e(cell)}</td>" for cell in _exercise_cells(x)[1:]) + "</tr>"
                               for x in journey.exercises) + "</table>")
    if journey.kept:
        parts.append("<h3>Each learner's checks</h3><p class=note>A dot per check, placed by time worked, "
                     "coloured by the exercise it was on; a ring where a cause was named.</p>"
                     + _legend() + "<table>"
                     + "".join(f"<tr><td>{_e(learner)}</td><td class=num>{len(runs)} checks</td>"
                               f"<td>{_strip(runs)}</td></tr>" for learner, runs in journey.kept.items())
                     + "</table>")
    if journey.refused:
        parts.append("<h3>Journals not read</h3><table><tr><th>submission</th><th>why</th></tr>"
                     + "".join(f"<tr><td>{_e(who)}</td><td>{_e(why)}</td></tr>" for who, why in journey.refused)
                     + "</table>")
    return "".join(parts)


def _legend() -> str:
    return "<p>" + " ".join(f'<span style="color:{COLOURS[i % len(COLOURS)]}">●</span> {_e(e.name)}'
                            for i, e in enumerate(EXERCISES)) + "</p>"


def _strip(runs: list[Run], width: float = 480.0) -> str:
    """Every check of one learner, left to right by time worked: a break counts as one minute."""
    names = [e.name for e in EXERCISES]
    xs, x = [], 0.0
    for earlier, run in zip([None, *runs], runs):
        gap = 0.0 if earlier is None else run.at - earlier.at
        x += gap if gap <= IDLE else 60.0
        xs.append(x)
    span = max(xs[-1], 1.0)
    marks = []
    for run, at in zip(runs, xs):
        cx = 6 + (width - 12) * at / span
        fill = COLOURS[names.index(run.current) % len(COLOURS)] if run.current in names else "#999999"
        marks.append(f'<circle cx="{cx:.1f}" cy="9" r="3.5" fill="{fill}"><title>'
                     f'{_e(run.current or "every exercise checked passing")}: {_e(run.cause or "no cause named")}'
                     "</title></circle>")
        if run.cause and run.cause != STUB:
            marks.append(f'<circle cx="{cx:.1f}" cy="9" r="6" fill="none" stroke="#333333"/>')
    return (f'<svg class="strip" xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="18" role="img" '
            f'aria-label="{len(runs)} checks">{"".join(marks)}</svg>')


def as_markdown(journey: ClassJourney) -> list[str]:
    lines = [_md(NOTE), "", _md(_summary(journey)), ""]
    if journey.causes:
        lines += ["### Causes met", "", "| " + " | ".join(CAUSE_HEADS) + " |", "|" + "---|" * len(CAUSE_HEADS)]
        for c in journey.causes:
            cells = [markdown_with_code(c.cause), *map(_md, _cause_cells(c, len(journey.kept))),
                     _md(", ".join(c.learners))]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    if journey.exercises:
        lines += ["### Exercises", "", "| " + " | ".join(EXERCISE_HEADS) + " |", "|" + "---|" * len(EXERCISE_HEADS)]
        lines += ["| " + " | ".join(_md(cell) for cell in _exercise_cells(x)) + " |" for x in journey.exercises]
        lines.append("")
    if journey.kept:
        lines += ["### Each learner's checks", "", "| learner | checks | causes named |", "|---|---|---|"]
        lines += [f"| {_md(learner)} | {len(runs)} | {sum(bool(r.cause) and r.cause != STUB for r in runs)} |"
                  for learner, runs in journey.kept.items()]
        lines.append("")
    if journey.refused:
        lines += ["### Journals not read", ""] + [f"- {_md(who)}: {_md(why)}" for who, why in journey.refused]
        lines.append("")
    return lines
