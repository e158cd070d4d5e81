"""Grade a class: python grader.py SUBMISSION... [--csv FILE] [--json FILE] [--gradescope DIR] [-j N]

A submission is a learner's repository or a copy of its exercises/ folder, as
a directory or a .zip. Only the expected exercise files are taken from it.
They run in a sandboxed child process that sends back plain numbers; this
process, which never imports submission code, compares them with PyTorch's.
"""

from __future__ import annotations

import argparse
import ast
import csv
import io
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import IO, Any

from kata.core.cases import Case, Instance
from kata.core.cause import name_of
from kata.core.compare import Verdict
from kata.core.curriculum import EXERCISES
from kata.core.diagnosis import diagnose, uses_your_backward
from kata.core.outcome import Outcome, Problem, ProblemKind, oracle_outcome
from kata.core.runner import Session, kill_all
from kata.core.sanitise import capped, csv_cell, visible, visible_line
from kata.core.scoring import ExerciseScore, Plan, plan, points_of, score
from kata.grading.sandbox import Sandbox, add_hidden, choose, lay_out, prepare_support

EXPECTED = tuple(f"{exercise.name}.py" for exercise in EXERCISES)
BONUS_POINTS = sum(e.points for e in EXERCISES if e.bonus)  # apart from the 100
IMPORT_SECONDS = 10.0  # for importing one exercise module
FILE_LIMIT = 1024 * 1024  # bytes: an exercise file larger than this is refused
QUIET = {"__init__.py", "__pycache__", ".DS_Store"}  # not worth reporting as ignored
MEMBER_LIMIT = 2000  # zip members looked at: an honest repository has far fewer
IGNORED_KEPT = 300  # ignored names remembered; past them, however many there are, only counted
IGNORED_SHOWN = 10  # ignored names listed in a report, before "and N more"
NAME_LIMIT = 200  # characters of a file name kept: a zip member's name can be 64 kB
REASON_LIMIT = 2000  # characters of a failure's reason: a learner's exception message can be 1 MB
# What kept cases from running honestly: the status names them beside "graded".
UNSETTLED = (ProblemKind.TIMED_OUT, ProblemKind.CRASHED, ProblemKind.MISSING, ProblemKind.FLOODED,
             ProblemKind.NOT_RUN)
# Seconds of running one submission, at most: inside Gradescope's default of ten minutes, with
# room for its set-up; an honest submission takes a few seconds.
SUBMISSION_BUDGET = 240.0
# Characters of a failure's reason that a student sees in results.json: a few hundred, as Gradescope
# advises; the instructor's JSON keeps more.
VISIBLE_OUTPUT_LIMIT = 400
WORKDIRS: set[str] = set()  # the submissions' working directories, removed even when stopped


@dataclass
class Submission:
    name: str
    files: dict[str, bytes] = field(default_factory=dict)  # expected file name -> content
    ignored: list[str] = field(default_factory=list)  # the first IGNORED_KEPT names not taken
    unlisted: int = 0  # names not taken past those
    refused: list[str] = field(default_factory=list)  # expected names that could not be taken, and why

    def ignore(self, name: str) -> None:
        """Note a file not taken: a submission of a million files costs a count, not a list."""
        if len(self.ignored) < IGNORED_KEPT:
            self.ignored.append(capped(name, NAME_LIMIT))
        else:
            self.unlisted += 1

    def ignored_summary(self) -> str:
        """The first few names not taken, then how many more: one short line however many."""
        more = len(self.ignored) + self.unlisted - IGNORED_SHOWN
        return ", ".join(self.ignored[:IGNORED_SHOWN]) + (f" and {more} more" if more > 0 else "")


def read_submission(path: Path) -> Submission:
    """Take only the expected exercise files: from exercises/ if there is one, else the top level.

    A submission given as a learner's exercises/ folder is named after the folder above it. A
    symbolic link is not followed: it could lead to any file the instructor can read.
    """
    submission = Submission(path.parent.name if path.name == "exercises" else path.name)
    try:
        if path.is_symlink():
            submission.refused.append(f"{path} is a symbolic link: not followed, nothing graded")
        elif path.is_file() and zipfile.is_zipfile(path):
            _read_zip(path, submission)
        elif path.is_dir():
            _read_directory(path, submission)
        else:
            submission.refused.append(f"{path} is neither a directory nor a .zip file")
    except Exception as error:  # a corrupt, encrypted or unreadable submission: refused, never the class's end
        message = f"{path} could not be read: {type(error).__name__}: {error}"
        return Submission(submission.name, refused=[capped(message, REASON_LIMIT)])
    return submission


