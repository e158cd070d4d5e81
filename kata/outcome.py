"""Running one graded instance on an implementation, and what came of it, as plain data."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional

from .cases import Instance, Result
from .graph import nodes_in_order
from .implementation import Implementation
from .scenario_tools import TRACED

PRINTED_LIMIT = 2000  # characters of the learner's own prints kept for a report
GRAPH_LIMIT = 200  # nodes: a larger traced graph is not shown node by node

# A traced graph, node by node in topological order: [op, label, data, grad, operand indices].
GraphNode = list[Any]


@dataclass(frozen=True)
class Problem:
    kind: str  # "raised", "timed out", "crashed", "bad result"
    message: str
    where: str = ""  # the line of the learner's own file that raised, if any


@dataclass(frozen=True)
class Outcome:
    result: Optional[Result] = None
    problem: Optional[Problem] = None
    printed: str = ""
    graph: Optional[list[GraphNode]] = None  # the last traced graph, for the diagnosis
    seed: float = 1.0  # the grad its root was seeded with

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_json(data: Any) -> Outcome:
        """Rebuild an outcome from untrusted JSON; the result is validated later, by compare."""
        if not isinstance(data, dict):
            raise ValueError("an outcome must be a JSON object")
        problem = data.get("problem")
        if problem is not None and not isinstance(problem, dict):
            raise ValueError("an outcome's problem must be a JSON object")
        return Outcome(
            result=data.get("result"),
            problem=None if problem is None else Problem(
                str(problem.get("kind", "")), str(problem.get("message", "")),
                str(problem.get("where", "")),
            ),
            printed=str(data.get("printed", ""))[:PRINTED_LIMIT],
            graph=data.get("graph") if isinstance(data.get("graph"), list) else None,
            seed=float(data["seed"]) if type(data.get("seed")) in (int, float) else 1.0,
        )


def run_in_process(instance: Instance, impl: Any) -> Outcome:
    """Run the scenario here and now; any exception becomes a Problem, never escapes."""
    printed = io.StringIO()
    TRACED.clear()
    try:
        with contextlib.redirect_stdout(printed):
            result = instance.build(impl)
    except (Exception, SystemExit) as error:  # SystemExit too: a stray exit() is the learner's bug
        problem = Problem("raised", _one_line(error), learner_line(error, impl))
        return Outcome(problem=problem, printed=printed.getvalue()[:PRINTED_LIMIT])
    graph, seed = _traced_graph()
    return Outcome(result=result, printed=printed.getvalue()[:PRINTED_LIMIT], graph=graph, seed=seed)


def _traced_graph() -> tuple[Optional[list[GraphNode]], float]:
    """The last traced graph as plain data, or None if there is none or it cannot be walked."""
    if not TRACED:
        return None, 1.0
    root, seed = TRACED[-1]
    TRACED.clear()
    try:
        nodes = nodes_in_order(root)
        if len(nodes) > GRAPH_LIMIT:
            return None, seed
        index = {id(node): i for i, node in enumerate(nodes)}
        graph = [[str(node._op), str(node.label), float(node.data), float(node.grad),
                  [index[id(child)] for child in node._prev]] for node in nodes]
    except Exception:  # a learner's half-built Value: no diagnosis, but no crash either
        return None, seed
    return graph, seed


@functools.cache
def oracle_outcome(instance: Instance) -> Outcome:
    """What PyTorch makes of the instance: computed once per process, shared by every judge."""
    return run_in_process(instance, Implementation("kata.oracle"))


def _one_line(error: BaseException) -> str:
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def learner_line(error: BaseException, impl: Any) -> str:
    """Where in the implementation's own files error was raised: the innermost such frame."""
    try:  # find, not import: a package with a syntax error does not import
        spec = importlib.util.find_spec(impl.package)
    except (ImportError, ValueError):
        return ""
    if spec is None or spec.origin is None:
        return ""
    home = Path(spec.origin).resolve().parent
    if isinstance(error, SyntaxError) and error.filename:
        # A syntax error has no frame in the file, only the file's name and line.
        path = Path(error.filename).resolve()
        if path.is_relative_to(home):
            return f"{path.relative_to(home.parent)}, line {error.lineno}: {(error.text or '').strip()}"
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(home):
            shown = path.relative_to(home.parent)
            return f"{shown}, line {frame.lineno}, in {frame.name}: {(frame.line or '').strip()}"
    return ""
