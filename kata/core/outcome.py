"""Running one graded instance on an implementation, and what came of it, as plain data."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import math
import re
import traceback
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from types import FrameType
from typing import Any, Optional

from kata.core.cases import Instance, Result
from kata.core.graph import ContractError, TracedNode, nodes_in_order, numbers_only, traced
from kata.core.implementation import Implementation
from kata.core.scenario_tools import TRACED
from kata.core.steps import Call, calls_on, checked_calls, recording

PRINTED_LIMIT = 2000  # characters of the learner's own prints kept for a report
GRAPH_LIMIT = 200  # nodes: a larger traced graph is not shown node by node



class ProblemKind(str, Enum):
    """What kept a case from giving numbers to judge. A str, so that it travels as JSON unchanged."""

    RAISED = "raised"
    CONTRACT = "contract"  # the kata's contract broken: a _prev that is a set, say
    BAD_RESULT = "bad result"
    STOPPED_EARLY = "stopped early"  # the child's watchdog, on the wire only: the parent reads TIMED_OUT
    TIMED_OUT = "timed out"
    NOT_RUN = "not run"
    CRASHED = "crashed"
    FLOODED = "flooded"  # printed or sent far more than any case does
    MISSING = "missing"  # the submission has no file for the exercise


@dataclass(frozen=True)
class Problem:
    kind: ProblemKind
    message: str
    where: str = ""  # the line of the learner's own file that raised, if any


@dataclass(frozen=True)
class Outcome:
    result: Optional[Result] = None
    problem: Optional[Problem] = None
    printed: str = ""
    graph: Optional[list[TracedNode]] = None  # the last traced graph, for the diagnosis
    seed: float = 1.0  # the grad its root was seeded with
    # Its leaves' grads as the learner's own numerical_gradient (exercise 0) estimates them.
    numerical: Optional[list[float]] = None
    steps: Optional[list[Call]] = None  # each _backward call on the traced graph, when asked for (make step)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.graph is not None:  # each node as the list it travels as
            data["graph"] = [[n.op, n.label, n.data, n.grad, list(n.operands)] for n in self.graph]
        if self.steps is not None:
            data["steps"] = [[c.node, c.grad, list(c.operands), list(c.before), list(c.after),
                              None if c.local_grads is None else list(c.local_grads)] for c in self.steps]
        return data

    @staticmethod
    def from_json(data: Any) -> Outcome:
        """Rebuild an outcome from untrusted JSON: every field checked and capped, ValueError if it
        is not an outcome. The result is validated later, by compare."""
        if not isinstance(data, dict):
            raise ValueError("an outcome must be a JSON object")
        problem = data.get("problem")
        if problem is not None and not isinstance(problem, dict):
            raise ValueError("an outcome's problem must be a JSON object")
        graph = _graph(data.get("graph"))
        return Outcome(
            result=data.get("result"),
            problem=None if problem is None else _child_problem(problem),
            printed=_text(data.get("printed"), PRINTED_LIMIT),
            graph=graph,
            seed=_finite(data.get("seed")) or 1.0,
            numerical=_numbers(data.get("numerical")),
            steps=checked_calls(data.get("steps"), graph),
        )


MESSAGE_LIMIT, WHERE_LIMIT, NAME_LIMIT = 2000, 1000, 80  # characters kept of what the child says
# The kinds a child may report; the parent alone says a case timed out, crashed, flooded or did not run.
CHILD_KINDS = (ProblemKind.RAISED, ProblemKind.CONTRACT, ProblemKind.BAD_RESULT, ProblemKind.STOPPED_EARLY)
STOPPED_EARLY = "stopped early: it was running where earlier cases hung, an endless loop"


def _child_problem(problem: dict[str, Any]) -> Problem:
    kind = problem.get("kind")
    if kind not in CHILD_KINDS:
        raise ValueError(f"a problem of the kind {_text(kind, NAME_LIMIT)!r} is not the child's to report")
    where = _text(problem.get("where"), WHERE_LIMIT)
    if kind == ProblemKind.STOPPED_EARLY:  # the child's watchdog stopped an endless loop: a time-out here
        return Problem(ProblemKind.TIMED_OUT, STOPPED_EARLY, where)
    return Problem(ProblemKind(kind), _text(problem.get("message"), MESSAGE_LIMIT), where)


def _text(value: Any, limit: int) -> str:
    return value[:limit] if type(value) is str else ""


def _finite(value: Any) -> Optional[float]:
    """value as a float if it is a plain finite number (a 4000-digit int is not), else None."""
    if type(value) not in (int, float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _numbers(value: Any) -> Optional[list[float]]:
    """A list of plain finite numbers, or None: what the child sends is not trusted."""
    if type(value) is not list or len(value) > GRAPH_LIMIT:
        return None
    numbers = [_finite(v) for v in value]
    return None if None in numbers else numbers  # type: ignore[return-value]


def _graph(value: Any) -> Optional[list[TracedNode]]:
    """A traced graph as the diagnosis may read it: at most GRAPH_LIMIT nodes, each [op, label,
    data, grad, operands] with short strings, finite numbers and operands listed before it; else
    None. The ops stay the learner's own names: the diagnosis replays those it knows."""
    if type(value) is not list or not 0 < len(value) <= GRAPH_LIMIT:
        return None
    graph: list[TracedNode] = []
    for index, node in enumerate(value):
        if type(node) is not list or len(node) != 5:
            return None
        op, label, raw_data, raw_grad, operands = node
        data, grad = _finite(raw_data), _finite(raw_grad)
        if (type(op) is not str or len(op) > NAME_LIMIT or type(label) is not str
                or len(label) > NAME_LIMIT or data is None or grad is None or type(operands) is not list
                or len(operands) > GRAPH_LIMIT
                or not all(type(i) is int and 0 <= i < index for i in operands)):
            return None
        graph.append(TracedNode(op, label, data, grad, tuple(operands)))
    return graph


