"""Grading a candidate package exercise by exercise: the points that make check and the grader report."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Optional

from kata.core.cases import Instance, cases_of
from kata.core.compare import Verdict, judge
from kata.core.curriculum import Exercise
from kata.core.outcome import Outcome, Problem, ProblemKind, oracle_outcome

RunCandidate = Callable[[list[Instance]], dict[str, Outcome]]
Expected = Callable[[Instance], Outcome]
Plan = list[tuple[Exercise, list[Instance]]]


@dataclass
class ExerciseScore:
    exercise: Exercise
    verdicts: list[Verdict] = field(default_factory=list)
    blocked_by: Optional[Exercise] = None  # not run: an earlier exercise does not pass yet

    @property
    def points(self) -> float:
        """One division, not a sum of shares: a full exercise's points are then exact (a sum of seven
        shares of 10/7 makes 9.999999999999998)."""
        return self.exercise.points * self.passed_count / len(self.verdicts) if self.verdicts else 0.0

    @property
    def passed_count(self) -> int:
        return sum(v.passed for v in self.verdicts)

    @property
    def passed(self) -> bool:
        return bool(self.verdicts) and all(v.passed for v in self.verdicts)

    @property
    def first_failure(self) -> Optional[Verdict]:
        """The first failing case that ran; a case that was not run says less than one that did."""
        failing = [v for v in self.verdicts if not v.passed]
        return next((v for v in failing if not v.waiting), failing[0] if failing else None)


def points_of(exercise: Exercise, verdict: Verdict, cases: int) -> float:
    """An exercise's points are shared equally by its graded instances."""
    return exercise.points / cases if verdict.passed else 0.0


def instances_of(exercise: Exercise, rng: Optional[random.Random] = None) -> list[Instance]:
    """The exercise's graded instances; with rng, random cases draw fresh seeds (as many as declared)."""
    instances = []
    for case in cases_of(exercise.name):
        if rng is None or not case.seeds:
            instances += case.instances()
        else:
            instances += [Instance(case, rng.randrange(2**31)) for _ in case.seeds]
    return instances


def plan(exercises: list[Exercise], rng: Optional[random.Random] = None, *, hidden: bool = True) -> Plan:
    """Each exercise with the instances of its cases; hidden=False leaves the hidden cases out."""
    return [(exercise, [i for i in instances_of(exercise, rng) if hidden or not i.case.hidden])
            for exercise in exercises]


def score(plan: Plan, run_candidate: RunCandidate, *, stop_at_first_failure: bool,
          expected: Expected = oracle_outcome) -> list[ExerciseScore]:
    """Run and judge every instance of the plan against the expected (PyTorch's) outcomes.

    Stopping at the first failure runs one exercise at a time, its milestones
    last, and marks the later ones blocked; otherwise every instance runs in one batch.
    """
    if not stop_at_first_failure:
        outcomes = _run_beside(run_candidate, [i for _, instances in plan for i in instances], expected)
        return [_judged(exercise, instances, outcomes, expected) for exercise, instances in plan]
    scores: list[ExerciseScore] = []
    for exercise, instances in plan:
        if scores and not scores[-1].passed:
            scores.append(ExerciseScore(exercise, blocked_by=scores[-1].blocked_by or scores[-1].exercise))
            continue
        scores.append(_milestones_last(exercise, instances, run_candidate, expected))
    return scores


WAITING = "a milestone runs once the exercise's other cases pass"


def _milestones_last(exercise: Exercise, instances: list[Instance], run_candidate: RunCandidate,
                     expected: Expected) -> ExerciseScore:
    """The exercise's cases, then its milestones if every other case passes: a milestone trains a
    network, the slowest case there is, and says little while a smaller case still fails."""
    first = [i for i in instances if not i.case.milestone]
    verdicts = _judged(exercise, first, _run_beside(run_candidate, first, expected), expected).verdicts
    milestones = [i for i in instances if i.case.milestone]
    if milestones and all(v.passed for v in verdicts):
        verdicts += _judged(exercise, milestones, _run_beside(run_candidate, milestones, expected),
                            expected).verdicts
    else:
        verdicts += [Verdict(i, passed=False, problem=Problem(ProblemKind.NOT_RUN, WAITING)) for i in milestones]
    order = {i.key: n for n, i in enumerate(instances)}
    return ExerciseScore(exercise, sorted(verdicts, key=lambda v: order[v.instance.key]))


def _run_beside(run_candidate: RunCandidate, instances: list[Instance],
                expected: Expected) -> dict[str, Outcome]:
    """The candidate's outcomes; the expected ones are computed meanwhile, on the other core."""
    with ThreadPoolExecutor(1) as pool:
        candidate = pool.submit(run_candidate, instances)
        for instance in instances:
            expected(instance)
        return candidate.result()


def _judged(exercise: Exercise, instances: list[Instance], outcomes: dict[str, Outcome],
            expected: Expected) -> ExerciseScore:
    return ExerciseScore(exercise, [judge(i, outcomes[i.key], expected(i)) for i in instances])
