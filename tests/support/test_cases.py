"""kata.core.cases, and the helpers that scenarios lean on: scenario_tools.moons and graph.nodes_in_order."""

import ast
import functools
import inspect
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import pytest

from kata.core.cases import Case, CompareMode, Instance, Result, Scenario, cases_of
from kata.core.curriculum import EXERCISES
from kata.core.graph import nodes_in_order
from kata.core.scenario_tools import moons
from kata.repository import ROOT

P = ParamSpec("P")
R = TypeVar("R")


def _passthrough(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        return function(*args, **kwargs)
    return wrapper


@_passthrough
def _scenario_with_everything(
    impl: Any,
    seed: int,
) -> Result:
    """A docstring
    over two lines."""
    total = 0
    for i in range(3):
        total += i
    return {"total": float(total)}


def _scenario_without_docstring(impl: Any) -> Result:
    return {"x": 1.0}


def _case(scenario: Scenario, name: str = "test_two_words", seeds: tuple[int, ...] = ()) -> Case:
    return Case("value", name, scenario, seeds, 1e-9, 1e-12, 10.0, CompareMode.CLOSE)


def test_source_is_the_body_without_decorator_signature_or_docstring() -> None:
    """Case.source is what the learner needs to read: the statements, dedented, nesting kept."""
    source = _case(inspect.unwrap(_scenario_with_everything)).source
    assert source == "total = 0\nfor i in range(3):\n    total += i\nreturn {\"total\": float(total)}"


def test_source_of_a_scenario_without_docstring_starts_at_its_first_statement() -> None:
    """No docstring to skip: the first line of the body is kept."""
    assert _case(_scenario_without_docstring).source == 'return {"x": 1.0}'


def test_source_of_a_real_graded_case_drops_its_graded_decorator() -> None:
    """The suites' @graded scenarios show neither decorator nor def nor docstring."""
    for case in cases_of("value"):
        source = case.source
        assert "@graded" not in source and "def test_" not in source, case.name
        assert case.math and case.math.splitlines()[0] not in source, case.name
        assert source == source.strip("\n") and not source[0].isspace(), case.name


def test_math_is_the_docstring() -> None:
    """Case.math is the scenario's docstring, cleaned; empty without one."""
    assert _case(inspect.unwrap(_scenario_with_everything)).math == "A docstring\nover two lines."
    assert _case(_scenario_without_docstring).math == ""


def test_title_drops_the_test_prefix_and_underscores() -> None:
    """test_sum_of_two_values reads as 'sum of two values'."""
    assert _case(_scenario_without_docstring, "test_sum_of_two_values").title == "sum of two values"
    assert _case(_scenario_without_docstring, "test_a_test_inside").title == "a test inside"


def test_instance_key_names_exercise_and_case_and_the_seed_if_any() -> None:
    """Keys are 'exercise::name', with '[seed=N]' for a seeded instance."""
    case = _case(_scenario_without_docstring, "test_thing")
    assert Instance(case, None).key == "value::test_thing"
    assert Instance(case, 3).key == "value::test_thing[seed=3]"
    assert Instance(case, 0).key == "value::test_thing[seed=0]"


def test_instances_are_one_per_seed_or_one_for_a_fixed_case() -> None:
    """A fixed case has one unseeded instance; a random case one instance per seed, in order."""
    assert _case(_scenario_without_docstring).instances() == [
        Instance(_case(_scenario_without_docstring), None)]
    seeded = _case(_scenario_with_everything, seeds=(5, 1, 9))
    assert [i.seed for i in seeded.instances()] == [5, 1, 9]


def test_build_passes_the_seed_only_to_a_seeded_instance() -> None:
    """Instance.build calls scenario(impl) or scenario(impl, seed)."""
    calls: list[tuple[Any, tuple[int, ...]]] = []

    def scenario(impl: Any, *seed: int) -> Result:
        calls.append((impl, seed))
        return {}

    case = _case(scenario)
    Instance(case, None).build("impl")
    Instance(case, 4).build("impl")
    assert calls == [("impl", ()), ("impl", (4,))]


def _declared_case_names(exercise: str) -> list[str]:
    """The @graded functions of tests/test_<exercise>.py, in file order, then those of tests/hidden/."""
    suites = [ROOT / "tests" / f"test_{exercise}.py", ROOT / "tests" / "hidden" / f"test_{exercise}.py"]
    body = [node for suite in suites if suite.exists() for node in ast.parse(suite.read_text()).body]
    names: list[str] = []
    for node in body:
        if isinstance(node, ast.FunctionDef):
            decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
            if any(isinstance(d, ast.Name) and d.id == "graded" for d in decorators):
                names.append(node.name)
    return names


@pytest.mark.parametrize("exercise", [e.name for e in EXERCISES])
def test_cases_of_returns_the_cases_in_declaration_order(exercise: str) -> None:
    """cases_of lists every graded scenario of the suite, in the file's order, for that exercise."""
    cases = cases_of(exercise)
    assert [case.name for case in cases] == _declared_case_names(exercise)
    assert all(case.exercise == exercise for case in cases)


def test_cases_of_is_stable_when_called_again() -> None:
    """Asking twice gives the same cases, not duplicates."""
    assert cases_of("value") == cases_of("value")


@pytest.mark.parametrize("exercise", [e.name for e in EXERCISES])
def test_every_exercise_has_at_least_five_cases(exercise: str) -> None:
    """Points are shared by cases, so each exercise needs enough of them to grade fairly."""
    assert len(cases_of(exercise)) >= 5


def test_the_points_of_the_curriculum_add_up_to_100() -> None:
    """Exercise points are out of 100 for the whole kata, and numbered 0, 1, 2, ... in order."""
    assert sum(e.points for e in EXERCISES if not e.bonus) == 100  # the bonus track is apart
    assert [e.number for e in EXERCISES] == list(range(len(EXERCISES)))


@pytest.mark.parametrize("n", [2, 10, 100])
def test_moons_gives_n_points_with_labels_plus_and_minus_one_in_equal_numbers(n: int) -> None:
    """n points in the plane, half labelled -1 and half +1."""
    xs, ys = moons(n, 0.1, seed=0)
    assert len(xs) == len(ys) == n
    assert all(len(x) == 2 and all(type(c) is float for c in x) for x in xs)
    assert sorted(set(ys)) == [-1.0, 1.0]
    assert ys.count(-1.0) == ys.count(1.0) == n // 2


def test_moons_is_reproducible_by_seed() -> None:
    """The same seed gives the same points; another seed, other points."""
    assert moons(20, 0.1, seed=3) == moons(20, 0.1, seed=3)
    assert moons(20, 0.1, seed=3)[0] != moons(20, 0.1, seed=4)[0]
    assert moons(20, 0.1, seed=3)[1] == moons(20, 0.1, seed=4)[1]


def test_moons_without_noise_lies_on_the_two_half_circles() -> None:
    """With noise 0, label -1 points lie on the unit circle's top half, +1 on the shifted bottom one."""
    xs, ys = moons(20, 0.0, seed=0)
    for (x, y), label in zip(xs, ys):
        cx, cy = (0.0, 0.0) if label == -1.0 else (1.0, 0.5)
        assert abs((x - cx) ** 2 + (y - cy) ** 2 - 1.0) < 1e-12
        assert (y >= -1e-12) if label == -1.0 else (y <= 0.5 + 1e-12)


class _Node:
    def __init__(self, *prev: "_Node") -> None:
        self._prev = prev


def test_nodes_in_order_lists_each_node_once_after_its_operands() -> None:
    """A diamond with a shared leaf: every node once, operands first, root last."""
    a, e = _Node(), _Node()
    b = _Node(a, a)
    c = _Node(a, e)
    d = _Node(b, c)
    order = nodes_in_order(d)
    assert len(order) == 5 and set(map(id, order)) == {id(n) for n in (a, e, b, c, d)}
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        assert all(position[id(used)] < position[id(node)] for used in node._prev)
    assert order[-1] is d


def test_nodes_in_order_walks_a_chain_of_200000_nodes_without_recursion() -> None:
    """A chain far deeper than the recursion limit comes back whole, leaf first, root last."""
    assert sys.getrecursionlimit() < 200_000
    leaf = node = _Node()
    for _ in range(200_000 - 1):
        node = _Node(node)
    order = nodes_in_order(node)
    assert len(order) == 200_000
    assert order[0] is leaf and order[-1] is node
    assert order[1]._prev == (leaf,)


@pytest.mark.parametrize("seed", [3, 1, 2])
def test_the_two_moons_milestone_is_reached_by_pytorch(seed: int) -> None:
    """The case compares the learner's training with PyTorch's: PyTorch's must get 3 in 4 right, or a
    learner whose training matches it would pass without learning. The grader draws other seeds."""
    from kata.core.outcome import oracle_outcome  # PyTorch, for this test alone

    (case,) = [c for c in cases_of("train") if c.milestone]
    result = oracle_outcome(Instance(case, seed)).result
    assert result is not None and result["at least 75% right after"] == "yes"
    assert seed != 3 or result["share right before"] == 3 / 16  # as the docstring says
