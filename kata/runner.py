"""Running graded instances on a candidate in a child process, so that a crash or a hang costs one case.

The child (`python -m kata.runner`) reads the request on stdin and answers
with one JSON line per instance. It never imports PyTorch; the parent does
all the judging.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path
from typing import IO, Any, Optional

from .cases import Instance, cases_of
from .compare import BadResult, validate
from .implementation import Implementation
from .outcome import Outcome, Problem, run_in_process

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30.0  # for the child to start Python and read the suites, before any case


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
        outcome = run_in_process(Instance(cases[exercise, name], seed), impl)
        if outcome.result is not None:
            try:
                outcome = Outcome(validate(outcome.result), None, outcome.printed)
            except BadResult as error:
                outcome = Outcome(None, Problem("bad result", str(error)), outcome.printed)
        _send(channel, outcome.to_json())


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def run_isolated(package: str, instances: list[Instance],
                 search_path: Optional[Path] = None) -> dict[str, Outcome]:
    """Each instance's outcome on the package, run in child processes from the repository root.

    The package is imported from the repository, or from search_path if given.

    A case that hangs past its timeout, or kills its process, is reported as
    such and a fresh child carries on with the cases after it.
    """
    outcomes: dict[str, Outcome] = {}
    pending = list(instances)
    while pending:
        done = _run_child(package, search_path, pending, outcomes)
        pending = pending[done:]
    return outcomes


def _run_child(package: str, search_path: Optional[Path], instances: list[Instance],
               outcomes: dict[str, Outcome]) -> int:
    """Run instances in one child until they are done or one of them ends it; how many were settled."""
    request = {
        "package": package,
        "search_path": str(search_path or ""),
        "exercises": sorted({i.case.exercise for i in instances}),
        "instances": [[i.case.exercise, i.case.name, i.seed] for i in instances],
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "kata.runner"], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    lines: queue.Queue[Optional[str]] = queue.Queue()
    stderr: deque[str] = deque(maxlen=50)  # the learner's prints land here too: keep the last few
    threading.Thread(target=_pump, args=(child.stdout, lines), daemon=True).start()
    threading.Thread(target=stderr.extend, args=(child.stderr,), daemon=True).start()
    assert child.stdin is not None
    child.stdin.write(json.dumps(request) + "\n")
    child.stdin.close()
    try:
        if _next_message(lines, STARTUP_SECONDS) != {"ready": True}:
            detail = "".join(stderr)[-1500:]
            raise RuntimeError(f"the case runner did not start:\n{detail}")
        for settled, instance in enumerate(instances):
            try:
                message = _next_message(lines, instance.case.timeout)
            except TimeoutError:
                outcomes[instance.key] = Outcome(problem=Problem(
                    "timed out", f"no result after {instance.case.timeout:g} s: "
                    "an endless loop, or far too slow"))
                return settled + 1
            if message is None:
                outcomes[instance.key] = Outcome(problem=Problem(
                    "crashed", f"the process running your code ended during this case "
                    f"(exit status {child.wait()})", "".join(stderr)[-300:].strip()))
                return settled + 1
            try:
                outcomes[instance.key] = Outcome.from_json(message)
            except ValueError as error:
                outcomes[instance.key] = Outcome(problem=Problem("bad result", str(error)))
        return len(instances)
    finally:
        _kill_group(child)


def _pump(stream: Optional[IO[str]], lines: queue.Queue[Optional[str]]) -> None:
    assert stream is not None
    for line in stream:
        lines.put(line)
    lines.put(None)  # the child closed its end: it has ended


def _next_message(lines: queue.Queue[Optional[str]], timeout: float) -> Any:
    try:
        line = lines.get(timeout=timeout)
    except queue.Empty:
        raise TimeoutError from None
    if line is None:
        return None
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return {"problem": {"kind": "bad result", "message": "the runner's answer was garbled"}}


def _kill_group(child: subprocess.Popen[str]) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()


if __name__ == "__main__":
    child_main()
