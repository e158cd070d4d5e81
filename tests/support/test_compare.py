"""kata.core.compare: what counts as a result, and when a candidate agrees with the oracle."""

import itertools
from collections.abc import Sequence
from typing import Any

import pytest

from kata.core.cases import Case, CompareMode, Instance, Result
from kata.core.compare import BadResult, judge, validate
from kata.core.outcome import Outcome, Problem, ProblemKind


def _scenario(impl: Any) -> Result:
    """A stand-in scenario: judge never runs it."""
    return {}


def _instance(compare: CompareMode = CompareMode.CLOSE, rel_tol: float = 1e-6, abs_tol: float = 1e-9) -> Instance:
    case = Case("value", "test_stand_in", _scenario, (), rel_tol, abs_tol, 10.0, compare)
    return Instance(case, None)


class _LyingFloat(float):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = float.__hash__


class _AgreesWithEverything:
    def __eq__(self, other: object) -> bool:
        return True


class _NumberLookingString(str):
    pass


# --- validate -------------------------------------------------------------------


def test_validate_returns_plain_floats_strings_and_lists() -> None:
    """Ints become floats; strings and lists of numbers come back with plain types."""
    result = validate({"n": 3, "x": 2.5, "error": "ZeroDivisionError", "xs": [1, -0.5]})
    assert result == {"n": 3.0, "x": 2.5, "error": "ZeroDivisionError", "xs": [1.0, -0.5]}
    assert type(result) is dict
    assert type(result["n"]) is float and type(result["x"]) is float
    assert type(result["error"]) is str
    assert type(result["xs"]) is list and all(type(v) is float for v in result["xs"])


def test_validate_returns_a_copy_that_later_changes_to_the_input_do_not_reach() -> None:
    """The result is a fresh dict and fresh lists, not the scenario's own objects."""
    raw: dict[str, Any] = {"xs": [1.0, 2.0]}
    result = validate(raw)
    raw["xs"].append(3.0)
    raw["extra"] = 1.0
    assert result == {"xs": [1.0, 2.0]}
    assert result is not raw and result["xs"] is not raw["xs"]


def test_validate_accepts_an_empty_result() -> None:
    """No names at all is a valid, if dull, result."""
    assert validate({}) == {}


@pytest.mark.parametrize("value", [
    pytest.param(_LyingFloat(1.0), id="float subclass whose == lies"),
    pytest.param(_AgreesWithEverything(), id="object equal to everything"),
    pytest.param(_NumberLookingString("1.0"), id="str subclass"),
    pytest.param(True, id="bool"),
    pytest.param(None, id="None"),
    pytest.param(float("nan"), id="nan"),
    pytest.param(float("inf"), id="inf"),
    pytest.param(float("-inf"), id="-inf"),
    pytest.param((1.0, 2.0), id="tuple"),
    pytest.param({"inner": 1.0}, id="dict"),
])
def test_validate_refuses_a_value_that_is_not_a_plain_finite_number_and_names_its_key(value: Any) -> None:
    """Anything but int, float, str or a list of numbers is a BadResult naming the key."""
    with pytest.raises(BadResult, match="a.grad"):
        validate({"out": 1.0, "a.grad": value})


@pytest.mark.parametrize("item", [
    pytest.param("2.0", id="str"),
    pytest.param(None, id="None"),
    pytest.param(False, id="bool"),
    pytest.param(float("nan"), id="nan"),
    pytest.param([2.0], id="nested list"),
    pytest.param(_LyingFloat(2.0), id="float subclass"),
])
def test_validate_refuses_a_list_holding_something_other_than_numbers(item: Any) -> None:
    """A list must hold finite int or float only; the message names the key and the position."""
    with pytest.raises(BadResult, match=r"grads\[1\]"):
        validate({"grads": [1.0, item, 3.0]})


def test_validate_refuses_a_list_subclass() -> None:
    """Only a plain list counts as a list of numbers."""
    class Numbers(list[float]):
        pass

    with pytest.raises(BadResult, match="grads"):
        validate({"grads": Numbers([1.0])})


@pytest.mark.parametrize("raw", [
    pytest.param([("out", 1.0)], id="list of pairs"),
    pytest.param(None, id="None"),
    pytest.param(1.0, id="a bare number"),
    pytest.param(type("Mapping", (dict,), {})(out=1.0), id="dict subclass"),
])
def test_validate_refuses_anything_but_a_plain_dict(raw: object) -> None:
    """The result as a whole must be a dict, exactly."""
    with pytest.raises(BadResult):
        validate(raw)


@pytest.mark.parametrize("key", [1, 1.5, None, ("a",)])
def test_validate_refuses_a_key_that_is_not_a_string(key: object) -> None:
    """Result names are strings."""
    with pytest.raises(BadResult, match="name must be a string"):
        validate({key: 1.0})


