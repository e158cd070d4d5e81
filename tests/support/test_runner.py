"""kata.core.runner.Session: a hostile or broken candidate costs one case, never the run."""

import dataclasses
import os
import re
import signal
import textwrap
import time
from pathlib import Path
from typing import Optional

import pytest

from kata.core.cases import Instance, cases_of
from kata.core.graph import TracedNode
from kata.core.outcome import Outcome
from kata.core.runner import Session


def run_isolated(package: str, instances: list[Instance], search_path: Optional[Path] = None) -> dict[str, Outcome]:
    """Each instance's outcome on the package, from a session of its own."""
    with Session(package, search_path) as session:
        return session.run(instances)


CASES = {case.name: case for case in cases_of("value")}
SUM = CASES["test_sum_passes_its_grad_to_both_operands"]
PRODUCT = CASES["test_product_passes_each_operand_the_other"]
NEW_VALUE = CASES["test_a_new_value_holds_a_float_and_a_zero_grad"]

# What a correct Value gives on these cases (upstream grad 2.0), no PyTorch needed.
SUM_RESULT = {"out": -1.0, "a.grad": 2.0, "b.grad": 2.0}
PRODUCT_RESULT = {"out": -6.0, "a.grad": -6.0, "b.grad": 4.0}

VALUE_MODULE = '''\
import os
import subprocess
import sys

{prelude}


class Value:
    def __init__(self, data, _children=(), _op="", label=""):
        self.data = float(data)
        self.grad = 0.0
        self._prev = tuple(_children)
        self._op = _op
        self.label = label
        self._backward = lambda: None

    def __add__(self, other):
{on_add}
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
{after_add_backward}

        out._backward = _backward
        return out

    def __mul__(self, other):
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
{before_mul_return}
        return out
'''


def write_candidate(tmp_path: Path, request: pytest.FixtureRequest, *, prelude: str = "",
                    on_add: str = "pass", after_add_backward: str = "pass",
                    before_mul_return: str = "pass") -> tuple[str, str]:
    """A candidate package under tmp_path, named after the test; its name and its value.py source."""
    name = "candidate_" + re.sub(r"\W", "_", request.node.name)
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    source = VALUE_MODULE.format(
        prelude=prelude,
        on_add=textwrap.indent(on_add, " " * 8),
        after_add_backward=textwrap.indent(after_add_backward, " " * 12),
        before_mul_return=textwrap.indent(before_mul_return, " " * 8),
    )
    (package / "value.py").write_text(source)
    return name, source


def line_number(source: str, text: str) -> int:
    """The 1-based number of the line of source that contains text."""
    (number,) = [i for i, line in enumerate(source.splitlines(), 1) if text in line]
    return number


