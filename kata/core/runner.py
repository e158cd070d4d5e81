"""Running graded instances on a candidate in a child process, so that a crash or a hang costs one case.

This is the parent's side: it starts the child (kata.core.child), sends it
requests, reads its answers with limits on time and size, and restarts it after
a crash. It never imports the candidate's code.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Callable, Optional

from kata.core.cases import Instance
from kata.core.child import hang_place
from kata.core.compare import BadResult, validate
from kata.core.outcome import WHERE_LIMIT, Outcome, Problem, ProblemKind
from kata.repository import ROOT

STARTUP_SECONDS = 30.0  # for the child to start Python and read the suites, before any case
LINE_LIMIT = 1_000_000  # characters; a longer line from the child is cut and ignored
WRITE_SECONDS = 10.0  # for a request to reach a child that has stopped reading: then it is ended
HANGS_KEPT = 20  # places where cases hung, sent with each request: enough for the loops of one submission


@dataclass(frozen=True)
class ChildCommand:
    """How to start the child: make check runs it plainly, the grader inside a sandbox."""

    argv: list[str]
    cwd: Path
    env: Optional[dict[str, str]] = None  # None: this process's own (make check's child)


LOCAL = ChildCommand([sys.executable, "-m", "kata.core.child"], ROOT)
QUEUED_LINES = 100  # lines from the child waiting for the parent: beyond that the child waits
FLOOD_LIMIT = 8_000_000  # characters of lines that are not results, in one case, before it is stopped
STDERR_LINE_LIMIT = 2000  # characters kept of one line the child writes to stderr


class Session:
    """Runs instances on a package in a child process that stays up between calls.

    A case that hangs past its timeout, or ends its process, is reported as
    such; the child is then replaced and carries on with the cases after it.
    """

    def __init__(self, package: str, search_path: Optional[Path] = None,
                 command: ChildCommand = LOCAL, stop_after_timeout: bool = False,
                 deadline: Optional[float] = None, cross_check: bool = False, record_steps: bool = False) -> None:
        # cross_check: make check's report sets a failing graph beside the learner's own numerical
        # gradient, so the child computes it; the grader does not show it, so does not pay for it.
        # record_steps: each _backward call on a traced graph, for make step alone.
        self.setup: dict[str, Any] = {"package": package, "search_path": str(search_path or ""),
                                      "cross_check": cross_check, "record_steps": record_steps}
        self.command = command
        # make check's choice: after one case hangs, the rest of the run would most likely hang
        # too, one time limit each, so they are reported as not run; the grader runs them all.
        self.stop_after_timeout = stop_after_timeout
        self.deadline = deadline  # time.monotonic() by which everything must be done, if any
        self.hangs: list[str] = []  # where earlier cases hung: the file and function of each
        self.child: Optional[_Child] = None
        self.started = False  # whether a child has ever started

    def imports(self, modules: list[str], timeout: float) -> dict[str, Problem]:
        """Import each module of the package once: what went wrong for those that do not import."""
        jobs = [_Job(f"import:{module}", timeout, ["imports", module, timeout]) for module in modules]
        outcomes = self._run_jobs(jobs, stop_after_timeout=False)
        problems = {module: outcomes[f"import:{module}"].problem for module in modules}
        return {module: problem for module, problem in problems.items() if problem is not None}

    def run(self, instances: list[Instance]) -> dict[str, Outcome]:
        jobs = [_Job(i.key, i.case.timeout, ["instances", i.case.exercise, i.case.name, i.seed,
                                             i.case.timeout]) for i in instances]
        return self._run_jobs(jobs, self.stop_after_timeout)

    def _run_jobs(self, jobs: list[_Job], stop_after_timeout: bool) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        pending = list(jobs)
        while pending:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                _settle_all(outcomes, pending, ProblemKind.NOT_RUN, "the submission's time budget ran out first")
                break
            if self.child is None:
                try:
                    startup = STARTUP_SECONDS if self.deadline is None else \
                        min(STARTUP_SECONDS, self.deadline - time.monotonic())  # within the budget
                    self.child = _Child(self.command, self.setup, startup)
                except RuntimeError as error:
                    if not self.started:
                        raise  # the very first child: the set-up is broken, not the candidate
                    # Code under test ran in an earlier child and may have broken what the next needs.
                    _settle_all(outcomes, pending, ProblemKind.CRASHED,
                                f"the case runner could not be restarted after your code ran: {error}")
                    break
                self.started = True
            settled, alive = self.child.run(pending, outcomes, self.hangs, self.deadline)
            if not alive:
                self.close()
            for job in pending[:settled]:
                problem = outcomes[job.key].problem
                place = hang_place(problem.where) if problem and problem.kind is ProblemKind.TIMED_OUT else ""
                if place and place not in self.hangs and len(self.hangs) < HANGS_KEPT:
                    self.hangs.append(place)
            last = outcomes[pending[settled - 1].key]
            pending = pending[settled:]
            if last.problem and last.problem.kind is ProblemKind.TIMED_OUT:
                if stop_after_timeout:
                    _settle_all(outcomes, pending, ProblemKind.NOT_RUN, "an earlier case timed out; fix that one first")
                    break
        return outcomes

    def close(self) -> None:
        if self.child is not None:
            self.child.kill()
            self.child = None

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class _Job:
    """One thing the child is asked to do: its key, its time limit, and the request's words."""

    key: str
    timeout: float
    request: list[Any]  # [kind, *fields]: kind is "imports" or "instances"