def test_bad_result_is_a_value_error() -> None:
    """Callers that catch ValueError also catch BadResult."""
    assert issubclass(BadResult, ValueError)


# --- judge: numbers ------------------------------------------------------------


ORACLE = Outcome(result={"out": 1.0, "grads": [0.5, -2.0], "error": "ZeroDivisionError"})


def test_judge_passes_a_candidate_that_agrees_within_tolerance() -> None:
    """Differences inside rel_tol count as agreement, for single numbers and lists alike."""
    candidate = Outcome(result={"out": 1.0 + 1e-8, "grads": [0.5, -2.0 * (1 + 1e-8)],
                                "error": "ZeroDivisionError"})
    verdict = judge(_instance(), candidate, ORACLE)
    assert verdict.passed
    assert verdict.problem is None
    assert [row.name for row in verdict.rows] == ["out", "grads", "error"]
    assert all(row.ok for row in verdict.rows)


def test_judge_accepts_an_int_where_the_oracle_has_a_float() -> None:
    """3 and 3.0 are the same number once validated."""
    verdict = judge(_instance(), Outcome(result={"out": 3}), Outcome(result={"out": 3.0}))
    assert verdict.passed


def test_judge_uses_abs_tol_near_zero() -> None:
    """Near zero the absolute tolerance decides: 1e-10 agrees with 0 when abs_tol is 1e-9."""
    oracle = Outcome(result={"grad": 0.0})
    assert judge(_instance(abs_tol=1e-9), Outcome(result={"grad": 1e-10}), oracle).passed
    assert not judge(_instance(abs_tol=1e-9), Outcome(result={"grad": 1e-8}), oracle).passed


def test_judge_fails_a_number_off_beyond_tolerance_and_marks_its_row() -> None:
    """One wrong number fails the verdict; its row is not ok, and shows both numbers."""
    candidate = Outcome(result={"out": 1.001, "grads": [0.5, -2.0], "error": "ZeroDivisionError"})
    verdict = judge(_instance(), candidate, ORACLE)
    assert not verdict.passed
    rows = {row.name: row for row in verdict.rows}
    assert not rows["out"].ok
    assert rows["out"].yours == "1.001" and rows["out"].expected == "1"
    assert rows["grads"].ok and rows["error"].ok


def test_judge_fails_a_list_with_one_wrong_item_or_a_different_length() -> None:
    """Lists agree item by item and must have the oracle's length."""
    oracle = Outcome(result={"grads": [0.5, -2.0]})
    for grads in ([0.5, -2.1], [0.5], [0.5, -2.0, 0.0]):
        verdict = judge(_instance(), Outcome(result={"grads": grads}), oracle)
        assert not verdict.passed, grads
        assert not verdict.rows[0].ok


def test_judge_fails_a_different_string() -> None:
    """An error name must match exactly."""
    verdict = judge(_instance(), Outcome(result={"error": "ValueError"}),
                    Outcome(result={"error": "ZeroDivisionError"}))
    assert not verdict.passed


def test_judge_fails_a_number_given_where_a_string_is_expected_and_back() -> None:
    """A number never agrees with a string, nor a list with a number."""
    assert not judge(_instance(), Outcome(result={"x": 1.0}), Outcome(result={"x": "1.0"})).passed
    assert not judge(_instance(), Outcome(result={"x": "1.0"}), Outcome(result={"x": 1.0})).passed
    assert not judge(_instance(), Outcome(result={"x": [1.0]}), Outcome(result={"x": 1.0})).passed


def test_judge_fails_a_missing_key_and_shows_it_missing() -> None:
    """A name the oracle returns but the candidate does not is a failing row."""
    candidate = Outcome(result={"out": 1.0, "error": "ZeroDivisionError"})
    verdict = judge(_instance(), candidate, ORACLE)
    assert not verdict.passed
    (row,) = [row for row in verdict.rows if row.name == "grads"]
    assert not row.ok
    assert row.yours == "(missing)"


def test_judge_fails_a_candidate_that_raised_and_carries_its_problem() -> None:
    """A candidate's problem becomes the verdict's problem, with what it printed."""
    problem = Problem(ProblemKind.RAISED, "ZeroDivisionError: float division by zero",
                      "exercises/value.py, line 12, in __truediv__: return a / b")
    verdict = judge(_instance(), Outcome(problem=problem, printed="hello\n"), ORACLE)
    assert not verdict.passed
    assert verdict.problem == problem
    assert verdict.printed == "hello\n"
    assert verdict.rows == []


def test_judge_turns_an_invalid_candidate_result_into_a_bad_result_problem() -> None:
    """A candidate returning a lying float fails with a 'bad result' problem instead of passing."""
    verdict = judge(_instance(), Outcome(result={"out": _LyingFloat(5.0)}), Outcome(result={"out": 1.0}))
    assert not verdict.passed
    assert verdict.problem is not None
    assert verdict.problem.kind == "bad result"
    assert "out" in verdict.problem.message


