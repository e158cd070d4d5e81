"""Grading one submission: every case of the plan in a sandboxed child, judged here against
PyTorch's answers, with anything that goes wrong costing that submission alone."""

from __future__ import annotations

import ast
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from kata.core.cases import Instance
from kata.core.cause import name_of
from kata.core.compare import Verdict
from kata.core.curriculum import EXERCISES
from kata.core.diagnosis import diagnose, uses_your_backward
from kata.core.outcome import Outcome, Problem, ProblemKind
from kata.core.runner import Session
from kata.core.sanitise import capped
from kata.core.scoring import ExerciseScore, Plan, points_of, score
from kata.grading.results import DIFFERS, PASSED, CaseResult, ExerciseResult, SubmissionResult
from kata.grading.sandbox import REFUSALS, Sandbox, add_hidden, lay_out
from kata.grading.submission import NAME_LIMIT, REASON_LIMIT, Submission

IMPORT_SECONDS = 10.0  # for importing one exercise module
# What kept cases from running honestly: the status names them beside "graded".
UNSETTLED = (ProblemKind.TIMED_OUT, ProblemKind.CRASHED, ProblemKind.MISSING, ProblemKind.FLOODED,
             ProblemKind.NOT_RUN)
# Seconds of running one submission, at most: inside Gradescope's default of ten minutes, with
# room for its set-up; an honest submission takes a few seconds.
SUBMISSION_BUDGET = 240.0
WORKDIRS: set[str] = set()  # the submissions' working directories, removed even when stopped


@dataclass
class Report:
    submission: Submission
    scores: list[ExerciseScore]
    seconds: float
    misconceptions: dict[str, str] = field(default_factory=dict)  # case key -> the one named
    unconfined: bool = False  # graded with no kernel boundary (--allow-unconfined)
    failure: str = ""  # why the grader itself could not grade this submission, if it could not

    @property
    def points(self) -> float:
        """Out of 100: the core exercises."""
        return sum(s.points for s in self.scores if not s.exercise.bonus)

    @property
    def bonus_points(self) -> float:
        """The bonus track's, reported apart: the instructor decides whether they count."""
        return sum(s.points for s in self.scores if s.exercise.bonus)

    def result(self) -> SubmissionResult:
        """The record every output reads: numbers, flags and the submission's own words, no live objects."""
        sub = self.submission
        unsettled: dict[str, int] = {}
        for v in (v for s in self.scores for v in s.verdicts):
            if v.problem and v.problem.kind in UNSETTLED:
                unsettled[v.problem.kind.value] = unsettled.get(v.problem.kind.value, 0) + 1
        return SubmissionResult(
            sub.name, self.points, self.bonus_points, self.seconds,
            [ExerciseResult(s.exercise.name, s.points, s.exercise.points, exercise_status(s)) for s in self.scores],
            self._case_results(), sub.ignored, sub.unlisted, sub.refused, unsettled, self.unconfined, self.failure,
            sub.journal, sub.journal_refused)

    def _case_results(self) -> list[CaseResult]:
        """One per graded instance, numbered within its exercise as Gradescope numbers tests."""
        results = []
        for s in self.scores:
            for number, v in enumerate(s.verdicts, 1):
                seed = "" if v.instance.seed is None else f" (seed {v.instance.seed})"
                kind = PASSED if v.passed else (v.problem.kind.value if v.problem else DIFFERS)
                results.append(CaseResult(
                    v.instance.key, s.exercise.name, v.instance.case.name,
                    f"{s.exercise.name}: {v.instance.case.title}{seed}", f"{s.exercise.number}.{number}",
                    v.instance.seed, v.instance.case.hidden, points_of(s.exercise, v, len(s.verdicts)),
                    s.exercise.points / len(s.verdicts), kind, reason(v), self.misconceptions.get(v.instance.key, ""),
                    tripped_sandbox=v.problem is not None and any(r in v.problem.message for r in REFUSALS)))
        return results


def grade_apart(submission: Submission, grading_plan: Plan, sandbox: Sandbox, support: Path,
                budget: float = SUBMISSION_BUDGET) -> Report:
    """grade(), where anything that goes wrong costs this submission's row alone, never the class."""
    start = time.monotonic()
    try:
        return grade(submission, grading_plan, sandbox, support, budget)
    except Exception as error:
        failure = f"the grader failed on it ({type(error).__name__}: {str(error)[:300]})"
        return Report(submission, [ExerciseScore(exercise) for exercise, _ in grading_plan],
                      time.monotonic() - start, unconfined=not sandbox.confined, failure=failure)


def grade(submission: Submission, grading_plan: Plan, sandbox: Sandbox, support: Path,
          budget: float = SUBMISSION_BUDGET) -> Report:
    """Every case of the plan on one submission, in at most budget seconds of running it."""
    start = time.monotonic()
    user = sandbox.user()
    try:
        scores = score(grading_plan, lambda instances: _run_in_child(submission, instances, sandbox, support,
                                                                     user, start + budget),
                       stop_at_first_failure=False)
    finally:
        sandbox.end_every_process_of(user)
    return Report(submission, scores, time.monotonic() - start, named_misconceptions(scores),
                  unconfined=not sandbox.confined)


