"""Grade a class: python grader.py SUBMISSION... [--csv FILE] [--json FILE] [--gradescope DIR] [-j N]

A submission is a learner's repository, the zip make submit writes, or a copy of
its exercises/ folder, as a directory or a .zip. Only the expected exercise files
are taken from it, and the learner's journal (.kata/journal), which the class
report reads and nothing grades. The files run in a sandboxed child process that
sends back plain numbers; this process, which never imports submission code,
compares them with PyTorch's.

The work is in kata/grading: submission (reading), journals (a journal, read as
untrusted data), grade (one submission), results (the records), exports
(terminal, CSV, Gradescope), class_report and class_journey.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import signal
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from kata.core.cases import Case, Instance
from kata.core.curriculum import EXERCISES
from kata.core.outcome import oracle_outcome
from kata.core.runner import kill_all
from kata.core.scoring import plan
from kata.grading.exports import UNEXPECTED_FAILURE, gradescope_results, render, write_csv, write_gradescope_failure
from kata.grading.grade import SUBMISSION_BUDGET, WORKDIRS, grade_apart
from kata.grading.journals import READER as JOURNAL_READER
from kata.grading.results import ClassResults
from kata.grading.sandbox import choose, prepare_support
from kata.grading.submission import read_submission


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
    reader = sandbox.reader(JOURNAL_READER.parent)  # SQLite parses each journal: confined too
    submissions = [read_submission(path, reader) for path in args.submissions]
    with tempfile.TemporaryDirectory(prefix="kata-support-", dir=sandbox.work_parent()) as support, \
            ThreadPoolExecutor(max(1, args.jobs)) as pool:
        WORKDIRS.add(support)
        prepared = prepare_support(Path(support), sandbox.python)
        reports = list(pool.map(lambda s: grade_apart(s, grading_plan, sandbox, prepared,
                                                      args.submission_timeout), submissions))
    WORKDIRS.discard(support)
    graded = ClassResults(sandbox.description, sandbox.kind, [report.result() for report in reports])
    if args.gradescope:  # first: whatever happens after, the student gets their results
        args.gradescope.mkdir(parents=True, exist_ok=True)
        (args.gradescope / "results.json").write_text(
            json.dumps(gradescope_results(graded.submissions[0], sandbox), indent=1))
    for result in graded.submissions:
        print(render(result))
    if args.csv:
        write_csv(graded.submissions, args.csv)
    if args.json:
        args.json.write_text(json.dumps(graded.to_json(), indent=1))
    if args.report:
        from kata.grading.class_report import write_report  # copydetect and the page: only when asked
        written = write_report(graded, {s.name: s.files for s in submissions}, args.report)
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
