"""Running graded instances on a candidate in a child process, so that a crash or a hang costs one case.

The child (`python -m kata.core.runner`) reads the request on stdin and answers
with one JSON line per instance, tagged with the instance's key. It never
imports PyTorch; the parent does all the judging.
"""

from __future__ import annotations

import _thread
import functools
import gc
import importlib
import json
import os
import queue
import re
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

from kata.core.cases import Instance, cases_of
from kata.core.compare import BadResult, validate
from kata.core.curriculum import EXERCISES
from kata.core.graph import numerical_leaf_grads
from kata.core.implementation import Implementation
from kata.core.outcome import (
    STOPPED_EARLY,
    WHERE_LIMIT,
    Outcome,
    Problem,
    ProblemKind,
    learner_line,
    learner_stack,
    one_line,
    run_in_process,
)
from kata.repository import ROOT

STARTUP_SECONDS = 30.0  # for the child to start Python and read the suites, before any case
LINE_LIMIT = 1_000_000  # characters; a longer line from the child is cut and ignored
WRITE_SECONDS = 10.0  # for a request to reach a child that has stopped reading: then it is ended
HANGS_KEPT = 20  # places where cases hung, sent with each request: enough for the loops of one submission
COLLECTOR_THRESHOLDS = (100_000, 50, 100)  # gc.set_threshold in the child (defaults 700, 10, 10): see child_main


@dataclass(frozen=True)
class ChildCommand:
    """How to start the child: make check runs it plainly, the grader inside a sandbox."""

    argv: list[str]
    cwd: Path
    env: Optional[dict[str, str]] = None  # None: this process's own (make check's child)


LOCAL = ChildCommand([sys.executable, "-m", "kata.core.runner"], ROOT)
LOOK_EVERY = 0.1  # seconds between the child's looks at where a running case is
TELL_BEFORE = 1.0  # seconds before a case's time limit at which the child says where it is
# A case seen running where an earlier case hung, on two looks and half a second into it, is
# stopped: the same endless loop, surely. (A loop that grows a list can starve the looks.)
SAME_PLACE_LOOKS, SAME_PLACE_SECONDS = 2, 0.5
QUEUED_LINES = 100  # lines from the child waiting for the parent: beyond that the child waits
FLOOD_LIMIT = 8_000_000  # characters of lines that are not results, in one case, before it is stopped
STDERR_LINE_LIMIT = 2000  # characters kept of one line the child writes to stderr


def hang_place(where: str) -> str:
    """The file and function of the innermost line of a hang: a loop's body spans several lines."""
    innermost = where.split("\n")[0][:WHERE_LIMIT]  # the child's words: short, so the regex stays quick
    return re.sub(r", line \d+(, in [^:]*)?:.*", r"\1", innermost)


class _Watchdog:
    """A thread in the child that says where a running case is before its time runs out.

    It needs no signal from the parent, so it works inside any sandbox. A case
    that keeps running in a function where earlier cases hung it stops with a
    KeyboardInterrupt, so that neither one more time limit nor a new child is
    spent on the same endless loop.
    """

    def __init__(self, send: Callable[[dict[str, Any]], None], impl: Implementation) -> None:
        self.send, self.impl = send, impl
        self.main = threading.get_ident()
        self.lock = threading.Lock()
        self.running: Optional[tuple[str, float, float, list[str]]] = None
        self.stopped: tuple[str, str] = ("", "")  # the case stopped early, and where it was
        threading.Thread(target=self._look, daemon=True).start()

    def start(self, key: str, timeout: float, hangs: list[str]) -> None:
        with self.lock:
            self.running = (key, time.monotonic(), timeout, hangs)

    def stop(self) -> None:
        with self.lock:
            self.running = None

    def _look(self) -> None:
        told, looking_at = "", ""  # the case whose place was sent; the case being looked at
        same = 0  # looks that saw this case running where an earlier case hung
        while True:
            time.sleep(LOOK_EVERY)
            with self.lock:
                running = self.running
            if running is None or running[0] == self.stopped[0]:
                continue
            key, started, timeout, hangs = running
            if key != looking_at:
                looking_at, same = key, 0
            elapsed = time.monotonic() - started
            tell = told != key and elapsed >= timeout - min(TELL_BEFORE, timeout / 2)
            if not (hangs or tell):
                continue  # nothing to look for yet: most cases end long before this
            where = learner_stack(sys._current_frames().get(self.main), self.impl)
            # Any of its innermost frames: a loop may call helpers (a generator, say) as it spins.
            if any(hang_place(line) in hangs for line in where.split("\n") if line):
                same += 1
            if same >= SAME_PLACE_LOOKS and elapsed >= SAME_PLACE_SECONDS:
                self.stopped = (key, where)
                _thread.interrupt_main()  # a KeyboardInterrupt in the case: no new child needed
            elif tell:
                self.send({"key": key, "stuck": where})
                told = key


