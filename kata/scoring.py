"""Grading a candidate package exercise by exercise: the points that make check and the grader report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

from .cases import Instance, cases_of
from .compare import Verdict, judge
from .curriculum import Exercise
from .outcome import Outcome, oracle_outcome

RunCandidate = Callable[[list[Instance]], dict[str, Outcome]]


@dataclass
class ExerciseScore:
    exercise: Exercise
    verdicts: list[Verdict] = field(default_factory=list)
    blocked_by: Optional[Exercise] = None  # not run: an earlier exercise does not pass yet

    @property
    def points(self) -> float:
        if not self.verdicts:
            return 0.0
        share = self.exercise.points / len(self.verdicts)
        return share * sum(v.passed for v in self.verdicts)

    @property
    def passed_count(self) -> int:
        return sum(v.passed for v in self.verdicts)

    @property
    def passed(self) -> bool:
        return bool(self.verdicts) and all(v.passed for v in self.verdicts)

    @property
    def first_failure(self) -> Optional[Verdict]:
        return next((v for v in self.verdicts if not v.passed), None)


def instances_of(exercise: Exercise) -> list[Instance]:
    return [instance for case in cases_of(exercise.name) for instance in case.instances()]


def score(exercises: list[Exercise], run_candidate: RunCandidate, *,
          stop_at_first_failure: bool) -> list[ExerciseScore]:
    """Run and judge every case of each exercise; after a failing one, later ones are blocked."""
    scores: list[ExerciseScore] = []
    blocker: Optional[Exercise] = None
    for exercise in exercises:
        if blocker is not None:
            scores.append(ExerciseScore(exercise, blocked_by=blocker))
            continue
        instances = instances_of(exercise)
        outcomes = run_candidate(instances)
        verdicts = [judge(i, outcomes[i.key], oracle_outcome(i)) for i in instances]
        scores.append(ExerciseScore(exercise, verdicts))
        if stop_at_first_failure and not scores[-1].passed:
            blocker = exercise
    return scores
