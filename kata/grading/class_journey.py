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
from kata.core.cause import known_names
from kata.core.curriculum import EXERCISES
from kata.core.journal import COLOURS, IDLE, Run, legs, streaks, worked_at
from kata.core.outcome import ProblemKind
from kata.core.sanitise import html_text as _e
from kata.core.sanitise import html_with_code, markdown_with_code
from kata.core.sanitise import markdown_text as _md
from kata.grading.results import SubmissionResult

OTHER = "other text (not shown: no cause the kata names)"
ERROR_NAME_LIMIT = 60  # characters of an error's type shown
STUB = "NotImplementedError"  # a stub not written yet: every learner meets it, a step rather than a struggle
ERROR = re.compile(r"[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt)")
NOTE = ("A journal is the learner's own record, kept by make check on their machine; it can be edited. "
        "These figures inform teaching and are never graded. A named cause is the one make check's report "
        "named, as the journal records it.")


@dataclass(frozen=True)
class CauseStats:
    cause: str
    kind: str  # "named cause", "error raised" (an exception's type, a case timed out...), or "free text"
    learners: list[str]  # who met it
    past: int  # how many of them got past their first meeting with it
    median_checks: Optional[float]  # checks that named it in a row, the first time, over those past it
    median_seconds: Optional[float]  # time worked until a check no longer named it, over those past it


@dataclass(frozen=True)
class Stall:
    case: str  # the case's title: the first failure while the time was worked
    learners: int  # how many it held
    seconds: float  # the median, over them, of the time each worked with it as the first failure


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
    kept: list[tuple[str, list[Run]]]  # each journal kept: the submission's name, its checks
    graded_passing: list[int]  # beside each: the exercises its files passed when graded
    refused: list[tuple[str, str]]  # learner, why their journal was not kept
    causes: list[CauseStats]  # most learners first
    exercises: list[ExerciseStats]

    @classmethod
    def of(cls, submissions: list[SubmissionResult]) -> ClassJourney:
        with_journal = [s for s in submissions if s.journal is not None]
        kept = [(s.submission, s.journal or []) for s in with_journal]
        passing = [sum(e.points == e.max_points for e in s.exercises) for s in with_journal]
        refused = [(s.submission, s.journal_refused) for s in submissions if s.journal_refused]
        return cls(len(submissions), kept, passing, refused, _causes(kept), _exercises(kept))


