"""make check's report of a failing case: long lists, whose numbers the columns hold, the seed, helpers,
and the cross-check against the learner's own numerical gradient."""

from __future__ import annotations

import re
from dataclasses import replace

from kata.core.cases import cases_of
from kata.core.graph import TracedNode, numerical_leaf_grads
from kata.core.implementation import Implementation
from kata.learner.check import explain
from kata.repository import ROOT
from tests.support.test_diagnosis import (
    BIAS_LEFT_OUT,
    NO_OUT_GRAD,
    NOT_REVERSED,
    Learner,
    learner,
    unfolded,
    verdict_of,
)

__all__ = ["learner"]  # the fixture, shared with test_diagnosis

BIAS_CUT_OFF = ("neuron.py", "(*self.w, *inputs, self.b)", "(*self.w, *inputs, Value(self.b.data))")


def test_a_long_list_says_how_many_differ_and_names_the_first_few(learner: Learner) -> None:
    """41 parameter grads, the biases' wrong: a count, then each of the first three with its place."""
    verdict = verdict_of(learner(BIAS_CUT_OFF), "mlp", "test_a_tanh_mlp_with_a_linear_output")
    shown = explain(verdict, "exercises")
    (row,) = [r for r in verdict.rows if r.name == "parameter grads"]
    assert row.yours == "9 of 41 differ" and row.expected == "41 numbers"
    assert row.details[0].startswith("[3] layer 0, neuron 0, b: yours 0, PyTorch ")
    assert len(row.details) == 4 and row.details[-1] == "... and 6 more"
    assert all(detail in shown for detail in row.details)


def test_numbers_the_kata_decides_are_not_labelled_pytorch(learner: Learner) -> None:
    """Counts and flags come from the kata's reference: the column says "expected" and names them."""
    verdict = verdict_of(learner(BIAS_LEFT_OUT), "neuron",
                         "test_a_neuron_has_one_weight_per_input_and_a_bias")
    header = next(line for line in explain(verdict, "exercises").splitlines() if "yours" in line)
    assert header.split()[-1] == "expected"
    assert "Expected: what the kata's reference decides" in explain(verdict, "exercises")
    mixed = verdict_of(learner(None), "value", "test_a_new_value_holds_a_float_and_a_zero_grad")
    assert ("Expected: PyTorch's numbers, except repr, type of data, which the kata's reference "
            "decides" in unfolded(explain(mixed, "exercises")))
    sums = verdict_of(learner(NO_OUT_GRAD), "value", "test_sum_passes_its_grad_to_both_operands")
    header = next(line for line in explain(sums, "exercises").splitlines() if "yours" in line)
    assert header.split()[-1] == "PyTorch"


def test_a_root_seeded_with_two_says_so_beside_the_math(learner: Learner) -> None:
    """apply_local_derivatives(out, 2.0): the report says every grad is 2 × the derivative."""
    verdict = verdict_of(learner(NO_OUT_GRAD), "value", "test_sum_passes_its_grad_to_both_operands")
    lines = explain(verdict, "exercises").splitlines()
    assert lines[2] == "  Here the root's grad starts at 2, not 1, so every grad is 2 × the derivative above."


def test_a_case_built_by_a_suite_helper_shows_the_helper() -> None:
    """_mlp_case(impl, 3, [4, 4, 1], ...) is followed by the helper's own code."""
    (case,) = [c for c in cases_of("mlp") if c.name == "test_a_tanh_mlp_with_a_linear_output"]
    assert case.source.startswith('return _mlp_case(impl, 3, [4, 4, 1], "tanh", seed=21)\n\nwhere:\n')
    assert "def _mlp_case(impl: Implementation" in case.source
    assert "total.backward()" in case.source


def test_a_later_file_that_does_not_import_heads_the_report(learner: Learner) -> None:
    """A syntax error in backward.py while exercise 1 is current: the report names backward.py first."""
    impl = learner(("backward.py", "while stack:", "while stack"))
    verdict = verdict_of(impl, "value", "test_sum_passes_its_grad_to_both_operands")
    shown = explain(verdict, impl.package)
    line = (ROOT / "solutions" / "backward.py").read_text().splitlines().index("    while stack:") + 1
    first, second, third = shown.splitlines()
    assert first == (f"✗ {impl.package}/backward.py does not import: "
                     f"SyntaxError: expected ':' (backward.py, line {line})")
    assert second == f"    at {impl.package}/backward.py, line {line}: while stack"
    assert "Exercise value imports it" in third


def test_a_failing_graph_is_cross_checked_against_the_learners_numerical_gradient(
        learner: Learner) -> None:
    """Once exercise 0 passes, the leaves whose backward grad differs from the learner's own
    numerical gradient are named with both numbers; before that, nothing is said."""
    verdict = verdict_of(learner(NOT_REVERSED), "backward", "test_a_chain_multiplies_local_derivatives")
    assert verdict.graph is not None
    estimates = numerical_leaf_grads(verdict.graph, verdict.seed,
                                     Implementation("solutions").numerical_gradient)
    checked = replace(verdict, numerical=estimates)
    shown = explain(checked, "exercises", cross_check=True)
    assert "Your numerical gradient (exercise 0) against your backward" in shown
    w = next(i for i, node in enumerate(verdict.graph) if node[1] == "w")
    assert re.search(rf"node {w} \(w\): your backward says 0, your numerical gradient says 0\.3932", shown)
    assert "Your numerical gradient" not in explain(checked, "exercises", cross_check=False)


def test_no_numerical_cross_check_at_a_relu_kink() -> None:
    """relu(x) at x = 0 has no derivative to estimate: the cross-check says nothing there."""
    graph = [TracedNode("", "x", 0.0, 0.0, ()), TracedNode("relu", "", 0.0, 1.0, (0,))]
    assert numerical_leaf_grads(graph, 1.0, Implementation("solutions").numerical_gradient) is None
