"""grader.py's bounds under hostile submissions: time per submission, memory, and what it leaves alive.

Each submission is the reference solutions with one change; grader.py grades
it in a subprocess as an instructor runs it, with TMPDIR a folder of the test's
own, so that every process and directory grading starts can be found by path.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from kata.core.curriculum import EXERCISES, exercise_named
from tests.support.test_grader import (
    GRADER,
    HAS_BWRAP,
    NAMES,
    ONE_WORKER,
    ROOT,
    appended,
    open_temporary_directory,
    solution,
)

pytestmark = ONE_WORKER  # never beside test_grader.py's batches: see there

SANDBOXES = [pytest.param("bubblewrap", marks=pytest.mark.skipif(
                 not HAS_BWRAP, reason="bubblewrap (bwrap) is not installed")),
             "kernel"]
# value.py that never finishes importing, and ignores the polite way of being stopped.
SLEEPS_AT_IMPORT = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
while True:
    time.sleep(0.2)
"""
# backward() that never returns: every case that calls it hangs in one place. (A loop that grows
# a list without end can starve the child's watchdog thread; the budget bounds that one.)
LOOPS_IN_BACKWARD = ("    order = topological_order(root)\n",
                     "    order = topological_order(root)\n    while order:\n        pass\n")
# repr() of a Value writes about 50 MB of lines that look like results onto every descriptor.
FLOODS = '''
def _flood(self):
    import os
    line = b'{"key": "value::test_a_new_value_holds_a_float_and_a_zero_grad"}' * 400 + b"\\n"
    for _ in range(2000):
        for fd in range(1, 8):
            try:
                os.write(fd, line)
            except OSError:
                pass
    return "Value(flood)"


Value.__repr__ = _flood
'''


def submission(folder: Path, **files: str) -> Path:
    """The solutions, with the files given replaced."""
    folder.mkdir(parents=True)
    for name in NAMES:
        (folder / f"{name}.py").write_text(files.get(name, solution(name)))
    return folder


def grade(tmp_path: Path, path: Path, *options: str) -> dict[str, Any]:
    return grade_measured(tmp_path, path, *options)[0]


def grade_measured(tmp_path: Path, path: Path, *options: str) -> tuple[dict[str, Any], int]:
    """The grader's report on the submission, and the largest resident size (KiB) of grader.py and
    every process it waited for: os.wait4 reports this run's alone, whatever this process ran before."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    with (tmp_path / "stderr.txt").open("w+") as stderr:
        grader = subprocess.Popen(
            [sys.executable, str(GRADER), str(path), "--json", str(tmp_path / "grades.json"), "--seed", "1",
             *options], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr,
            env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
        deadline = time.monotonic() + 600
        while not (reaped := os.wait4(grader.pid, os.WNOHANG))[0]:
            if time.monotonic() > deadline:
                grader.kill()
                grader.wait()
                pytest.fail("grader.py ran for 600 s")
            time.sleep(0.05)
        _, status, usage = reaped
        grader.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        assert grader.returncode == 0, stderr.read()
    report: dict[str, Any] = json.loads((tmp_path / "grades.json").read_text())["submissions"][0]
    return report, usage.ru_maxrss


def reasons(report: dict[str, Any], exercise: str) -> list[str]:
    return [case["reason"] for case in report["cases"] if case["exercise"] == exercise]


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_an_import_that_hangs_is_waited_for_once_and_costs_every_case(tmp_path: Path, sandbox: str) -> None:
    """value.py sleeps at import: every case scores 0 because of that import, without running."""
    path = submission(tmp_path / "sleeps", value=appended(solution("value"), SLEEPS_AT_IMPORT))
    report = grade(tmp_path, path, "--timeout", "2", "--sandbox", sandbox)
    assert report["score"] == 0
    for case in report["cases"]:
        assert case["reason"].startswith("timed out: "), case["reason"]
        assert "(importing value.py" in case["reason"], case["reason"]
    # One time limit for value.py's import, one more at most for an exercise whose module imports it.
    assert report["seconds"] < 30


@pytest.mark.parametrize("sandbox", SANDBOXES)
def test_an_endless_loop_costs_one_time_limit_and_honest_work_keeps_its_points(
        tmp_path: Path, sandbox: str) -> None:
    """The first case to hang waits out its limit; later ones hanging in the same place stop early."""
    broken = solution("backward").replace(*LOOPS_IN_BACKWARD)
    path = submission(tmp_path / "loops", backward=broken)
    report = grade(tmp_path, path, "--timeout", "2", "--sandbox", sandbox)
    hung = [r for r in reasons(report, "backward") if r]
    assert hung[0].startswith("timed out: no result after 2 s")
    waited = [r for r in hung if r.startswith("timed out: no result after 2 s")]
    early = [r for r in hung if r.startswith("timed out: stopped early")]
    # The second case to hang may wait out its limit too on a loaded machine; none after it.
    assert len(waited) <= 2 and len(waited) + len(early) == len(hung) > 5, [r[:40] for r in hung]
    assert all(case["status"] == "passed" for case in report["cases"] if case["exercise"] == "value")


def test_a_budget_cuts_a_submission_short_and_results_json_is_still_written(tmp_path: Path) -> None:
    """With a 3 s budget the hanging cases run out of time: finished cases keep their points."""
    broken = solution("backward").replace(*LOOPS_IN_BACKWARD)
    path = submission(tmp_path / "loops", backward=broken)
    report = grade(tmp_path, path, "--timeout", "2", "--submission-timeout", "3", "--sandbox",
                   "kernel", "--gradescope", str(tmp_path / "gradescope"))
    results = json.loads((tmp_path / "gradescope" / "results.json").read_text())
    assert results["score"] == report["score"]
    before_backward = sum(e.points for e in EXERCISES if e.number < exercise_named("backward").number)
    assert round(report["score"], 9) >= before_backward  # every case before backward's finished first
    cut = [t for t in results["tests"] if "time budget" in t["output"]]
    assert cut and all(t["score"] == 0 for t in cut)
    assert len(results["tests"]) == len(report["cases"])


def test_a_flood_of_forged_lines_is_stopped_and_the_grader_stays_small(tmp_path: Path) -> None:
    """Gigabytes of lines that look like results cost their case, not the grader's memory."""
    path = submission(tmp_path / "floods", value=appended(solution("value"), FLOODS))
    report, largest_kib = grade_measured(tmp_path, path, "--sandbox", "kernel")
    (flooded,) = [c for c in report["cases"] if c["reason"].startswith("flooded")]
    assert flooded["case"] == "test_a_new_value_holds_a_float_and_a_zero_grad"
    assert "flooded" in report["status"]
    assert largest_kib < 600 * 1024  # the grader and every process it waited for, in this run