def _median(values: list[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def _kind(cause: str) -> str:
    """What a journal's cause is: a name the kata gives, an error's type, or text the kata never wrote."""
    if cause in known_names():
        return "named cause"
    if (ERROR.fullmatch(cause) and len(cause) <= ERROR_NAME_LIMIT) or cause in {k.value for k in ProblemKind}:
        return "error raised"
    return "free text"


def _causes(kept: list[tuple[str, list[Run]]]) -> list[CauseStats]:
    """Each cause met, by the first meeting of each learner with it. Text that is no cause the kata
    names is counted under one row and never shown: a journal can hold any words."""
    # cause -> learner (by place: two submissions may share a name) -> their first meeting with it
    firsts: dict[str, dict[int, tuple[int, float, bool]]] = {}
    for learner, (_, runs) in enumerate(kept):
        for streak in streaks(runs):
            if streak.cause != STUB:
                cause = OTHER if _kind(streak.cause) == "free text" else streak.cause
                firsts.setdefault(cause, {}).setdefault(learner, (streak.runs, streak.seconds, streak.past))
    found = []
    for cause, met in firsts.items():
        past = [(checks, seconds) for checks, seconds, was_past in met.values() if was_past]
        kind = "free text" if cause == OTHER else _kind(cause)
        who = [kept[i][0] for i in sorted(met)]
        found.append(CauseStats(cause, kind, who, len(past), _median([float(c) for c, _ in past]),
                                _median([s for _, s in past])))
    return sorted(found, key=lambda c: (c.cause == OTHER, -len(c.learners), c.kind != "named cause", c.cause))


def _exercises(kept: list[tuple[str, list[Run]]]) -> list[ExerciseStats]:
    paths = [legs(runs) for _, runs in kept]
    found = []
    for exercise in EXERCISES:
        mine = [leg for path in paths for leg in path if leg.exercise == exercise.name]
        if not mine:
            continue
        done = [leg for leg in mine if leg.checks_to_pass is not None]
        found.append(ExerciseStats(exercise.name, len(mine), len(done),
                                   _median([float(leg.checks_to_pass or 0) for leg in done]),
                                   _median([leg.seconds for leg in done]), _stall(exercise.name, kept)))
    return found


def _stall(exercise: str, kept: list[tuple[str, list[Run]]]) -> Optional[Stall]:
    """The case of the exercise that held the most learners as the first failure (then the most time
    worked): time on a stub not yet written is writing, not a stall, and a case the kata does not
    have is a journal's own words, never shown."""
    cases = {case.name: case.title for case in cases_of(exercise)}
    held: dict[str, dict[int, float]] = {}  # case -> learner -> time worked with it the first failure
    for learner, (_, runs) in enumerate(kept):
        for run, after in zip(runs, runs[1:]):
            gap = after.at - run.at
            place, _, case = run.first_failure.split("[")[0].partition("::")  # a case's seeds are one case
            if gap <= IDLE and place == exercise and case in cases and run.cause != STUB:
                held.setdefault(case, {})[learner] = held.get(case, {}).get(learner, 0.0) + gap
    if not held:
        return None
    case = max(held, key=lambda c: (len(held[c]), statistics.median(held[c].values()), c))
    return Stall(cases[case], len(held[case]), statistics.median(held[case].values()))


def _minutes(seconds: Optional[float]) -> str:
    if seconds is None:
        return "—"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def _checks(median: Optional[float]) -> str:
    return "—" if median is None else f"{median:g}"


def _stall_text(stall: Optional[Stall]) -> str:
    if stall is None:
        return "—"
    return (f"{stall.case} ({stall.learners} learner{'s' * (stall.learners != 1)}, "
            f"{_minutes(stall.seconds)} each, the median)")


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
                     "coloured by the exercise it was on; a ring where a cause was named. Exercises passing: "
                     "at the journal's last check, and as graded (the journal's own word against the files').</p>"
                     + _legend() + "<table><tr>" + "".join(f"<th>{h}</th>" for h in LEARNER_HEADS) + "<th></th></tr>"
                     + "".join("<tr>" + "".join(f"<td>{_e(cell)}</td>" for cell in cells)
                               + f"<td>{_strip(runs)}</td></tr>" for cells, runs in _learner_rows(journey))
                     + "</table>")
    if journey.refused:
        parts.append("<h3>Journals not read</h3><table><tr><th>submission</th><th>why</th></tr>"
                     + "".join(f"<tr><td>{_e(who)}</td><td>{_e(why)}</td></tr>" for who, why in journey.refused)
                     + "</table>")
    return "".join(parts)


LEARNER_HEADS = ["learner", "checks", "causes named", "exercises passing at the last check", "passing as graded"]


def _learner_rows(journey: ClassJourney) -> list[tuple[list[str], list[Run]]]:
    rows = []
    for (learner, runs), graded in zip(journey.kept, journey.graded_passing):
        last = runs[-1].results.values() if runs else []
        passing = sum(0 < run == passed for passed, run in last)
        named = sum(_ringed(r.cause) for r in runs)
        rows.append(([learner, f"{len(runs)}", f"{named}", f"{passing}", f"{graded}"], runs))
    return rows


def _ringed(cause: str) -> bool:
    """Whether a check's cause counts as one named: a stub not written yet does not, nor free text."""
    return bool(cause) and cause != STUB and _kind(cause) != "free text"


def _shown(cause: str) -> str:
    """A journal's cause as the report may show it: never text the kata does not write."""
    return cause if _kind(cause) != "free text" else "other text"


def _legend() -> str:
    return "<p>" + " ".join(f'<span style="color:{COLOURS[i % len(COLOURS)]}">●</span> {_e(e.name)}'
                            for i, e in enumerate(EXERCISES)) + "</p>"


def _strip(runs: list[Run], width: float = 480.0) -> str:
    """Every check of one learner, left to right by time worked: a break counts as one minute."""
    names = [e.name for e in EXERCISES]
    xs = worked_at(runs)
    span = max(xs[-1], 1.0)
    marks = []
    for run, at in zip(runs, xs):
        cx = 6 + (width - 12) * at / span
        fill = COLOURS[names.index(run.current) % len(COLOURS)] if run.current in names else "#999999"
        marks.append(f'<circle cx="{cx:.1f}" cy="9" r="3.5" fill="{fill}"><title>'
                     f'{_e(run.current or "every exercise checked passing")}: '
                     f'{_e(_shown(run.cause) if run.cause else "no cause named")}'
                     "</title></circle>")
        if _ringed(run.cause):
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
        lines += ["### Each learner's checks", "", "| " + " | ".join(LEARNER_HEADS) + " |",
                  "|" + "---|" * len(LEARNER_HEADS)]
        lines += ["| " + " | ".join(map(_md, cells)) + " |" for cells, _ in _learner_rows(journey)]
        lines.append("")
    if journey.refused:
        lines += ["### Journals not read", ""] + [f"- {_md(who)}: {_md(why)}" for who, why in journey.refused]
        lines.append("")
    return lines
