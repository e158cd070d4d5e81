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
from types import FrameType
from typing import IO, Any, Callable, Optional

from .cases import Instance, cases_of
from .compare import BadResult, validate
from .implementation import Implementation
from .outcome import Outcome, Problem, learner_stack, run_in_process

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30.0  # for the child to start Python and read the suites, before any case
LINE_LIMIT = 1_000_000  # characters; a longer line from the child is cut and ignored


@dataclass(frozen=True)
class ChildCommand:
    """How to start the child: make check runs it plainly, the grader inside a sandbox."""

    argv: list[str]
    cwd: Path
    preexec: Optional[Callable[[], None]] = None
    # Whether the child is Python itself, so that SIGUSR1 asks it where a hanging case is.
    tells_where_it_hangs: bool = False


LOCAL = ChildCommand([sys.executable, "-m", "kata.runner"], ROOT, tells_where_it_hangs=True)
WHERE_SECONDS = 1.0  # for a hanging child to say where it is, before it is killed


def child_main() -> None:
    """Answer requests from stdin until it closes: first the set-up, then lists of instances."""
    setup = json.loads(sys.stdin.readline())
    if setup["search_path"]:
        sys.path.insert(0, setup["search_path"])
    # Results travel on a private copy of stdout; the learner's prints go to stderr.
    channel = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    impl = Implementation(setup["package"])
    running = {"key": ""}

    def tell_where(signum: int, frame: Optional[FrameType]) -> None:
        """The parent's question about a case past its time: where the learner's code is now."""
        _send(channel, {"key": running["key"], "stuck": learner_stack(frame, impl)})

    signal.signal(signal.SIGUSR1, tell_where)
    _send(channel, {"ready": True})
    for line in sys.stdin:
        for exercise, name, seed in json.loads(line)["instances"]:
            instance = Instance(next(c for c in cases_of(exercise) if c.name == name), seed)
            running["key"] = instance.key
            _send(channel, {"key": instance.key, **_run(instance, impl)})


def _run(instance: Instance, impl: Implementation) -> dict[str, Any]:
    outcome = run_in_process(instance, impl)
    if outcome.result is not None:
        try:
            outcome = replace(outcome, result=validate(outcome.result))
        except BadResult as error:
            outcome = Outcome(None, Problem("bad result", str(error)), outcome.printed)
    return outcome.to_json()


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message) + "\n")
    channel.flush()


class Session:
    """Runs instances on a package in a child process that stays up between calls.

    A case that hangs past its timeout, or ends its process, is reported as
    such; the child is then replaced and carries on with the cases after it.
    """

    def __init__(self, package: str, search_path: Optional[Path] = None,
                 command: ChildCommand = LOCAL, stop_after_timeout: bool = False) -> None:
        self.setup = {"package": package, "search_path": str(search_path or "")}
        self.command = command
        # make check's choice: after one case hangs, the rest of the run would most likely hang
        # too, one time limit each, so they are reported as not run; the grader runs them all.
        self.stop_after_timeout = stop_after_timeout
        self.child: Optional[_Child] = None
        self.started = False  # whether a child has ever started

    def run(self, instances: list[Instance]) -> dict[str, Outcome]:
        outcomes: dict[str, Outcome] = {}
        pending = list(instances)
        while pending:
            if self.child is None:
                try:
                    self.child = _Child(self.command, self.setup)
                except RuntimeError as error:
                    if not self.started:
                        raise  # the very first child: the set-up is broken, not the candidate
                    # Code under test ran in an earlier child and may have broken what the next needs.
                    for instance in pending:
                        outcomes[instance.key] = Outcome(problem=Problem(
                            "crashed", f"the case runner could not be restarted after your code ran: {error}"))
                    break
                self.started = True
            settled, alive = self.child.run(pending, outcomes)
            if not alive:
                self.close()
            last = outcomes[pending[settled - 1].key]
            pending = pending[settled:]
            if self.stop_after_timeout and last.problem and last.problem.kind == "timed out":
                for instance in pending:
                    outcomes[instance.key] = Outcome(problem=Problem(
                        "not run", "an earlier case timed out; fix that one first"))
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


def run_isolated(package: str, instances: list[Instance], search_path: Optional[Path] = None,
                 command: ChildCommand = LOCAL) -> dict[str, Outcome]:
    """Each instance's outcome on the package, from a session of its own."""
    with Session(package, search_path, command) as session:
        return session.run(instances)


class _Child:
    def __init__(self, command: ChildCommand, setup: dict[str, str]) -> None:
        self.command = command
        self.process = subprocess.Popen(
            command.argv, cwd=command.cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=command.preexec,
        )
        self.lines: queue.Queue[Optional[str]] = queue.Queue()
        self.stderr: deque[str] = deque(maxlen=50)  # the learner's prints land here too: the last few
        threading.Thread(target=_pump, args=(self.process.stdout, self.lines.put), daemon=True).start()
        threading.Thread(target=_pump, args=(self.process.stderr, self.stderr.append),
                         daemon=True).start()
        try:
            self._write(setup)
            ready = _wait_for(self.lines, lambda m: m.get("ready") is True, STARTUP_SECONDS)
        except (OSError, TimeoutError):
            ready = None
        if ready is None:
            self.kill()
            raise RuntimeError(f"the case runner did not start:\n{self._stderr(1500)}")

    def run(self, instances: list[Instance], outcomes: dict[str, Outcome]) -> tuple[int, bool]:
        """Run instances until done or one of them ends the child: how many were settled, and
        whether the child is still fit for more."""
        try:
            self._write({"instances": [[i.case.exercise, i.case.name, i.seed] for i in instances]})
        except OSError:  # it ended between requests
            outcomes[instances[0].key] = self._crashed()
            return 1, False
        for settled, instance in enumerate(instances, 1):
            key = instance.key
            try:
                message = _wait_for(self.lines, lambda m: m.get("key") == key, instance.case.timeout)
            except TimeoutError:
                outcomes[key] = Outcome(problem=Problem(
                    "timed out", f"no result after {instance.case.timeout:g} s: "
                    "an endless loop, or far too slow", self._where_it_hangs(key)))
                return settled, False
            if message is None:
                outcomes[key] = self._crashed()
                return settled, False
            try:
                outcomes[key] = Outcome.from_json(message)
            except ValueError as error:
                outcomes[key] = Outcome(problem=Problem("bad result", str(error)))
        return len(instances), True

    def _where_it_hangs(self, key: str) -> str:
        """Where the learner's code is while the case hangs, as the child tells it; or ""."""
        if not self.command.tells_where_it_hangs:
            return ""
        try:
            os.kill(self.process.pid, signal.SIGUSR1)
            message = _wait_for(self.lines, lambda m: m.get("key") == key and "stuck" in m,
                                WHERE_SECONDS)
        except (OSError, TimeoutError):
            return ""
        stuck = message.get("stuck") if message else ""
        return stuck if isinstance(stuck, str) else ""

    def _write(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def _crashed(self) -> Outcome:
        self.kill()
        return Outcome(problem=Problem(
            "crashed", f"the process running your code ended during this case "
            f"(exit status {self.process.returncode})", self._stderr(300)))

    def _stderr(self, limit: int) -> str:
        return "".join(line for line in self.stderr if line)[-limit:].strip()

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


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


if __name__ == "__main__":
    child_main()