def _read_directory(path: Path, submission: Submission) -> None:
    exercises = path / "exercises"
    if exercises.is_symlink():
        submission.refused.append(f"{exercises} is a symbolic link: not followed, nothing graded")
        return
    folder = exercises if exercises.is_dir() else path
    with os.scandir(folder) as entries:  # unsorted: a folder of a million files is only counted
        for entry in entries:
            if entry.name not in EXPECTED:
                if entry.name not in QUIET:
                    submission.ignore(entry.name)
            elif entry.is_symlink() or not entry.is_file():
                submission.refused.append(f"{entry.name} is not a regular file")
            else:
                with open(entry.path, "rb") as stream:
                    _take(submission, entry.name, entry.name, stream)
    submission.ignored.sort()


def _read_zip(path: Path, submission: Submission) -> None:
    with zipfile.ZipFile(path) as archive:
        listed = archive.infolist()
        if len(listed) > MEMBER_LIMIT:
            submission.refused.append(f"the zip holds {len(listed)} files and folders: only the first "
                                      f"{MEMBER_LIMIT} were looked at")
        members = [m for m in listed[:MEMBER_LIMIT] if not m.is_dir()]
        # Prefer files in an exercises/ folder anywhere; else files at the top, or in one top folder.
        def rank(member: zipfile.ZipInfo) -> int:
            parts = PurePosixPath(member.filename).parts
            return 0 if parts[-2:-1] == ("exercises",) else (1 if len(parts) <= 2 else 9)
        for member in sorted(members, key=rank):
            name = PurePosixPath(member.filename).name
            if name not in EXPECTED or rank(member) == 9 or name in submission.files:
                if name not in QUIET and not member.filename.startswith("__MACOSX"):
                    submission.ignore(member.filename)
            else:
                with archive.open(member) as stream:
                    _take(submission, name, member.filename, stream)


def _take(submission: Submission, name: str, shown: str, stream: IO[bytes]) -> None:
    """Read one byte past FILE_LIMIT at most, whatever size the file system or a zip header claims."""
    content = stream.read(FILE_LIMIT + 1)
    if len(content) > FILE_LIMIT:
        submission.refused.append(f"{capped(shown, NAME_LIMIT)} is larger than {FILE_LIMIT} bytes")
    else:
        submission.files[name] = content


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

    @property
    def status(self) -> str:
        """"graded", or what stopped some cases from running honestly."""
        if self.failure:
            return "; ".join([f"not graded: {self.failure}", *(f"refused: {r}" for r in self.submission.refused)])
        kinds: dict[str, int] = {}
        for s in self.scores:
            for v in s.verdicts:
                if v.problem and v.problem.kind in UNSETTLED:
                    kinds[v.problem.kind.value] = kinds.get(v.problem.kind.value, 0) + 1
        status = "graded without a kernel boundary" if self.unconfined else "graded"
        if kinds:
            status += "; " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        return "; ".join([status, *(f"refused: {r}" for r in self.submission.refused)])


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


def render(report: Report) -> str:
    """The submission's lines for the terminal: whatever its names and messages hold, plain text."""
    sub = report.submission
    bonus = f", bonus {report.bonus_points:.1f} / {BONUS_POINTS}" if BONUS_POINTS else ""
    lines = [f"{visible_line(sub.name)}: {report.points:.1f} / 100{bonus} "
             f"({visible_line(report.status)}; {report.seconds:.1f} s)"]
    for s in report.scores:
        lines.append(f"  {s.exercise.name:<9} {s.points:5.1f} / {s.exercise.points:<3} "
                     f"{visible_line(exercise_status(s))}")
    if sub.ignored:
        lines.append(f"  ignored (not exercise files): {visible_line(sub.ignored_summary())}")
    for refusal in sub.refused:
        lines.append(f"  refused: {visible_line(refusal)}")
    return "\n".join(lines)


