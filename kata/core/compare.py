"""Judging a candidate's outcome against the oracle's: the one place where numbers are compared."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Optional

from kata.core.cases import Case, CompareMode, Instance, Result, ResultValue
from kata.core.cause import RSUB
from kata.core.graph import TracedNode
from kata.core.outcome import Outcome, Problem, ProblemKind

LIST_SHOWN = 6  # a longer list is summed up: how many differ, and the first few
DIFFERING_SHOWN = 3


class BadResult(ValueError):
    """A scenario returned something other than named finite numbers, lists of them, or strings."""


RESULT_LIMIT = 10_000  # numbers in a result: a hundred times any case's, and few enough to keep
NAME_LIMIT = 200  # characters of a result's name, or of a string it holds (an error's name)


def validate(raw: object) -> Result:
    """A fresh copy of raw made only of plain str, float and list; anything else is refused.

    Exact type checks, not isinstance: a float subclass or an object whose
    __eq__ always says True must not pass for a number.
    """
    if type(raw) is not dict:
        raise BadResult(f"the scenario returned {type(raw).__name__}, not a dict of numbers")
    if len(raw) > RESULT_LIMIT or sum(len(v) for v in raw.values() if type(v) is list) > RESULT_LIMIT:
        raise BadResult(f"the scenario returned more than {RESULT_LIMIT} numbers, far more than any case has")
    result: Result = {}
    for key, value in raw.items():
        if type(key) is not str:
            raise BadResult(f"a result name must be a string, not {type(key).__name__}")
        if len(key) > NAME_LIMIT:
            raise BadResult(f"a result name must be at most {NAME_LIMIT} characters, not {len(key)}")
        if type(value) is str:
            result[key] = value[:NAME_LIMIT]
        elif type(value) is list:
            result[key] = [_number(f"{key}[{i}]", item) for i, item in enumerate(value)]
        else:
            result[key] = _number(key, value)
    return result


def _number(name: str, value: object) -> float:
    if type(value) not in (int, float):
        raise BadResult(f"{name} is a {type(value).__name__}, not a float")
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        raise BadResult(f"{name} is an int too large for a float") from None
    if not math.isfinite(number):
        raise BadResult(f"{name} is {number}, not a finite number")
    return number


@dataclass(frozen=True)
class Row:
    """One number (or string) side by side: the candidate's and the oracle's."""

    name: str
    yours: str
    expected: str
    ok: bool
    negated: bool = False  # wrong, but exactly minus the expected value
    by_pytorch: bool = True  # False for what the kata's reference decides: error names, counts, flags
    details: tuple[str, ...] = ()  # for a long list: the first elements that differ, one a line


@dataclass(frozen=True)
class Verdict:
    instance: Instance
    passed: bool
    problem: Optional[Problem] = None
    rows: list[Row] = field(default_factory=list)
    printed: str = ""
    graph: Optional[list[TracedNode]] = None  # the candidate's traced graph, for the diagnosis
    seed: float = 1.0
    reference_graph: Optional[list[TracedNode]] = None  # the oracle's: PyTorch's numbers node by node
    cause: str = ""  # a misconception the case recognised in the results, or ""
    numerical: Optional[list[float]] = None  # the graph's leaf grads by the learner's exercise 0

    @property
    def waiting(self) -> bool:
        """Not run, so neither right nor wrong yet (after a timeout, or a milestone's wait)."""
        return self.problem is not None and self.problem.kind is ProblemKind.NOT_RUN

    def explain(self) -> str:
        lines = [f"{self.instance.key}: {self.instance.case.math}"]
        if self.problem:
            lines.append(f"{self.problem.kind.value}: {self.problem.message}")
            if self.problem.where:
                lines.append(f"  at {self.problem.where}")
        lines += [f"{'ok' if r.ok else 'WRONG':5} {r.name}: yours {r.yours}, PyTorch {r.expected}"
                  for r in self.rows]
        return "\n".join(lines)


def judge(instance: Instance, candidate: Outcome, oracle: Outcome) -> Verdict:
    if oracle.problem or oracle.result is None:
        raise RuntimeError(f"the oracle failed on {instance.key}: {oracle.problem}")
    expected = validate(oracle.result)
    if candidate.problem:
        return Verdict(instance, False, candidate.problem, printed=candidate.printed)
    try:
        yours = validate(candidate.result)
    except BadResult as error:
        return Verdict(instance, False, Problem(ProblemKind.BAD_RESULT, str(error)), printed=candidate.printed)
    case = instance.case
    if case.compare is CompareMode.ORDER:
        rows = _compare_order(yours, expected)
    else:
        rows = [_compare_value(name, yours.get(name), want, case)
                for name, want in expected.items()]
    passed = all(row.ok for row in rows)
    cause = "" if passed else next(
        (named for recognise in case.misconceptions if (named := recognise(yours, expected))),
        _signs_flipped(rows) if _NUMBER_MINUS_VALUE.search(case.source) else "")
    return Verdict(instance, passed, rows=rows, printed=candidate.printed, graph=candidate.graph,
                   seed=candidate.seed, reference_graph=oracle.graph, cause=cause,
                   numerical=candidate.numerical)


# A number left of a minus in a case's code ("1 - x"): where __rsub__ runs, and so can be to blame.
_NUMBER_MINUS_VALUE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s*-\s*[A-Za-z_(]")


def _signs_flipped(rows: list[Row]) -> str:
    """Every wrong number is exactly minus the right one: the classic __rsub__ slip."""
    wrong = [row for row in rows if not row.ok]
    if wrong and all(row.negated for row in wrong):
        return RSUB.because("every wrong number has the right size but the wrong sign.")
    return ""


def _compare_value(name: str, got: Optional[ResultValue], want: ResultValue, case: Case) -> Row:
    rel_tol, abs_tol = case.rel_tol, case.abs_tol
    ok = _agree(got, want, rel_tol, abs_tol)
    negated = not ok and got is not None and _agree(_negative(got), want, rel_tol, abs_tol)
    by_pytorch = not isinstance(want, str) and name not in case.kata_keys
    if (isinstance(want, list) and isinstance(got, list) and len(got) == len(want)
            and len(want) > LIST_SHOWN):
        differ = [i for i, (g, w) in enumerate(zip(got, want))
                  if not math.isclose(g, w, rel_tol=rel_tol, abs_tol=abs_tol)]
        places = case.places.get(name, ())
        source = "PyTorch" if by_pytorch else "expected"
        details = tuple(
            f"[{i}]{' ' + places[i] if i < len(places) else ''}: yours {got[i]:.10g}, "
            f"{source} {want[i]:.10g}" for i in differ[:DIFFERING_SHOWN])
        if len(differ) > DIFFERING_SHOWN:
            details += (f"... and {len(differ) - DIFFERING_SHOWN} more",)
        yours = f"{len(differ)} of {len(want)} differ" if differ else f"{len(got)} numbers, all agree"
        return Row(name, yours, f"{len(want)} numbers", ok, negated, by_pytorch, details)
    return Row(name, _show(got), _show(want), ok, negated, by_pytorch)


def _negative(value: ResultValue) -> ResultValue:
    if isinstance(value, float):
        return -value
    if isinstance(value, list):
        return [-v for v in value]
    return value


def _agree(got: Optional[ResultValue], want: ResultValue, rel_tol: float, abs_tol: float) -> bool:
    if isinstance(want, float):
        return isinstance(got, float) and math.isclose(got, want, rel_tol=rel_tol, abs_tol=abs_tol)
    if isinstance(want, list):
        return (isinstance(got, list) and len(got) == len(want)
                and all(math.isclose(g, w, rel_tol=rel_tol, abs_tol=abs_tol)
                        for g, w in zip(got, want)))
    return got == want


def _compare_order(yours: Result, expected: Result) -> list[Row]:
    """yours["order"] must list the oracle's nodes, each after every node it uses.

    The oracle also returns "edges", [user, used] pairs of node numbers, which
    the candidate's own claims cannot change.
    """
    want = expected["order"]
    edges = expected["edges"]
    got = yours.get("order")
    assert isinstance(want, list) and isinstance(edges, list)
    if not isinstance(got, list) or sorted(got) != sorted(want):
        return [Row("order", _show(got), f"each of the nodes {sorted(want)} once", False)]
    position = {node: i for i, node in enumerate(got)}
    late = [(user, used) for user, used in zip(edges[::2], edges[1::2])
            if position[used] > position[user]]
    if late:
        user, used = late[0]
        return [Row("order", _show(got), f"node {used:g} before node {user:g}, which uses it", False)]
    return [Row("order", _show(got), "a valid topological order", True)]


def _show(value: Optional[ResultValue]) -> str:
    if value is None:
        return "(missing)"
    if isinstance(value, list):
        return "[" + ", ".join(f"{v:.10g}" for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.12g}"
    return repr(value)