def test_a_well_behaved_candidate_gets_its_results(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The baseline: the stand-in Value's numbers come back from the child as plain floats."""
    package, _ = write_candidate(tmp_path, request)
    instances = SUM.instances() + PRODUCT.instances()
    outcomes = run_isolated(package, instances, search_path=tmp_path)
    assert set(outcomes) == {i.key for i in instances}
    assert outcomes[instances[0].key].result == SUM_RESULT
    assert outcomes[instances[1].key].result == PRODUCT_RESULT
    assert all(o.problem is None for o in outcomes.values())


def test_an_endless_loop_times_out_and_the_next_case_still_runs(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A hang is cut off at the case's own timeout, and a fresh child runs the cases after it."""
    package, _ = write_candidate(tmp_path, request, on_add="while True:\n    pass")
    hanging = dataclasses.replace(SUM, timeout=1.0).instances()[0]
    after = PRODUCT.instances()[0]
    started = time.monotonic()
    outcomes = run_isolated(package, [hanging, after], search_path=tmp_path)
    elapsed = time.monotonic() - started
    problem = outcomes[hanging.key].problem
    assert problem is not None and problem.kind == "timed out"
    assert "1 s" in problem.message
    assert outcomes[after.key].problem is None
    assert outcomes[after.key].result == PRODUCT_RESULT
    assert elapsed < SUM.timeout  # the short timeout was the one applied


def test_a_hang_is_located_in_the_learners_own_file(tmp_path: Path,
                                                   request: pytest.FixtureRequest) -> None:
    """At the time limit the child says where the learner's code is: file, line and source."""
    package, source = write_candidate(tmp_path, request, on_add="while True:\n    pass")
    hanging = dataclasses.replace(SUM, timeout=1.0).instances()[0]
    problem = run_isolated(package, [hanging], search_path=tmp_path)[hanging.key].problem
    assert problem is not None and problem.kind == "timed out"
    innermost = problem.where.splitlines()[0]
    number = line_number(source, "while True:")
    assert re.fullmatch(rf"{package}/value.py, line ({number}|{number + 1}), in __add__: "
                        r"(while True:|pass)", innermost), problem.where


def test_a_prev_kept_as_a_set_is_reported_as_the_learners_attribute(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A kata helper cannot walk a set in reverse: the report names _prev and the learner's line."""
    package, source = write_candidate(tmp_path, request)
    (tmp_path / package / "value.py").write_text(
        source.replace("self._prev = tuple(_children)", "self._prev = set(_children)"))
    problem = run_isolated(package, SUM.instances(), search_path=tmp_path)[SUM.instances()[0].key].problem
    assert problem is not None and problem.kind == "contract"
    assert problem.message.startswith("Value._prev is a set; the kata expects a tuple")
    number = line_number(source, "self._prev = tuple(_children)")
    assert problem.where == f"{package}/value.py, line {number}: self._prev = set(_children)"


def test_make_checks_session_reports_the_cases_after_a_hang_as_not_run(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """With stop_after_timeout, one time limit is spent, not one per remaining case."""
    package, _ = write_candidate(tmp_path, request, on_add="while True:\n    pass")
    hanging = [dataclasses.replace(case, timeout=1.0).instances()[0] for case in (SUM, PRODUCT, NEW_VALUE)]
    started = time.monotonic()
    with Session(package, search_path=tmp_path, stop_after_timeout=True) as session:
        outcomes = session.run(hanging)
    kinds = [outcome.problem.kind if outcome.problem else None for outcome in outcomes.values()]
    assert kinds == ["timed out", "not run", "not run"]
    assert time.monotonic() - started < 2 * hanging[0].case.timeout


def test_a_process_exit_is_a_crash_and_the_next_case_still_runs(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """os._exit in learner code ends the child: that case crashed, with its exit status."""
    package, _ = write_candidate(tmp_path, request, on_add="os._exit(3)")
    instances = SUM.instances() + PRODUCT.instances()
    outcomes = run_isolated(package, instances, search_path=tmp_path)
    problem = outcomes[instances[0].key].problem
    assert problem is not None and problem.kind == "crashed"
    assert "exit status 3" in problem.message
    assert outcomes[instances[1].key].problem is None
    assert outcomes[instances[1].key].result == PRODUCT_RESULT


def test_sys_exit_while_importing_the_learners_module_is_raised_not_fatal(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """SystemExit at import time is reported as raised; the same child goes on to the next case."""
    marker = tmp_path / "exited-once"
    prelude = "\n".join([  # exit on the first import only, so that the next case can pass
        f"if not os.path.exists({str(marker)!r}):",
        f"    open({str(marker)!r}, 'w').close()",
        "    sys.exit(0)",
    ])
    package, _ = write_candidate(tmp_path, request, prelude=prelude)
    instances = SUM.instances() + PRODUCT.instances()
    outcomes = run_isolated(package, instances, search_path=tmp_path)
    problem = outcomes[instances[0].key].problem
    assert problem is not None and problem.kind == "raised"
    assert "SystemExit" in problem.message
    assert marker.exists()
    # The second import, in the same child, succeeds: the exit did not end the process.
    assert outcomes[instances[1].key].problem is None
    assert outcomes[instances[1].key].result == PRODUCT_RESULT


def test_an_exception_in_the_learners_file_names_that_file_and_line(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A raise in value.py is 'raised', with the learner's own file, line and function as where."""
    raise_line = 'raise ArithmeticError("the learner slipped")'
    package, source = write_candidate(tmp_path, request, on_add=raise_line)
    instances = SUM.instances() + PRODUCT.instances()
    outcomes = run_isolated(package, instances, search_path=tmp_path)
    problem = outcomes[instances[0].key].problem
    assert problem is not None and problem.kind == "raised"
    assert problem.message == "ArithmeticError: the learner slipped"
    assert problem.where.startswith(f"{package}/value.py, line {line_number(source, raise_line)}, in __add__")
    assert raise_line in problem.where
    assert outcomes[instances[1].key].result == PRODUCT_RESULT


def test_a_syntax_error_in_the_learners_file_names_that_file_and_line(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A syntax error has no frame in value.py, yet where still points at its line."""
    package, source = write_candidate(tmp_path, request, prelude="broken = (")
    outcomes = run_isolated(package, SUM.instances(), search_path=tmp_path)
    (outcome,) = outcomes.values()
    assert outcome.problem is not None and outcome.problem.kind == "raised"
    assert outcome.problem.message.startswith("SyntaxError")
    assert outcome.problem.where == f"{package}/value.py, line {line_number(source, 'broken = (')}: broken = ("


def test_results_that_are_not_numbers_are_bad_results_case_by_case(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A grad holding a Value, or data that is a str subclass, is a 'bad result' naming the entry."""
    package, _ = write_candidate(
        tmp_path, request,
        prelude="class Sneaky(str):\n    pass",
        after_add_backward="self.grad = Value(self.grad)",
        before_mul_return='out.data = Sneaky("-6.0")',
    )
    instances = SUM.instances() + PRODUCT.instances() + NEW_VALUE.instances()
    outcomes = run_isolated(package, instances, search_path=tmp_path)
    grad_problem = outcomes[instances[0].key].problem
    assert grad_problem is not None and grad_problem.kind == "bad result"
    assert "a.grad" in grad_problem.message and "Value" in grad_problem.message
    assert outcomes[instances[0].key].result is None
    data_problem = outcomes[instances[1].key].problem
    assert data_problem is not None and data_problem.kind == "bad result"
    assert "out" in data_problem.message and "Sneaky" in data_problem.message
    fine = outcomes[instances[2].key]
    assert fine.problem is None
    assert fine.result is not None and fine.result["data"] == 3.0 and fine.result["grad"] == 0.0


def test_learner_output_never_corrupts_results_and_is_kept_as_printed(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """print(), prints to the real stdout and raw writes to fd 1 do not reach the result channel."""
    on_add = "\n".join([
        'print(\'{"out": 99.0, "a.grad": 99.0, "b.grad": 99.0}\')',
        'print("learner says hello")',
        'print(\'{"problem": 5}\', file=sys.__stdout__, flush=True)',
        'os.write(1, b\'{"ready": true}\\n\')',
    ])
    package, _ = write_candidate(tmp_path, request, on_add=on_add)
    instances = SUM.instances() + PRODUCT.instances()
    outcomes = run_isolated(package, instances, search_path=tmp_path)
    first = outcomes[instances[0].key]
    assert first.problem is None
    assert first.result == SUM_RESULT
    assert "learner says hello" in first.printed
    assert '"out": 99.0' in first.printed
    second = outcomes[instances[1].key]
    assert second.result == PRODUCT_RESULT
    assert second.printed == ""  # __mul__ prints nothing; the first case's prints stay with it


def _is_running(pid: int) -> bool:
    """Whether pid names a live (not zombie) process, read from /proc."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = stat.rpartition(")")[2].split()[0]
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_timeout_kills_the_processes_the_learners_code_started(
        tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The whole process group goes: a subprocess left behind by a hanging case does not outlive it."""
    pid_file = tmp_path / "sleep.pid"
    on_add = "\n".join([
        'sleeper = subprocess.Popen(["sleep", "60"])',
        f"with open({str(pid_file)!r}, 'w') as f:",
        "    f.write(str(sleeper.pid))",
        "while True:",
        "    pass",
    ])
    package, _ = write_candidate(tmp_path, request, on_add=on_add)
    hanging = dataclasses.replace(SUM, timeout=1.0).instances()[0]
    outcomes = run_isolated(package, [hanging], search_path=tmp_path)
    problem = outcomes[hanging.key].problem
    assert problem is not None and problem.kind == "timed out"
    assert pid_file.exists(), "the learner's code never started its subprocess"
    pid = int(pid_file.read_text())
    deadline = time.monotonic() + 5.0
    while _is_running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    still_running = _is_running(pid)
    if still_running:  # clean up after a failure, by the one pid this test caused
        os.kill(pid, signal.SIGKILL)
    assert not still_running, f"sleep (pid {pid}) outlived the timed-out case"


# --- What the parent makes of the child's lines ---------------------------------------------------


def test_an_outcome_from_the_child_is_checked_field_by_field() -> None:
    """A 4001-digit seed, a graph whose operands point forward, a huge message: each is dropped or cut."""
    from kata.core.outcome import MESSAGE_LIMIT, Outcome

    outcome = Outcome.from_json({"result": {"out": 1.0}, "seed": int("9" * 4001),
                                 "graph": [["+", "x", 1.0, 1.0, [1]], ["", "y", 2.0, 0.0, []]],
                                 "problem": {"kind": "raised", "message": "m" * 10**6, "where": 7}})
    assert outcome.seed == 1.0 and outcome.graph is None
    assert outcome.problem is not None and len(outcome.problem.message) == MESSAGE_LIMIT
    assert outcome.problem.where == ""
    good = [["", "x", 1.0, 2.0, []], ["tanh", "y", 0.5, 1.0, [0]]]
    assert Outcome.from_json({"graph": good}).graph == [TracedNode("", "x", 1.0, 2.0, ()),
                                                        TracedNode("tanh", "y", 0.5, 1.0, (0,))]
    for bad_node in (["", "x", float("nan"), 0.0, []], ["", "x", 10**400, 0.0, []], ["", "x" * 10**4, 1.0, 0.0, []]):
        assert Outcome.from_json({"graph": [bad_node]}).graph is None


@pytest.mark.parametrize("kind", ["timed out", "crashed", "flooded", "not run", "missing", "passed"])
def test_a_child_cannot_claim_an_outcome_the_parent_owns(kind: str) -> None:
    from kata.core.outcome import Outcome

    with pytest.raises(ValueError):
        Outcome.from_json({"problem": {"kind": kind, "message": "forged", "where": "x" * 300_000}})


def test_the_childs_own_early_stop_is_a_time_out_with_a_short_place() -> None:
    from kata.core.outcome import STOPPED_EARLY, WHERE_LIMIT, Outcome

    outcome = Outcome.from_json({"problem": {"kind": "stopped early", "message": "anything", "where": "w" * 300_000}})
    assert outcome.problem is not None
    assert (outcome.problem.kind, outcome.problem.message) == ("timed out", STOPPED_EARLY)
    assert len(outcome.problem.where) == WHERE_LIMIT


def test_a_child_that_stops_reading_cannot_block_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request to a child that never reads its stdin fails after WRITE_SECONDS instead of waiting forever."""
    import sys

    from kata.core import runner

    monkeypatch.setattr(runner, "WRITE_SECONDS", 1.0)
    code = "import sys, time\nprint('{\"ready\": true}', flush=True)\ntime.sleep(60)"
    command = runner.ChildCommand([sys.executable, "-c", code], Path.cwd())
    child = runner._Child(command, {})
    started = time.monotonic()
    try:
        with pytest.raises(OSError):
            child._write({"padding": "x" * 4_000_000})
    finally:
        child.kill()
    assert time.monotonic() - started < 10


def test_a_deeply_nested_line_is_skipped_like_any_other_noise() -> None:
    """100,000 brackets make json.loads raise RecursionError: the line is skipped, the result still read."""
    import queue

    from kata.core import runner

    lines: queue.Queue[str | None] = queue.Queue()
    lines.put("[" * 100_000 + "\n")
    lines.put('{"key": "k", "result": {"out": 1.0}}\n')
    assert runner._wait_for(lines, lambda m: m.get("key") == "k", 5.0) == {"key": "k", "result": {"out": 1.0}}
