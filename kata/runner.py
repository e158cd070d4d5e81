"""Running graded instances on a candidate in a child process, so that a crash or a hang costs one case.

The child (`python -m kata.runner`) reads the request on stdin and answers
with one JSON line per instance, tagged with the instance's key. It never
imports PyTorch; the parent does all the judging.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any, Callable, Optional

from .cases import Instance, cases_of
from .compare import BadResult, validate
from .implementation import Implementation
from .outcome import Outcome, Problem, run_in_process

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30.0  # for the child to start Python and read the suites, before any case
LINE_LIMIT = 1_000_000  # characters; a longer line from the child is cut and ignored


@dataclass(frozen=True)
class ChildCommand:
    """How to start the child: make check runs it plainly, the grader inside a sandbox."""

    argv: list[str]
    cwd: Path
    preexec: Optional[Callable[[], None]] = None


LOCAL = ChildCommand([sys.executable, "-m", "kata.runner"], ROOT)


def child_main() -> None:
    request = json.loads(sys.stdin.readline())
    if request["search_path"]:
        sys.path.insert(0, request["search_path"])
    # Results travel on a private copy of stdout; the learner's prints go to stderr.
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    impl = Implementation(request["package"])
    cases = {(c.exercise, c.name): c for exercise in request["exercises"] for c in cases_of(exercise)}
    _send(channel, {"ready": True})
    for exercise, name, seed in request["instances"]:
        instance = Instance(cases[exercise, name], seed)
        outcome = run_in_process(instance, impl)
        if outcome.result is not None:
            try:
                outcome = replace(outcome, result=validate(outcome.result))
            except BadResult as error:
                outcome = Outcome(None, Problem("bad result", str(error)), outcome.printed)
        _send(channel, {"key": instance.key, **outcome.to_json()})


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def run_isolated(package: str, instances: list[Instance], search_path: Optional[Path] = None,
                 command: ChildCommand = LOCAL) -> dict[str, Outcome]:
    """Each instance's outcome on the package, run in child processes started by command.

    The package is imported as the child finds it, or from search_path if given.
    A case that hangs past its timeout, or ends its process, is reported as
    such, and a fresh child carries on with the cases after it.
    """
    outcomes: dict[str, Outcome] = {}
    pending = list(instances)
    while pending:
        done = _run_child(package, search_path, command, pending, outcomes)
        pending = pending[done:]
    return outcomes


def _run_child(package: str, search_path: Optional[Path], command: ChildCommand,
               instances: list[Instance], outcomes: dict[str, Outcome]) -> int:
    """Run instances in one child until they are done or one of them ends it; how many were settled."""
    request = {
        "package": package,
        "search_path": str(search_path or ""),
        "exercises": sorted({i.case.exercise for i in instances}),
        "instances": [[i.case.exercise, i.case.name, i.seed] for i in instances],
    }
    child = subprocess.Popen(
        command.argv, cwd=command.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=command.preexec,
    )
    lines: queue.Queue[Optional[str]] = queue.Queue()
    stderr: deque[str] = deque(maxlen=50)  # the learner's prints land here too: keep the last few
    threading.Thread(target=_pump, args=(child.stdout, lines.put), daemon=True).start()
    threading.Thread(target=_pump, args=(child.stderr, stderr.append), daemon=True).start()
    assert child.stdin is not None
    child.stdin.write(json.dumps(request) + "\n")
    child.stdin.close()
    try:
        try:
            ready = _wait_for(lines, lambda m: m.get("ready") is True, STARTUP_SECONDS)
        except TimeoutError:
            ready = None
        if ready is None:
            detail = "".join(line for line in stderr if line)[-1500:]
            raise RuntimeError(f"the case runner did not start:\n{detail}")
        for settled, instance in enumerate(instances):
            key = instance.key
            try:
                message = _wait_for(lines, lambda m: m.get("key") == key, instance.case.timeout)
            except TimeoutError:
                outcomes[key] = Outcome(problem=Problem(
                    "timed out", f"no result after {instance.case.timeout:g} s: "
                    "an endless loop, or far too slow"))
                return settled + 1
            if message is None:
                outcomes[key] = Outcome(problem=Problem(
                    "crashed", f"the process running your code ended during this case "
                    f"(exit status {child.wait()})", "".join(line for line in stderr if line)[-300:].strip()))
                return settled + 1
            try:
                outcomes[key] = Outcome.from_json(message)
            except ValueError as error:
                outcomes[key] = Outcome(problem=Problem("bad result", str(error)))
        return len(instances)
    finally:
        _kill_group(child)


def _pump(stream: Optional[IO[str]], put: Callable[[Optional[str]], None]) -> None:
    assert stream is not None
    while line := stream.readline(LINE_LIMIT):
        put(line)
    put(None)  # the child closed its end: it has ended


def _wait_for(lines: queue.Queue[Optional[str]], wanted: Callable[[dict[str, Any]], bool],
              timeout: float) -> Optional[dict[str, Any]]:
    """The first message that is wanted, or None once the child has ended.

    Anything else on the channel (learner code can write there too) is skipped:
    it can claim numbers for a case, as its own code could, but never a pass.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise TimeoutError from None
        if line is None:
            return None
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if isinstance(message, dict) and wanted(message):
            return message


def _kill_group(child: subprocess.Popen[str]) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()


if __name__ == "__main__":
    child_main()