def _run_in_child(submission: Submission, instances: list[Instance], sandbox: Sandbox, support: Path,
                  user: int | None, deadline: float) -> dict[str, Outcome]:
    """The instances' outcomes from one child in a fresh directory: the visible cases first, with
    no hidden suite in reach, then the hidden ones, once every visible outcome is in. Nothing a
    visible case reports can carry a hidden case's code, nor its results."""
    outcomes: dict[str, Outcome] = {}
    runnable = []
    for instance in instances:
        if f"{instance.case.exercise}.py" in submission.files:
            runnable.append(instance)
        else:
            message = f"the submission has no {instance.case.exercise}.py"
            outcomes[instance.key] = Outcome(problem=Problem(ProblemKind.MISSING, message))
    if not runnable:
        return outcomes
    with tempfile.TemporaryDirectory(prefix="kata-grade-", dir=sandbox.work_parent(),
                                     ignore_cleanup_errors=True) as work:
        WORKDIRS.add(work)
        try:
            lay_out(Path(work), submission.files, support)
            with Session("exercises", command=sandbox.command(Path(work), user),
                         deadline=deadline) as session:
                broken = _modules_that_do_not_import(session, submission, runnable)
                for instance in [i for i in runnable if i.case.exercise in broken]:
                    outcomes[instance.key] = Outcome(problem=broken[instance.case.exercise])
                running = [i for i in runnable if i.case.exercise not in broken]
                visible = [i for i in running if not i.case.hidden]
                hidden = [i for i in running if i.case.hidden]
                outcomes.update(session.run(visible) if visible else {})
                if hidden:
                    add_hidden(Path(work), support)
                    outcomes.update(session.run(hidden))
            return outcomes
        finally:
            WORKDIRS.discard(work)


def named_misconceptions(scores: list[ExerciseScore]) -> dict[str, str]:
    """The misconception named for each failing case, by its key: recognised in its results, or
    by the node-by-node diagnosis of its traced graph, which is plain numbers from the sandbox."""
    named = {}
    for s in scores:
        for v in s.verdicts:
            if v.passed or v.problem is not None:
                continue
            try:  # the graph is the submission's data: a failure here costs this case's name alone
                name = name_of(v.cause)
                if not name and v.graph:
                    diagnosis = diagnose(v.graph, v.seed, v.reference_graph,
                                         your_backward=uses_your_backward(v.instance.case.exercise))
                    name = name_of(diagnosis.cause) if diagnosis is not None else ""
            except Exception:
                name = ""
            if name:
                named[v.instance.key] = name
    return named


def _modules_that_do_not_import(session: Session, submission: Submission,
                                instances: list[Instance]) -> dict[str, Problem]:
    """Import each exercise module once; a module that imports a broken one is broken with it.

    An import that hangs or crashes then costs one time limit, not one per case.
    """
    present = [e.name for e in EXERCISES if f"{e.name}.py" in submission.files]
    uses = {module: _imported_modules(submission.files[f"{module}.py"]) for module in present}
    # Only the modules these instances need.
    needed_by_instances = {needed for exercise in {i.case.exercise for i in instances}
                           for needed in _with_dependencies(exercise, uses) + _with_dependencies("value", uses)}
    modules = [module for module in present if module in needed_by_instances]
    # As long as most cases get (fit's training cases get more), or --timeout if it is less.
    timeout = min([IMPORT_SECONDS, *(i.case.timeout for i in instances)])
    problems = session.imports(modules, timeout)
    broken: dict[str, Problem] = {}
    for module in modules:
        # Every case builds Values, so it needs value.py too; its dependencies are looked at first.
        needed = _with_dependencies(module, uses) + _with_dependencies("value", uses)
        culprit = next((m for m in reversed(needed) if m in problems), None)
        if culprit is not None:
            problem = problems[culprit]
            used = "" if culprit == module else f", which the cases of {module} need"
            broken[module] = replace(problem, message=f"{problem.message} (importing {culprit}.py{used})")
    return broken


def _imported_modules(source: bytes) -> set[str]:
    """The exercise modules a file imports, read from its text (it need not even parse)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    names = {e.name for e in EXERCISES}
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = (node.module or "").removeprefix("exercises").lstrip(".")
            found |= {module} if module else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name.removeprefix("exercises.") for alias in node.names}
    return found & names


def _with_dependencies(module: str, uses: dict[str, set[str]]) -> list[str]:
    """module, then every exercise module it imports, directly or not."""
    order, stack = [], [module]
    while stack:
        current = stack.pop()
        if current not in order:
            order.append(current)
            stack.extend(sorted(uses.get(current, set())))
    return order


def reason(verdict: Verdict) -> str:
    """Why a case failed, in at most REASON_LIMIT characters of the learner's message."""
    if verdict.passed:
        return ""
    if verdict.problem:
        where = capped(verdict.problem.where.split("\n")[0], NAME_LIMIT)
        message = capped(verdict.problem.message, REASON_LIMIT)
        return f"{verdict.problem.kind.value}: {message}" + (f" (at {where})" if where else "")
    wrong = [row.name for row in verdict.rows if not row.ok]
    return "differs from PyTorch: " + ", ".join(wrong)


def exercise_status(s: ExerciseScore) -> str:
    if s.passed:
        return "passed"
    if not s.verdicts:
        return "not graded"
    first = s.first_failure
    assert first is not None
    return f"{s.passed_count} of {len(s.verdicts)} cases; first failure {first.instance.case.title}: {reason(first)}"