def test_judge_fails_a_candidate_with_neither_result_nor_problem() -> None:
    """An empty outcome is not a pass."""
    verdict = judge(_instance(), Outcome(), ORACLE)
    assert not verdict.passed


@pytest.mark.parametrize("oracle", [
    pytest.param(Outcome(problem=Problem(ProblemKind.RAISED, "RuntimeError: boom")), id="oracle raised"),
    pytest.param(Outcome(), id="oracle returned nothing"),
])
def test_judge_raises_when_the_oracle_fails(oracle: Outcome) -> None:
    """The oracle failing is the kata's bug, not the learner's: judge refuses to give a verdict."""
    with pytest.raises(RuntimeError, match="oracle"):
        judge(_instance(), Outcome(result={"out": 1.0}), oracle)


def test_verdict_explain_names_the_case_and_each_wrong_number() -> None:
    """Verdict.explain gives the instance key, and marks wrong rows with both numbers."""
    verdict = judge(_instance(), Outcome(result={"out": 2.0}), Outcome(result={"out": 1.0}))
    text = verdict.explain()
    assert "value::test_stand_in" in text
    assert "WRONG out: yours 2, PyTorch 1" in text


# --- judge: topological orders ---------------------------------------------------

# A diamond: node 2 uses 0, node 3 uses 0 and 1, node 4 uses 2 and 3.
DIAMOND_EDGES: list[float] = [2, 0, 3, 0, 3, 1, 4, 2, 4, 3]
DIAMOND = Outcome(result={"order": [0, 1, 2, 3, 4], "edges": DIAMOND_EDGES})


def _is_topological(order: Sequence[float]) -> bool:
    position = {node: i for i, node in enumerate(order)}
    pairs = zip(DIAMOND_EDGES[::2], DIAMOND_EDGES[1::2])
    return all(position[used] < position[user] for user, used in pairs)


def test_order_comparison_accepts_exactly_the_valid_topological_orders() -> None:
    """Of all 120 orders of the diamond's nodes, those listing each node after its operands pass."""
    accepted = 0
    for order in itertools.permutations(range(5)):
        verdict = judge(_instance(CompareMode.ORDER), Outcome(result={"order": list(order)}), DIAMOND)
        assert verdict.passed == _is_topological(order), order
        accepted += verdict.passed
    assert accepted == 5  # node 4 last; 0, 1, 2, 3 can precede it in five ways


def test_order_comparison_refuses_a_node_before_one_it_uses_and_says_which() -> None:
    """Listing node 4 before node 2, which it uses, fails with a row naming both."""
    verdict = judge(_instance(CompareMode.ORDER), Outcome(result={"order": [0, 1, 3, 4, 2]}), DIAMOND)
    assert not verdict.passed
    (row,) = verdict.rows
    assert not row.ok
    assert "node 2 before node 4" in row.expected


@pytest.mark.parametrize("order", [
    pytest.param([0, 1, 2, 4], id="omits a node"),
    pytest.param([0, 1, 2, 3, 3, 4], id="lists a node twice"),
    pytest.param([0, 0, 2, 3, 4], id="a duplicate in place of a node"),
    pytest.param([0, 1, 2, 3, 4, 5], id="an extra node"),
    pytest.param([], id="empty"),
])
def test_order_comparison_refuses_an_order_that_omits_or_repeats_nodes(order: list[float]) -> None:
    """Every node must appear exactly once."""
    verdict = judge(_instance(CompareMode.ORDER), Outcome(result={"order": order}), DIAMOND)
    assert not verdict.passed
    assert not verdict.rows[0].ok


def test_order_comparison_refuses_a_missing_or_non_list_order() -> None:
    """No order, or a number instead of a list, fails."""
    results: list[Result] = [{}, {"order": 3.0}, {"order": "0 1 2 3 4"}]
    for result in results:
        verdict = judge(_instance(CompareMode.ORDER), Outcome(result=result), DIAMOND)
        assert not verdict.passed, result


def test_order_comparison_ignores_edges_claimed_by_the_candidate() -> None:
    """The oracle's edges decide; a candidate cannot excuse a bad order with its own edges."""
    candidate = Outcome(result={"order": [4, 3, 2, 1, 0], "edges": [0, 4]})
    assert not judge(_instance(CompareMode.ORDER), candidate, DIAMOND).passed


def test_close_comparison_requires_an_order_list_to_match_item_by_item() -> None:
    """Only compare="order" judges topologically; "close" wants the oracle's own list."""
    verdict = judge(_instance(CompareMode.CLOSE), Outcome(result={"order": [1, 0, 2, 3, 4], "edges": DIAMOND_EDGES}),
                    DIAMOND)
    assert not verdict.passed