def processes_under(folder: Path) -> list[int]:
    """Live processes that name folder (or a path under it) among their arguments."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if str(folder).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


@pytest.mark.parametrize("sandbox", SANDBOXES)
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL],
                         ids=lambda s: signal.Signals(s).name)
def test_nothing_a_submission_started_outlives_the_grader(tmp_path: Path, sandbox: str,
                                                         stop: signal.Signals) -> None:
    """Kill the grader while a submission that ignores SIGTERM sleeps: none of its processes remain,
    and (where the grader can still run code) its working directories are gone."""
    path = submission(tmp_path / "sleeps", value=appended(solution("value"), SLEEPS_AT_IMPORT))
    tmp = open_temporary_directory()
    grader = subprocess.Popen([sys.executable, str(GRADER), str(path), "--timeout", "60", "--sandbox",
                               sandbox, "--gradescope", str(tmp_path / "gradescope")], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "TMPDIR": str(tmp)})
    try:
        assert wait_for(lambda: processes_under(tmp), 60), "no submission process started"
        time.sleep(0.5)  # inside its import by now
        grader.send_signal(stop)
        grader.wait(timeout=30)
        assert wait_for(lambda: not processes_under(tmp), 10), processes_under(tmp)
        if stop != signal.SIGKILL:
            assert list(tmp.iterdir()) == []
    finally:
        grader.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    if stop != signal.SIGKILL:
        results = json.loads((tmp_path / "gradescope" / "results.json").read_text())
        assert results["score"] == 0 and signal.Signals(stop).name in results["output"]


def test_an_exercises_folder_is_named_after_its_learner(tmp_path: Path) -> None:
    """alice/exercises and bob/exercises are two rows the instructor can tell apart."""
    from kata.grading.submission import read_submission

    folders = [submission(tmp_path / learner / "exercises") for learner in ("alice", "bob")]
    assert [read_submission(folder).name for folder in folders] == ["alice", "bob"]


def forged_before_each_answer(result: str) -> str:
    """value.py's addition that, on every case, sends before the honest answer a line claiming the
    result that the expression result builds (the case's key is `key`), on every descriptor."""
    return """
import gc as _gc, json as _json, os as _os
_WATCHDOGS = [found for found in _gc.get_objects() if type(found).__name__ == "_Watchdog"]
_SENT = set()
_honest_init = Value.__init__


def _forging_init(self, *args, **kwargs):
    running = _WATCHDOGS[0].running if _WATCHDOGS else None
    if running and running[0] not in _SENT:
        key = running[0]
        _SENT.add(key)
        line = RESULT + "\\n"
        for fd in range(3, 20):
            try:
                _os.write(fd, line.encode())
            except OSError:
                pass
    _honest_init(self, *args, **kwargs)


Value.__init__ = _forging_init
""".replace("RESULT", result)


# A result with a graph of 30,000 nodes (1 MB).
MEGABYTE_GRAPHS = forged_before_each_answer(
    '_json.dumps({"key": key, "result": {"out": 1.0}, "graph": [["", "x", 1.0, 1.0, []]] * 30000})')
# A result of 4 lists of 99,999 zeros (800 kB): as floats in the grader, sixteen times that.
MANY_ZEROS = forged_before_each_answer(
    '\'{"key": %s, "result": {"a": [%s], "b": [%s], "c": [%s], "d": [%s]}}\' % '
    '(_json.dumps(key), *[",".join("0" * 99999)] * 4)')


@pytest.mark.parametrize("forged", ["graphs", "swelling results", "many zeros"])
def test_forged_megabyte_lines_on_every_case_keep_the_grader_under_twice_its_honest_memory(
        tmp_path: Path, forged: str) -> None:
    """The forged lines (a graph of 30,000 nodes, or a result of 330,000 empty lists) cost their
    cases; the grader's peak memory stays under twice what grading the honest solutions takes,
    measured in this run."""
    from tests.support.test_grader import RESULTS_THAT_SWELL

    payload = {"graphs": MEGABYTE_GRAPHS, "swelling results": textwrap.dedent(RESULTS_THAT_SWELL),
               "many zeros": MANY_ZEROS}[forged]
    for run in ("honest", "forged"):
        (tmp_path / run).mkdir()
    honest, honest_kib = grade_measured(tmp_path / "honest", submission(tmp_path / "solutions"), "--sandbox", "kernel")
    path = submission(tmp_path / "forges", value=appended(solution("value"), payload))
    attacked, forged_kib = grade_measured(tmp_path / "forged", path, "--sandbox", "kernel")
    assert honest["score"] == pytest.approx(100)
    assert attacked["score"] < 100 and attacked["status"].startswith("graded")
    assert forged_kib < 2 * honest_kib, (forged_kib, honest_kib)


def test_a_message_the_terminal_cannot_encode_costs_nothing_and_a_failure_tells_the_student_no_text(
        tmp_path: Path) -> None:
    """On an ASCII terminal, a case whose message holds any other character (here from backward)
    still gets its results.json, the terminal report escaping it; and when the grader does fail,
    the student reads a reason of the grader's own, never the error's text, which may hold a
    submission's (or a hidden case's) words."""
    broken = solution("backward").replace("def backward(root", 'def backward(root: Value) -> None:\n'
                                          '    raise ValueError("\\u4e65 chosen")\n\n\ndef _unused(root', 1)
    path = submission(tmp_path / "unicode", backward=broken)
    done = subprocess.run([sys.executable, str(GRADER), str(path), "--sandbox", "kernel", "--seed", "1",
                           "--gradescope", str(tmp_path / "gradescope")], cwd=ROOT, capture_output=True,
                          env={**os.environ, "PYTHONIOENCODING": "ascii", "TMPDIR": str(tmp_path)}, timeout=300)
    assert done.returncode == 0, done.stderr.decode()
    assert b"\\u4e65 chosen" in done.stdout
    results = json.loads((tmp_path / "gradescope" / "results.json").read_text())
    assert results["tests"] and "autograder itself failed" not in results["output"]

    unwritable = tmp_path / "a file, not a folder"
    unwritable.write_text("")
    failed = subprocess.run([sys.executable, str(GRADER), str(path), "--sandbox", "kernel",
                             "--gradescope", str(tmp_path / "gradescope2"), "--csv", str(unwritable / "x.csv")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "TMPDIR": str(tmp_path)})
    assert failed.returncode != 0 and "NotADirectoryError" in failed.stderr  # the instructor's log has it
    results = json.loads((tmp_path / "gradescope2" / "results.json").read_text())
    assert "NotADirectoryError" not in results["output"] and "x.csv" not in results["output"]