def child_main() -> None:
    """Answer requests from stdin until it closes: first the set-up, then imports and instances."""
    setup = json.loads(sys.stdin.readline())
    if setup["search_path"]:
        sys.path.insert(0, setup["search_path"])
    # A lecture-style Value holds a closure that refers back to it, so each graph is freed by the
    # cyclic collector alone, which by default runs every 700 allocations and walks all that is
    # alive: most of a training case's time on such an engine. Rarer runs free the same garbage.
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    # Results travel on a private copy of stdout; the learner's prints go to stderr.
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    lock = threading.Lock()

    def send(message: dict[str, Any]) -> None:
        with lock:  # the watchdog writes too
            _send(channel, message)

    impl = Implementation(setup["package"])
    # The watchdog stops a case with interrupt_main, which does nothing while SIGINT is ignored
    # (as it is in a process started in the background).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    watchdog = _Watchdog(send, impl)
    for exercise in EXERCISES:  # the suites, read now: no case's time goes on reading them
        cases_of(exercise.name)
    send({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        hangs = list(request.get("hangs", []))
        jobs: list[tuple[str, float, Callable[[], dict[str, Any]]]] = []
        for module, timeout in request.get("imports", []):
            jobs.append((f"import:{module}", timeout, functools.partial(_import, module, impl)))
        for exercise, name, seed, timeout in request.get("instances", []):
            instance = Instance(next(c for c in cases_of(exercise) if c.name == name), seed)
            jobs.append((instance.key, timeout,
                         functools.partial(_run, instance, impl, setup.get("cross_check") is True)))
        for key, timeout, job in jobs:
            watchdog.start(key, timeout, hangs)
            try:
                answer = job()
            except KeyboardInterrupt:
                stopped, where = watchdog.stopped
                if stopped != key:
                    raise
                answer = Outcome(problem=Problem(ProblemKind.STOPPED_EARLY, STOPPED_EARLY, where)).to_json()
            watchdog.stop()
            send({"key": key, **answer})


def _import(module: str, impl: Implementation) -> dict[str, Any]:
    """Import one of the package's modules: {} if it imports, else what went wrong and where."""
    try:
        importlib.import_module(f"{impl.package}.{module}")
    except (Exception, SystemExit) as error:
        return Outcome(problem=Problem(ProblemKind.RAISED, one_line(error), learner_line(error, impl))).to_json()
    return {}


def _run(instance: Instance, impl: Implementation, cross_check: bool) -> dict[str, Any]:
    outcome = run_in_process(instance, impl)
    if cross_check and outcome.graph is not None:
        outcome = replace(outcome, numerical=_numerically(outcome.graph, outcome.seed, impl))
    if outcome.result is not None:
        try:
            outcome = replace(outcome, result=validate(outcome.result))
        except BadResult as error:
            outcome = Outcome(None, Problem(ProblemKind.BAD_RESULT, str(error)), outcome.printed)
    return outcome.to_json()


def _numerically(graph: list[Any], seed: float, impl: Implementation) -> Optional[list[float]]:
    """The traced graph's leaf grads by the learner's own numerical_gradient, if exercise 0 has one."""
    try:
        gradient = impl.numerical_gradient
    except (Exception, SystemExit):  # not written yet, or its module does not import
        return None
    try:
        return numerical_leaf_grads(graph, seed, gradient)
    except (Exception, SystemExit):  # the learner's numerical_gradient raised
        return None


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


class Session:
    """Runs instances on a package in a child process that stays up between calls.

    A case that hangs past its timeout, or ends its process, is reported as
    such; the child is then replaced and carries on with the cases after it.
    """

    def __init__(self, package: str, search_path: Optional[Path] = None,
                 command: ChildCommand = LOCAL, stop_after_timeout: bool = False,
                 deadline: Optional[float] = None, cross_check: bool = False) -> None:
        # cross_check: make check's report sets a failing graph beside the learner's own numerical
        # gradient, so the child computes it; the grader does not show it, so does not pay for it.
        self.setup: dict[str, Any] = {"package": package, "search_path": str(search_path or ""),
                                      "cross_check": cross_check}
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


def run_isolated(package: str, instances: list[Instance], search_path: Optional[Path] = None,
                 command: ChildCommand = LOCAL) -> dict[str, Outcome]:
    """Each instance's outcome on the package, from a session of its own."""
    with Session(package, search_path, command) as session:
        return session.run(instances)


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


if __name__ == "__main__":
    child_main()