def run_in_process(instance: Instance, impl: Any, record_steps: bool = False) -> Outcome:
    """Run the scenario here and now; any exception becomes a Problem, never escapes.
    record_steps: also each _backward call on the traced graph (make step)."""
    printed = io.StringIO()
    TRACED.clear()
    with contextlib.ExitStack() as stack:
        raw = stack.enter_context(recording(impl.Value)) if record_steps and _has_value(impl) else None
        try:
            with contextlib.redirect_stdout(printed):
                result = instance.build(impl)
        except (Exception, SystemExit) as error:  # SystemExit too: a stray exit() is the learner's bug
            kind = ProblemKind.CONTRACT if isinstance(error, ContractError) else ProblemKind.RAISED
            message = str(error) if kind is ProblemKind.CONTRACT else one_line(error)
            problem = Problem(kind, message, _place(error, impl))
            return Outcome(problem=problem, printed=printed.getvalue()[:PRINTED_LIMIT])
    graph, seed, nodes = _traced_graph()
    steps = calls_on(raw, nodes) if raw is not None and graph is not None else None
    return Outcome(result=result, printed=printed.getvalue()[:PRINTED_LIMIT], graph=graph, seed=seed, steps=steps)


def _has_value(impl: Any) -> bool:
    try:
        return isinstance(impl.Value, type)
    except (Exception, SystemExit):  # not written yet, or its module does not import: the case says so
        return False


def _traced_graph() -> tuple[Optional[list[TracedNode]], float, list[Any]]:
    """The last traced graph as plain data, and its nodes; the graph is None if there is none, it
    cannot be walked, or a data or grad in it is not a number."""
    if not TRACED:
        return None, 1.0, []
    root, seed = TRACED[-1]
    TRACED.clear()
    try:
        nodes = nodes_in_order(root)
        if len(nodes) > GRAPH_LIMIT:
            return None, seed, []
        graph = traced(root)
    except Exception:  # a learner's half-built Value: no diagnosis, but no crash either
        return None, seed, []
    return (graph if numbers_only(graph) else None), seed, nodes


@functools.cache
def oracle_outcome(instance: Instance) -> Outcome:
    """What PyTorch makes of the instance: computed once per process, shared by every judge."""
    return run_in_process(instance, Implementation("kata.core.oracle"))


def one_line(error: BaseException) -> str:
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def package_home(impl: Any) -> Optional[Path]:
    """The folder of the implementation's package, found without importing it (it may not import)."""
    try:
        spec = importlib.util.find_spec(impl.package)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).resolve().parent


def learner_line(error: BaseException, impl: Any) -> str:
    """Where in the implementation's own files error was raised: the innermost such frame."""
    home = package_home(impl)
    if home is None:
        return ""
    if isinstance(error, SyntaxError) and error.filename:
        # A syntax error has no frame in the file, only the file's name and line.
        path = Path(error.filename).resolve()
        if path.is_relative_to(home):
            return f"{path.relative_to(home.parent)}, line {error.lineno}: {(error.text or '').strip()}"
    frames = traceback.extract_tb(error.__traceback__)
    return next((_shown(frame, home) for frame in reversed(frames) if _inside(frame, home)), "")


def learner_stack(frame: Optional[FrameType], impl: Any, depth: int = 3) -> str:
    """The innermost frames of a running stack that are in the implementation's files, one a line,
    innermost first."""
    home = package_home(impl)
    if home is None or frame is None:
        return ""
    frames = [f for f in traceback.extract_stack(frame) if _inside(f, home)][-depth:]
    return "\n".join(_shown(f, home) for f in reversed(frames))


def _inside(frame: traceback.FrameSummary, home: Path) -> bool:
    return Path(frame.filename).resolve().is_relative_to(home)


def _shown(frame: traceback.FrameSummary, home: Path) -> str:
    shown = Path(frame.filename).resolve().relative_to(home.parent)
    return f"{shown}, line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()}"


def _place(error: BaseException, impl: Any) -> str:
    """Where to look: the learner's own line; for a broken contract, where the learner sets that
    attribute; else the line of the case (in tests/) that ran into it, never a helper's frame."""
    home = package_home(impl)
    if isinstance(error, ContractError) and home is not None:
        pattern = re.compile(rf"\.{re.escape(error.attribute)}\s*(:[^=]*)?=[^=]")
        for path in sorted(home.glob("*.py")):
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if pattern.search(line):
                    return f"{path.relative_to(home.parent)}, line {number}: {line.strip()}"
    where = learner_line(error, impl)
    if where:
        return where
    suites = Path(__file__).resolve().parent.parent / "tests"
    case_frames = [f for f in traceback.extract_tb(error.__traceback__)
                   if Path(f.filename).resolve().is_relative_to(suites)]
    if case_frames:
        frame = case_frames[-1]
        return (f"the case's line {(frame.line or '').strip()!r} "
                f"({Path(frame.filename).name}, line {frame.lineno}), in the kata's code that it calls")
    return ""
