"""Graded cases as data: a scenario builds something with an implementation and returns numbers.

A suite in tests/ declares its scenarios with @graded. The same scenario then
runs on the learner's code and on the PyTorch oracle, and compare.py judges
the two results: in pytest, in make check and in the grader alike.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
import textwrap
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Union

# What a scenario returns: named numbers, lists of numbers, or strings (error names).
ResultValue = Union[float, str, list[float]]
Result = dict[str, ResultValue]
Scenario = Callable[..., Result]


class CompareMode(str, Enum):
    """How a case's numbers are judged against the oracle's."""

    CLOSE = "close"  # each number within the case's tolerances
    ORDER = "order"  # a topological order: any order the oracle's edges allow


@dataclass(frozen=True)
class Case:
    exercise: str
    name: str
    scenario: Scenario
    seeds: tuple[int, ...]  # () for a fixed scenario; else one graded instance a seed
    rel_tol: float
    abs_tol: float
    timeout: float  # seconds of wall-clock time for one instance
    compare: CompareMode
    # Result names whose expected numbers the kata's reference decides, not PyTorch (counts, flags).
    kata_keys: tuple[str, ...] = ()
    # For a long list result, what each element is ("layer 0, neuron 1, w2"), to name those that differ.
    places: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    # Misconceptions that show in this case's results, each a function of (yours, expected).
    misconceptions: tuple[Callable[[Result, Result], str], ...] = ()
    # A milestone trains a network end to end: make check runs it once the exercise's other cases pass.
    milestone: bool = False

    @property
    def title(self) -> str:
        return self.name.removeprefix("test_").replace("_", " ")

    @property
    def hidden(self) -> bool:
        """Cases in tests/hidden/ are graded but left out of the student copy."""
        return self.scenario.__module__.startswith("tests.hidden.")

    @property
    def math(self) -> str:
        return inspect.getdoc(self.scenario) or ""

    @property
    def source(self) -> str:
        """The scenario's body as a learner reads it: no decorator, signature or docstring;
        then the suite's own helpers that it names (such as _mlp_case), whole."""
        source = textwrap.dedent(inspect.getsource(self.scenario))
        function = ast.parse(source).body[0]
        assert isinstance(function, ast.FunctionDef)
        body = function.body[1:] if ast.get_docstring(function) else function.body
        lines = source.splitlines()[body[0].lineno - 1 : body[-1].end_lineno]
        shown = textwrap.dedent("\n".join(lines))
        suite = inspect.getmodule(self.scenario)
        named = dict.fromkeys(node.id for statement in body for node in ast.walk(statement)
                              if isinstance(node, ast.Name))
        for name in named:
            helper = getattr(suite, name, None)
            if name.startswith("_") and inspect.isfunction(helper):
                shown += "\n\nwhere:\n" + textwrap.dedent(inspect.getsource(helper)).rstrip()
        return shown

    def instances(self) -> list[Instance]:
        if not self.seeds:
            return [Instance(self, None)]
        return [Instance(self, seed) for seed in self.seeds]


@dataclass(frozen=True)
class Instance:
    """One graded run of a case: the case itself, or one seed of a random case."""

    case: Case
    seed: Optional[int]

    @property
    def key(self) -> str:
        suffix = "" if self.seed is None else f"[seed={self.seed}]"
        return f"{self.case.exercise}::{self.case.name}{suffix}"

    def build(self, impl: Any) -> Result:
        if self.seed is None:
            return self.case.scenario(impl)
        return self.case.scenario(impl, self.seed)


_REGISTRY: dict[str, dict[str, Case]] = {}


def graded(
    *,
    seeds: tuple[int, ...] = (),
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
    timeout: float = 10.0,
    compare: CompareMode = CompareMode.CLOSE,
    kata_keys: tuple[str, ...] = (),
    places: Optional[Mapping[str, tuple[str, ...]]] = None,
    misconceptions: tuple[Callable[[Result, Result], str], ...] = (),
    milestone: bool = False,
) -> Callable[[Scenario], Callable[..., None]]:
    """Register a scenario of the suite tests/test_<exercise>.py as a graded case.

    What stays in the module is a pytest test of the same name that runs the
    scenario on the candidate and on the oracle and fails unless they agree.
    """

    def register(scenario: Scenario) -> Callable[..., None]:
        exercise = scenario.__module__.rpartition(".test_")[2]
        case = Case(exercise, scenario.__name__, scenario, seeds, rel_tol, abs_tol, timeout, compare,
                    kata_keys, dict(places or {}), misconceptions, milestone)
        _REGISTRY.setdefault(exercise, {})[case.name] = case

        def test(candidate: Any, seed: Optional[int]) -> None:
            from kata.core.compare import judge  # here, so that declaring cases stays light
            from kata.core.outcome import oracle_outcome, run_in_process

            instance = Instance(case, seed)
            verdict = judge(instance, run_in_process(instance, candidate), oracle_outcome(instance))
            if not verdict.passed:
                raise AssertionError(verdict.explain())

        test.__name__ = test.__qualname__ = scenario.__name__
        test.__doc__ = scenario.__doc__
        test.__module__ = scenario.__module__
        test.case = case  # type: ignore[attr-defined]
        return test

    return register


def cases_of(exercise: str) -> list[Case]:
    """The graded cases of one exercise, in the order its suite declares them; hidden ones last."""
    importlib.import_module(f"tests.test_{exercise}")
    tests = Path(importlib.import_module("tests").__file__ or "").parent
    hidden = f"tests.hidden.test_{exercise}"
    if hidden not in sys.modules and (tests / "hidden" / f"test_{exercise}.py").exists():  # the student copy has none
        importlib.invalidate_caches()  # the grader adds the hidden suites once the visible cases ran
        importlib.import_module(hidden)
    # Stable sort: whichever suite was imported first, the visible cases come first.
    return sorted(_REGISTRY.get(exercise, {}).values(), key=lambda case: case.hidden)