def case_rows(report: Report) -> list[dict[str, Any]]:
    """One row per graded instance, numbered within its exercise as Gradescope numbers tests."""
    rows = []
    for s in report.scores:
        for number, v in enumerate(s.verdicts, 1):
            seed = "" if v.instance.seed is None else f" (seed {v.instance.seed})"
            rows.append({
                "key": v.instance.key, "exercise": s.exercise.name, "case": v.instance.case.name,
                "title": f"{s.exercise.name}: {v.instance.case.title}{seed}",
                "number": f"{s.exercise.number}.{number}",
                "seed": v.instance.seed, "hidden": v.instance.case.hidden,
                "points": points_of(s.exercise, v, len(s.verdicts)),
                "max_points": s.exercise.points / len(s.verdicts),
                "status": "passed" if v.passed else "failed", "reason": reason(v),
                "misconception": report.misconceptions.get(v.instance.key, ""),
            })
    return rows


def as_json(report: Report) -> dict[str, Any]:
    return {
        "submission": report.submission.name, "score": report.points, "max_score": 100,
        "bonus": report.bonus_points, "max_bonus": BONUS_POINTS,
        "status": report.status, "seconds": report.seconds,
        "ignored": report.submission.ignored, "refused": report.submission.refused,
        "exercises": [{"name": s.exercise.name, "points": s.points, "max_points": s.exercise.points,
                       "status": exercise_status(s)} for s in report.scores],
        "cases": case_rows(report),
    }


def write_csv(reports: list[Report], path: Path) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["submission", *(e.name for e in EXERCISES), "total", "bonus", "status"])
        for r in reports:
            writer.writerow([csv_cell(visible(r.submission.name)), *(f"{s.points:.2f}" for s in r.scores),
                             f"{r.points:.2f}", f"{r.bonus_points:.2f}", csv_cell(visible(r.status))])


def gradescope_results(report: Report, sandbox: Sandbox) -> dict[str, Any]:
    """results.json in Gradescope's format: one test per graded instance.

    The overall output gives points only: the reasons live in the tests, where
    a hidden case's reason stays hidden until the grades are published.
    """
    tests = [{
        "name": row["title"], "number": row["number"], "score": row["points"],
        "max_score": row["max_points"], "status": row["status"],
        "output": _student_output(row) + (f"\nLikely cause: {row['misconception']}" if row["misconception"] else ""),
        "visibility": "after_published" if row["hidden"] else "visible",
    } for row in case_rows(report)]
    summary = [f"{s.exercise.name}: {s.points:.1f} / {s.exercise.points}"
               f"{' (bonus, not in the score)' if s.exercise.bonus else ''}" for s in report.scores]
    if report.submission.ignored:
        summary.append(f"ignored (not exercise files): {report.submission.ignored_summary()}")
    summary += [f"refused: {refusal}" for refusal in report.submission.refused]
    return {
        "score": report.points, "execution_time": report.seconds,
        "output": "\n".join([*summary, f"sandbox: {sandbox.description}"]),
        "output_format": "text", "visibility": "visible", "stdout_visibility": "hidden",
        "extra_data": {"sandbox": sandbox.kind}, "tests": tests,
    }


def _student_output(row: dict[str, Any]) -> str:
    """A case's reason as a student reads it. A hidden case's is its kind alone (raised, timed out,
    differs from PyTorch): the rest is the submission's own text, which may carry what its code
    read of the hidden case while that case ran."""
    if row["status"] == "passed":
        return "agrees with PyTorch"
    if row["hidden"]:
        return str(row["reason"]).split(":", 1)[0]
    return capped(row["reason"], VISIBLE_OUTPUT_LIMIT)


# What a student reads when the grader fails unexpectedly: the error itself may hold text from the
# submission, hidden cases' included, so it goes to the instructor's log (stderr) alone.
UNEXPECTED_FAILURE = "an unexpected error; the instructor's log has the details"