def _settle_all(outcomes: dict[str, Outcome], jobs: list[_Job], kind: ProblemKind, message: str) -> None:
    for job in jobs:
        outcomes[job.key] = Outcome(problem=Problem(kind, message))


# Every child still running, so that a grader that is told to stop can end them all first.
LIVE: set[_Child] = set()
LIVE_LOCK = threading.Lock()


def kill_all() -> None:
    """End every child process still running, with everything each of them started."""
    with LIVE_LOCK:
        children = list(LIVE)
    for child in children:
        child.kill()


class _Child:
    def __init__(self, command: ChildCommand, setup: dict[str, Any], startup: float = STARTUP_SECONDS) -> None:
        self.process = subprocess.Popen(
            command.argv, cwd=command.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True, env=command.env,
        )
        with LIVE_LOCK:
            LIVE.add(self)
        # Bounded: a child that floods its channel waits for the parent instead of filling memory.
        self.lines: queue.Queue[Optional[str]] = queue.Queue(QUEUED_LINES)
        self.stderr: deque[str] = deque(maxlen=50)  # the learner's prints land here too: the last few
        threading.Thread(target=_pump, args=(self.process.stdout, self.lines.put, LINE_LIMIT),
                         daemon=True).start()
        threading.Thread(target=_pump, args=(self.process.stderr, self.stderr.append,
                                             STDERR_LINE_LIMIT), daemon=True).start()
        try:
            self._write(setup)
            ready = _wait_for(self.lines, lambda m: m.get("ready") is True, startup)
        except (OSError, TimeoutError, _Flooded):
            ready = None
        if ready is None:
            self.kill()
            raise RuntimeError(f"the case runner did not start:\n{self._stderr(1500)}")

    def run(self, jobs: list[_Job], outcomes: dict[str, Outcome], hangs: list[str],
            deadline: Optional[float]) -> tuple[int, bool]:
        """Run jobs until done or one of them ends the child: how many were settled, and
        whether the child is still fit for more."""
        request: dict[str, Any] = {"hangs": hangs}
        for job in jobs:
            kind, *fields = job.request
            request.setdefault(kind, []).append(fields)
        try:
            self._write(request)
        except OSError:  # it ended between requests
            outcomes[jobs[0].key] = self._crashed()
            return 1, False
        for settled, job in enumerate(jobs, 1):
            outcome, fit = self._await(job, deadline)
            outcomes[job.key] = outcome
            if not fit:
                self.kill()
                return settled, False
        return len(jobs), True

    def _await(self, job: _Job, deadline: Optional[float]) -> tuple[Outcome, bool]:
        """The job's outcome, or why there is none (it hung, ended the child, or flooded), and
        whether the child is still fit for more."""
        stuck: list[dict[str, Any]] = []

        def wanted(message: dict[str, Any]) -> bool:
            if message.get("key") != job.key:
                return False
            if "stuck" in message:
                stuck[:] = [message]  # where it is, just before its time runs out: keep waiting
                return False
            return True

        limit = job.timeout
        if deadline is not None:
            limit = min(limit, max(0.0, deadline - time.monotonic()))
        try:
            message = _wait_for(self.lines, wanted, limit)
        except TimeoutError:
            where = stuck[-1].get("stuck") if stuck else ""
            where = where[:WHERE_LIMIT] if isinstance(where, str) else ""
            budget = " (the submission's time budget ran out)" if limit < job.timeout else ""
            return Outcome(problem=Problem(
                ProblemKind.TIMED_OUT, f"no result after {limit:g} s{budget}: an endless loop, or far too slow",
                where)), False
        except _Flooded as flood:
            return Outcome(problem=Problem(ProblemKind.FLOODED, str(flood))), False
        if message is None:
            return self._crashed(), False
        try:
            outcome = Outcome.from_json(message)
            # Checked now, not when judged: only plain numbers are kept, however much the line held.
            return (outcome if outcome.result is None
                    else replace(outcome, result=validate(outcome.result))), True
        except BadResult as error:
            return Outcome(problem=Problem(ProblemKind.BAD_RESULT, str(error)[:300])), True
        except Exception as error:  # whatever the line holds, it costs this case alone
            return Outcome(problem=Problem(ProblemKind.BAD_RESULT, f"{type(error).__name__}: {error}"[:300])), True

    def _write(self, message: dict[str, Any]) -> None:
        """Send a request, waiting at most WRITE_SECONDS for a child that has stopped reading."""
        assert self.process.stdin is not None
        data = (json.dumps(message) + "\n").encode()
        descriptor = self.process.stdin.fileno()
        os.set_blocking(descriptor, False)
        deadline = time.monotonic() + WRITE_SECONDS
        while data:
            _, writable, _ = select.select([], [descriptor], [], max(0.0, deadline - time.monotonic()))
            if not writable:
                raise OSError("the child stopped reading its requests")
            data = data[os.write(descriptor, data):]

    def _crashed(self) -> Outcome:
        self.kill()
        return Outcome(problem=Problem(
            ProblemKind.CRASHED, f"the process running your code ended during this case "
            f"(exit status {self.process.returncode})", self._stderr(300)))

    def _stderr(self, limit: int) -> str:
        return "".join(line for line in self.stderr if line)[-limit:].strip()

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        with LIVE_LOCK:
            LIVE.discard(self)


class _Flooded(Exception):
    """The child wrote more lines that are not results than one case may."""


def _pump(stream: Optional[IO[str]], put: Callable[[Optional[str]], None], limit: int) -> None:
    assert stream is not None
    while line := stream.readline(limit):
        put(line)
    put(None)  # the child closed its end: it has ended


def _wait_for(lines: queue.Queue[Optional[str]], wanted: Callable[[dict[str, Any]], bool],
              timeout: float) -> Optional[dict[str, Any]]:
    """The first message that is wanted, or None once the child has ended.

    Anything else on the channel (learner code can write there too) is skipped:
    it can claim numbers for a case, as its own code could, but never a pass.
    Past FLOOD_LIMIT characters of such lines the case is stopped.
    """
    deadline = time.monotonic() + timeout
    skipped = 0
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError from None
        if line is None:
            return None
        try:
            message = json.loads(line)
        except Exception:  # not JSON, or nested past the parser's depth (RecursionError)
            message = None
        if isinstance(message, dict) and wanted(message):
            return message
        skipped += len(line)
        if skipped > FLOOD_LIMIT:
            raise _Flooded(f"wrote over {FLOOD_LIMIT // 1_000_000} MB of lines that are not results "
                           "during one case: stopped")


