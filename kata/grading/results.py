"""What grading a class found, as plain records: the terminal, the CSV, the JSON, Gradescope's
results.json and the class report all read these, and none of them parses another's text.

A record holds only strings, numbers and flags (no live objects), so that it is written as JSON
unchanged. Every string in it that came from a submission is raw: each output escapes it for
its own format (kata.core.sanitise).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from kata.core.curriculum import EXERCISES
from kata.core.journal import Run

MAX_SCORE = 100  # the core exercises' points
BONUS_POINTS = sum(e.points for e in EXERCISES if e.bonus)  # apart from the 100
IGNORED_SHOWN = 10  # ignored names listed in a report, before "and N more"
PASSED = "passed"
DIFFERS = "differs from PyTorch"  # the kind of a case that ran and gave other numbers


@dataclass(frozen=True)
class CaseResult:
    key: str
    exercise: str
    case: str
    title: str  # "value: adds two values (seed 3)"
    number: str  # "1.4": the exercise's number, then the case's within it, as Gradescope numbers tests
    seed: Optional[int]
    hidden: bool
    points: float
    max_points: float
    kind: str  # PASSED, DIFFERS, or the ProblemKind's value: "raised", "timed out", ...
    reason: str  # the kind and the submission's own words; "" when passed
    misconception: str = ""  # the one the grader named, if any
    tripped_sandbox: bool = False  # the case was stopped by a sandbox's refusal

    @property
    def passed(self) -> bool:
        return self.kind == PASSED

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": "passed" if self.passed else "failed"}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CaseResult:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ExerciseResult:
    name: str
    points: float
    max_points: float
    status: str  # "passed", "not graded", or how many cases passed and the first failure

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExerciseResult:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class SubmissionResult:
    submission: str
    score: float  # out of MAX_SCORE: the core exercises
    bonus: float  # the bonus track's, apart: the instructor decides whether it counts
    seconds: float
    exercises: list[ExerciseResult]
    cases: list[CaseResult]
    ignored: list[str] = field(default_factory=list)  # files not taken, the first few hundred
    unlisted: int = 0  # files not taken past those
    refused: list[str] = field(default_factory=list)  # expected files that could not be taken, and why
    unsettled: dict[str, int] = field(default_factory=dict)  # cases that did not run plainly, by kind
    unconfined: bool = False  # graded with no kernel boundary (--allow-unconfined)
    failure: str = ""  # why the grader itself could not grade this submission, if it could not
    journal: Optional[list[Run]] = None  # the learner's checks, if their journal came and was kept: never graded
    journal_refused: str = ""  # why a journal that came was not kept

    @property
    def status(self) -> str:
        """"graded", or what stopped some cases from running honestly."""
        if self.failure:
            return "; ".join(self.trouble())
        return "; ".join(["graded without a kernel boundary" if self.unconfined else "graded", *self._details()])

    def trouble(self) -> list[str]:
        """What did not run plainly, a few words each: [] for a submission graded plainly."""
        if self.failure:
            return [f"not graded: {self.failure}", *(f"refused: {r}" for r in self.refused)]
        return ["graded without a kernel boundary"] * self.unconfined + self._details()

    def _details(self) -> list[str]:
        unsettled = ", ".join(f"{n} {kind}" for kind, n in sorted(self.unsettled.items()))
        return [unsettled] * bool(unsettled) + [f"refused: {r}" for r in self.refused]

    def ignored_summary(self) -> str:
        """The first few names not taken, then how many more: one short line however many."""
        more = len(self.ignored) + self.unlisted - IGNORED_SHOWN
        return ", ".join(self.ignored[:IGNORED_SHOWN]) + (f" and {more} more" if more > 0 else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "submission": self.submission, "score": self.score, "max_score": MAX_SCORE,
            "bonus": self.bonus, "max_bonus": BONUS_POINTS, "status": self.status, "seconds": self.seconds,
            "ignored": self.ignored, "unlisted": self.unlisted, "refused": self.refused,
            "unsettled": self.unsettled, "unconfined": self.unconfined, "failure": self.failure,
            "exercises": [e.to_json() for e in self.exercises], "cases": [c.to_json() for c in self.cases],
            "journal": None if self.journal is None else [run.to_json() for run in self.journal],
            "journal_refused": self.journal_refused,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubmissionResult:
        """The record that to_json wrote (grader.py --json), for reading it back."""
        fields = {name: data[name] for name in cls.__dataclass_fields__}
        journal = None if data["journal"] is None else [Run.from_json(run) for run in data["journal"]]
        return cls(**{**fields, "exercises": [ExerciseResult.from_json(e) for e in data["exercises"]],
                      "cases": [CaseResult.from_json(c) for c in data["cases"]], "journal": journal})


@dataclass(frozen=True)
class ClassResults:
    sandbox: str  # how the children were confined, in words
    boundary: str  # the sandbox's kind: "bubblewrap", "kernel" or "none"
    submissions: list[SubmissionResult]

    def to_json(self) -> dict[str, Any]:
        return {"sandbox": self.sandbox, "boundary": self.boundary,
                "submissions": [s.to_json() for s in self.submissions]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClassResults:
        return cls(data["sandbox"], data["boundary"], [SubmissionResult.from_json(s) for s in data["submissions"]])