def write_gradescope_failure(directory: Path, reason: str) -> None:
    """A missing results.json gives the student nothing: always write one, with the grader's own reason."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps({
        "score": 0, "output": f"The autograder itself failed ({reason}). Please tell your instructor.",
        "tests": []}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", nargs="+", type=Path, help="directories or .zip files")
    parser.add_argument("--csv", type=Path, help="write the class gradebook here")
    parser.add_argument("--json", type=Path, help="write every score, case by case, here")
    parser.add_argument("--report", type=Path, metavar="DIR",
                        help="write the class report, DIR/index.html and DIR/report.md")
    parser.add_argument("--gradescope", type=Path, metavar="DIR",
                        help="write DIR/results.json for the single submission given")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="submissions graded in parallel")
    parser.add_argument("--sandbox", choices=["auto", "bubblewrap", "kernel"], default="auto")
    parser.add_argument("--allow-unconfined", action="store_true",
                        help="grade even where no kernel boundary can be set up (every row says so)")
    parser.add_argument("--timeout", type=float, help="at most this many seconds for any one case")
    parser.add_argument("--submission-timeout", type=float, default=SUBMISSION_BUDGET, metavar="SECONDS",
                        help="at most this many seconds for one submission; cases not run by then "
                             f"score 0 (default {SUBMISSION_BUDGET:g})")
    parser.add_argument("--seed", type=int, help="seed for drawing the random cases (default: fresh)")
    args = parser.parse_args(argv)
    if args.gradescope and len(args.submissions) != 1:
        parser.error("--gradescope grades exactly one submission")
    _stop_cleanly_on(args.gradescope)
    for stream in (sys.stdout, sys.stderr):  # a submission's text never fails a print, whatever the locale
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        return _grade_class(args)
    except Exception:
        if args.gradescope:
            write_gradescope_failure(args.gradescope, UNEXPECTED_FAILURE)
        raise


def _grade_class(args: argparse.Namespace) -> int:
    try:
        sandbox = choose(args.sandbox, args.allow_unconfined)
    except RuntimeError as error:
        print(f"grader.py: {error}", file=sys.stderr)
        if args.gradescope:
            write_gradescope_failure(args.gradescope, str(error))  # the sandbox's own words
        return 2
    print(f"sandbox: {sandbox.description}", flush=True)
    grading_plan = plan(list(EXERCISES), random.Random(args.seed))
    if args.timeout:
        grading_plan = [(e, [Instance(_capped(i, args.timeout), i.seed) for i in instances])
                        for e, instances in grading_plan]
    for _, instances in grading_plan:  # PyTorch's answers, once for the whole class
        for instance in instances:
            oracle_outcome(instance)
    submissions = [read_submission(path) for path in args.submissions]
    with tempfile.TemporaryDirectory(prefix="kata-support-", dir=sandbox.work_parent()) as support, \
            ThreadPoolExecutor(max(1, args.jobs)) as pool:
        WORKDIRS.add(support)
        prepared = prepare_support(Path(support), sandbox.python)
        reports = list(pool.map(lambda s: grade_apart(s, grading_plan, sandbox, prepared,
                                                      args.submission_timeout), submissions))
    WORKDIRS.discard(support)
    if args.gradescope:  # first: whatever happens after, the student gets their results
        args.gradescope.mkdir(parents=True, exist_ok=True)
        (args.gradescope / "results.json").write_text(
            json.dumps(gradescope_results(reports[0], sandbox), indent=1))
    for report in reports:
        print(render(report))
    if args.csv:
        write_csv(reports, args.csv)
    graded = {"sandbox": sandbox.description, "boundary": sandbox.kind, "submissions": [as_json(r) for r in reports]}
    if args.json:
        args.json.write_text(json.dumps(graded, indent=1))
    if args.report:
        from kata.grading.class_report import write_report  # copydetect and the page: only when asked
        written = write_report(graded, {r.submission.name: r.submission.files for r in reports},
                               args.report)
        print(f"class report: {', '.join(str(path) for path in written)}")
    return 0


def _stop_cleanly_on(gradescope: Path | None) -> None:
    """SIGTERM, SIGINT or SIGHUP: end every process a submission started, remove the working
    directories, leave a results.json that says so, and exit at once."""
    def stop(signum: int, frame: object) -> None:
        kill_all()
        for work in list(WORKDIRS):
            shutil.rmtree(work, ignore_errors=True)
        if gradescope is not None:
            write_gradescope_failure(gradescope, f"grading was stopped by {signal.Signals(signum).name} "
                                                 "before it finished")
        os._exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)


def _capped(instance: Instance, seconds: float) -> Case:
    return replace(instance.case, timeout=min(instance.case.timeout, seconds))


if __name__ == "__main__":
    sys.exit(main())
