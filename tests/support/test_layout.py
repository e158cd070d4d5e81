"""The repository's shape: exercises and solutions mirror each other, and stay apart."""

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from kata.core.cases import cases_of
from kata.core.curriculum import EXERCISES

ROOT = Path(__file__).resolve().parents[2]


def public_api(module: ModuleType) -> dict[str, Any]:
    """Name -> signature of every public function, class and method defined in the module."""
    api: dict[str, Any] = {}
    for name, obj in vars(module).items():
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj) and not name.startswith("_"):
            api[name] = str(inspect.signature(obj))
        elif inspect.isclass(obj):
            api[name] = [base.__name__ for base in obj.__bases__]
            for member, value in vars(obj).items():
                if inspect.isfunction(value) and (not member.startswith("_") or member.endswith("__")):
                    api[f"{name}.{member}"] = str(inspect.signature(value))
    return api


def test_exercises_and_solutions_mirror_each_other_file_for_file() -> None:
    """The same .py files in both, one per exercise and nothing else."""
    names = {f"{e.name}.py" for e in EXERCISES} | {"__init__.py"}
    for folder in ("exercises", "solutions"):
        assert {p.name for p in (ROOT / folder).glob("*.py")} == names, folder


@pytest.mark.parametrize("name", [e.name for e in EXERCISES])
def test_stub_and_solution_have_the_same_public_signatures(name: str) -> None:
    """A learner who fills in the stub ends up with the solution's API, to the annotation."""
    stub = public_api(importlib.import_module(f"exercises.{name}"))
    solution = public_api(importlib.import_module(f"solutions.{name}"))
    assert stub == solution


@pytest.mark.parametrize("path", sorted((ROOT / "exercises").glob("*.py")), ids=lambda p: p.name)
def test_exercises_never_import_solutions(path: Path) -> None:
    """Not even by accident: the exercises must work, or fail, on their own."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
        else:
            continue
        assert not any(m.split(".")[0] == "solutions" for m in modules), ast.unparse(node)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_every_exercise_has_a_suite_of_graded_cases(exercise: Any) -> None:
    """tests/test_<name>.py declares the exercise's cases, each with the math in its docstring."""
    cases = cases_of(exercise.name)
    assert len(cases) >= 5
    assert all(case.math for case in cases)
