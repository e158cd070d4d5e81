"""The case runner's child: `python -m kata.core.child`, started by kata.core.runner.

It reads a set-up line, then requests, on stdin, and answers with one JSON line
per instance, tagged with the instance's key. The learner's prints go to stderr.
It never imports PyTorch; the parent does all the judging.
"""

from __future__ import annotations

import _thread
import functools
import gc
import importlib
import json
import os
import re
import signal
import sys
import threading
import time
from dataclasses import replace
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

COLLECTOR_THRESHOLDS = (100_000, 50, 100)  # gc.set_threshold in the child (defaults 700, 10, 10): see child_main
LOOK_EVERY = 0.1  # seconds between the child's looks at where a running case is
TELL_BEFORE = 1.0  # seconds before a case's time limit at which the child says where it is
# A case seen running where an earlier case hung, on two looks and half a second into it, is
# stopped: the same endless loop, surely. (A loop that grows a list can starve the looks.)
SAME_PLACE_LOOKS, SAME_PLACE_SECONDS = 2, 0.5


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
                         functools.partial(_run, instance, impl, setup.get("cross_check") is True,
                                           setup.get("record_steps") is True)))
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


def _run(instance: Instance, impl: Implementation, cross_check: bool, record_steps: bool) -> dict[str, Any]:
    outcome = run_in_process(instance, impl, record_steps)
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


if __name__ == "__main__":
    child_main()
