"""kata.core.diagnosis: where a failing case's graph first parts from PyTorch, and which misconception it shows.

Each classic bug is planted in a copy of the reference solutions, run on a real
graded case, judged against the oracle, and diagnosed from the graph it traced.
"""

from __future__ import annotations

import math
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from kata.core.cases import Case, CompareMode, Instance, Result, cases_of
from kata.core.cause import name_of
from kata.core.compare import Row, Verdict, judge
from kata.core.diagnosis import Diagnosis, diagnose, uses_your_backward
from kata.core.graph import TracedNode
from kata.core.implementation import Implementation
from kata.core.outcome import GRAPH_LIMIT, Outcome, Problem, ProblemKind, oracle_outcome, run_in_process
from kata.core.replay import NodeCache
from kata.core.scenario_tools import apply_local_derivatives, trace
from kata.learner.check import explain
from kata.repository import ROOT

TABLE = "Your graph, node by node"

# One classic learner bug: the file, the reference's text, and what the learner wrote instead.
Bug = tuple[str, str, str]
ASSIGNS = ("value.py", "operand.grad += local_grad * self.grad", "operand.grad = local_grad * self.grad")
NOT_REVERSED = ("backward.py", "for node in reversed(order):", "for node in order:")
NOT_SEEDED = ("backward.py", "root.grad += 1.0", "root.grad += 0.0")
NO_OUT_GRAD = ("value.py", "operand.grad += local_grad * self.grad", "operand.grad += local_grad")
SELF_MINUS_OTHER = ("value.py", "return Value(other) - self", "return self - other")
DATA_AS_GIVEN = ("value.py", "self.data = float(data)", "self.data = data")
STRAY_FACTOR = ("value.py", "operand.grad += local_grad * self.grad",
                "operand.grad += 2 * local_grad * self.grad")
RELU_ONE_AT_ZERO = ("value.py", "1.0 if self.data > 0 else 0.0", "1.0 if self.data >= 0 else 0.0")
EXP_FROM_OPERAND = ("value.py", '"exp", (e,))', '"exp", (self.data,))')
PRODUCT_SWAPPED = ("value.py", "(other.data, self.data))", "(self.data, other.data))")
STEP_UPHILL = ("train.py", "p.data -= lr * p.grad", "p.data += lr * p.grad")
STEP_MOVES_NOTHING = ("train.py", "p.data -= lr * p.grad", "p = p - lr * p.grad")
ROOT_PASSED_ON_TWICE = ("backward.py", "    root.grad += 1.0  # d(root)/d(root)\n",
                        "    root.grad += 1.0  # d(root)/d(root)\n    root._backward()\n")
TANH_FROM_INPUT = ("value.py", "(1.0 - t * t,)", "(1.0 - self.data * self.data,)")
LECTURE_CLOSURE = ("value.py", "        self.data = float(data)\n",
                   "        self.data = float(data)\n        self._backward = lambda: None\n")
LISTED_TWICE = ("backward.py", "        elif id(node) not in visited:\n", "        else:\n")
BIAS_LEFT_OUT = ("neuron.py", "return self.w + [self.b]", "return self.w")
SOFTMAX_NOT_SHIFTED = ("softmax.py", "m = max(z.data for z in logits)\n    exps", "m = 0.0\n    exps")
MOMENTUM_ON_THE_GRAD = ("optim.py", "p.data -= self.lr * self.velocities[i]", "p.data -= self.lr * p.grad")
ADAM_UNCORRECTED = ("optim.py", "correction1 = 1 - self.beta1**self.t", "correction1 = 1.0")
ZERO_GRAD_FIRST_ONLY = ("neuron.py", "for p in self.parameters():\n            p.grad = 0.0",
                        "for p in self.parameters()[:1]:\n            p.grad = 0.0")

Learner = Callable[[Optional[Bug]], Implementation]


@pytest.fixture
def learner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Learner:
    """Makes a copy of solutions/ with one bug planted, importable under a name no other test uses."""
    monkeypatch.syspath_prepend(str(tmp_path))
    made: list[str] = []
    stem = "learner_" + re.sub(r"\W", "_", tmp_path.name)

    def make(bug: Optional[Bug]) -> Implementation:
        name = f"{stem}_{len(made)}"
        made.append(name)
        home = tmp_path / name
        shutil.copytree(ROOT / "solutions", home, ignore=shutil.ignore_patterns("__pycache__"))
        if bug is not None:
            file, reference, buggy = bug
            source = (home / file).read_text()
            assert source.count(reference) == 1, f"solutions/{file} must hold {reference!r} exactly once"
            (home / file).write_text(source.replace(reference, buggy))
        return Implementation(name)

    return make


def verdict_of(impl: Implementation, exercise: str, name: str) -> Verdict:
    """The graded case `name` of `exercise`, run here on impl and judged against PyTorch."""
    (case,) = [c for c in cases_of(exercise) if c.name == name]
    instance = Instance(case, None)
    return judge(instance, run_in_process(instance, impl), oracle_outcome(instance))


def diagnosis_of(verdict: Verdict) -> Diagnosis:
    assert verdict.graph is not None, "the case traced no graph"
    diagnosis = diagnose(verdict.graph, verdict.seed,
                         your_backward=uses_your_backward(verdict.instance.case.exercise))  # as make check
    assert diagnosis is not None, "the traced graph could not be rebuilt in PyTorch"
    return diagnosis


def unfolded(report: str) -> str:
    """The report with its long sentences unfolded: every run of white space one space."""
    return " ".join(report.split())


def marked_rows(rendered: str) -> list[str]:
    """The table rows that carry the → mark (the closing "→ node i ..." sentence excluded)."""
    return [line for line in rendered.splitlines() if re.match(r"\s+→\s+\d+\s", line)]


@dataclass(frozen=True)
class Planted:
    bug: Bug
    exercise: str
    case: str
    culprit: int  # the node the diagnosis must point at...
    node: tuple[str, str]  # ...which has this op and label
    phrase: str  # a phrase only the right cause contains


PLANTED = {
    "= instead of += on a value used twice": Planted(
        ASSIGNS, "value", "test_a_value_used_twice_gets_both_shares", 1, ("*", ""), "+="),
    "= instead of += in the classic expression": Planted(
        ASSIGNS, "backward", "test_the_classic_sanity_expression", 12, ("*", ""), "+="),
    "order not reversed in a chain": Planted(
        NOT_REVERSED, "backward", "test_a_chain_multiplies_local_derivatives", 4, ("+", ""),
        "reverse topological order"),
    "root not seeded in a chain": Planted(
        NOT_SEEDED, "backward", "test_a_chain_multiplies_local_derivatives", 5, ("tanh", ""),
        "root's grad is 0"),
    "root not seeded in the classic expression": Planted(
        NOT_SEEDED, "backward", "test_the_classic_sanity_expression", 13, ("+", ""),
        "root's grad is 0"),
    "root not seeded where backward is first called": Planted(
        NOT_SEEDED, "backward", "test_backward_seeds_the_root_with_one", 2, ("*", ""),
        "unseeded root"),
    "relu's derivative at 0 taken as 1": Planted(
        RELU_ONE_AT_ZERO, "value", "test_relu_on_both_sides_and_exactly_at_zero", 1, ("relu", ""),
        "at exactly 0"),
    "exp's local derivative taken from the operand": Planted(
        EXP_FROM_OPERAND, "value", "test_exp_passes_its_result_and_log_one_over_its_input", 1, ("exp", ""),
        "e**x, the result"),
    "the local derivatives of * swapped": Planted(
        PRODUCT_SWAPPED, "value", "test_product_passes_each_operand_the_other", 2, ("*", ""),
        "swapped"),
    "a stray factor of 2": Planted(
        STRAY_FACTOR, "value", "test_sum_passes_its_grad_to_both_operands", 2, ("+", ""),
        "a stray factor"),
    "the root's _backward called before the walk": Planted(
        ROOT_PASSED_ON_TWICE, "backward", "test_a_chain_multiplies_local_derivatives", 5, ("tanh", ""),
        "ran 2 times"),
    "out.grad forgotten in a sum": Planted(
        NO_OUT_GRAD, "value", "test_sum_passes_its_grad_to_both_operands", 2, ("+", ""),
        "multiply each local derivative"),
}


@pytest.mark.parametrize("planted", PLANTED.values(), ids=PLANTED.keys())
def test_a_planted_bug_is_located_at_its_node_and_named(learner: Learner, planted: Planted) -> None:
    """The diagnosis marks the node where the buggy grads first part from PyTorch and names the bug."""
    verdict = verdict_of(learner(planted.bug), planted.exercise, planted.case)
    assert not verdict.passed and verdict.problem is None
    diagnosis = diagnosis_of(verdict)
    assert diagnosis.culprit == planted.culprit, diagnosis.render()
    row = diagnosis.rows[planted.culprit]
    assert (row.op, row.label) == planted.node
    assert all(r.data_ok for r in diagnosis.rows)  # every planted bug is in the grads, not the values
    operands = [diagnosis.rows[i] for i in row.operands]
    # The culprit is the root whose own grad is wrong, or a node whose grad is right but passed wrong grads on.
    assert (row is diagnosis.rows[-1] and not row.grad_ok) or (
        row.grad_ok and any(not o.grad_ok for o in operands))
    assert planted.phrase in diagnosis.cause, diagnosis.cause
    rendered = diagnosis.render()
    (marked,) = marked_rows(rendered)
    assert marked.split()[1] == str(planted.culprit)
    assert f"→ {row.name}" in rendered
    assert f"Likely cause: {diagnosis.cause}" in unfolded(rendered)
    shown = explain(verdict, "exercises")
    assert TABLE in shown and planted.phrase in unfolded(shown)


NAMED_FROM_RESULTS = {
    "the SGD step goes uphill": (STEP_UPHILL, "train",
                                 "test_an_sgd_step_moves_each_parameter_against_its_grad",
                                 "moved along its grad instead of against it"),
    "an SGD step that rebinds the name": (STEP_MOVES_NOTHING, "train",
                                          "test_an_sgd_step_moves_each_parameter_against_its_grad",
                                          "no parameter moved"),
    "the bias left out of parameters()": (BIAS_LEFT_OUT, "neuron",
                                          "test_a_neuron_has_one_weight_per_input_and_a_bias",
                                          "parameters() gives 3 of the 4 parameters"),
    "softmax without the max shift": (SOFTMAX_NOT_SHIFTED, "softmax",
                                      "test_softmax_of_logits_near_1000_does_not_overflow",
                                      "an exp overflowed"),
    "momentum applied to the raw grad": (MOMENTUM_ON_THE_GRAD, "optim",
                                         "test_momentum_carries_the_past_grads_in_a_velocity",
                                         "momentum went to the raw grad instead of the velocity"),
    "Adam without bias correction": (ADAM_UNCORRECTED, "optim",
                                     "test_adams_first_step_moves_every_parameter_by_about_lr",
                                     "m was not divided by 1 - beta1**t"),
    "zero_grad forgets all but one": (ZERO_GRAD_FIRST_ONLY, "neuron",
                                      "test_zero_grad_clears_every_parameter_grad",
                                      "zero_grad() left 2 of 3 grads"),
}


@pytest.mark.parametrize(("bug", "exercise", "case", "phrase"), NAMED_FROM_RESULTS.values(),
                         ids=NAMED_FROM_RESULTS.keys())
def test_a_misconception_that_shows_in_the_results_is_named(learner: Learner, bug: Bug, exercise: str,
                                                            case: str, phrase: str) -> None:
    """No graph is traced here: the case's own recogniser reads the misconception off the numbers."""
    verdict = verdict_of(learner(bug), exercise, case)
    assert not verdict.passed and phrase in verdict.cause, verdict.cause
    assert f"Likely cause: {verdict.cause}" in unfolded(explain(verdict, "exercises"))
    assert verdict_of(learner(None), exercise, case).cause == ""


def test_a_local_derivative_from_the_input_names_no_cause_and_shows_the_learners_number(
        learner: Learner) -> None:
    """tanh's derivative as 1 - x**2 (x its input): one wrong number is no stray factor; the
    diagnosis says which local derivative the learner's code applied and what PyTorch's is."""
    verdict = verdict_of(learner(TANH_FROM_INPUT), "value", "test_tanh_passes_one_minus_its_result_squared")
    diagnosis = diagnosis_of(verdict)
    assert diagnosis.cause == "" and verdict.cause == ""
    assert "0.75 was applied as its local derivative; PyTorch's is 1 - out**2 = 0.786448" in unfolded(
        diagnosis.render())
    # Exercise 1's cases never call the learner's backward(): the report does not send them there.
    assert "root first, in the order the kata's own walk visits it" in diagnosis.render()
    assert "backward()" not in unfolded(diagnosis.render())
    assert "Look at the local derivatives this tanh records and at _backward, which applies them." in unfolded(
        diagnosis.render())


def test_a_missing_out_grad_is_not_called_an_overwritten_grad_where_one_share_matches_by_chance(
        learner: Learner) -> None:
    """a = 1.5 used by b = 2a and c = a + 1: without `* out.grad`, a gets 1 + 2 = 3, which is by
    chance c's share (1 * 3). The + node's own operand, the constant 1, shows its _backward is at
    fault: it got 1, not 3."""
    verdict = verdict_of(learner(NO_OUT_GRAD), "backward", "test_a_node_used_by_two_nodes_waits_for_both")
    assert name_of(diagnosis_of(verdict).cause) == "`* out.grad` missing"
    assigned = verdict_of(learner(ASSIGNS), "backward", "test_a_node_used_by_two_nodes_waits_for_both")
    assert name_of(diagnosis_of(assigned).cause) == "`=` instead of `+=`"


def test_a_node_listed_twice_in_the_order_is_not_called_an_overwritten_grad(learner: Learner) -> None:
    """A topological order without its visited check lists a node reached twice twice: its grads
    are added twice, which is no `=` for `+=` (the learner's += is right) and is not named so."""
    for case in ("test_the_classic_sanity_expression",):
        verdict = verdict_of(learner(LISTED_TWICE), "backward", case)
        assert not verdict.passed
        assert "+=" not in diagnosis_of(verdict).cause


def test_the_table_reads_root_first() -> None:
    """Rows are printed from the root down, the order in which backward() visits the nodes."""
    diagnosis = diagnose(WELL_FORMED, 2.0)
    assert diagnosis is not None
    rows = [re.match(r"\s+→?\s+(\d+)\s", line) for line in diagnosis.render().splitlines()[2:]]
    assert [int(row.group(1)) for row in rows if row] == [3, 2, 1, 0]


def test_the_oracles_graph_and_the_node_cache_spare_pytorch(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """PyTorch's numbers for a graph of the oracle's shape come from the oracle's trace; any other
    graph is rebuilt in PyTorch once, and a later diagnosis reads the numbers kept on disk."""
    import kata.core.replay as replay_module
    replays: list[int] = []
    real_replay = replay_module._replay

    def counted(nodes: Any, seed: float) -> Any:
        replays.append(len(nodes))
        return real_replay(nodes, seed)

    monkeypatch.setattr(replay_module, "_replay", counted)
    reference = diagnose(WELL_FORMED, 2.0)
    assert reference is not None and replays == [4]
    oracle_graph = [TracedNode(op, label, r.expected_data, r.expected_grad, tuple(operands))
                    for (op, label, _, _, operands), r in zip(WELL_FORMED, reference.rows)]
    from_oracle = diagnose(WELL_FORMED, 2.0, oracle_graph, NodeCache(tmp_path / "nodes.json"))
    assert from_oracle == reference and replays == [4]
    assert not (tmp_path / "nodes.json").exists()
    other_shape = WELL_FORMED[:3]  # the product alone: not the oracle's shape
    first = diagnose(other_shape, 2.0, oracle_graph, NodeCache(tmp_path / "nodes.json"))
    again = diagnose(other_shape, 2.0, oracle_graph, NodeCache(tmp_path / "nodes.json"))
    assert first == again and first is not None and replays == [4, 3]


def test_a_value_assigned_instead_of_added_is_named_with_its_number_of_uses(learner: Learner) -> None:
    """out = a * a with = in _backward: a keeps one share of two, and the cause says a is used twice."""
    verdict = verdict_of(learner(ASSIGNS), "value", "test_a_value_used_twice_gets_both_shares")
    diagnosis = diagnosis_of(verdict)
    leaf, product = diagnosis.rows
    assert leaf.uses == 2 and product.uses == 0
    assert (leaf.grad, leaf.expected_grad) == (6.0, 12.0)  # a * out.grad once, not twice
    assert product.grad_ok
    assert "node 0 is used 2 times" in diagnosis.cause


def test_a_forgotten_out_grad_is_a_factor_of_the_seed(learner: Learner) -> None:
    """Without * self.grad every wrong grad is 1/seed of PyTorch's: the seed, 2, shows in the cause."""
    verdict = verdict_of(learner(NO_OUT_GRAD), "value", "test_sum_passes_its_grad_to_both_operands")
    assert verdict.seed == 2.0
    diagnosis = diagnosis_of(verdict)
    wrong = [r for r in diagnosis.rows if not r.grad_ok]
    assert [r.index for r in wrong] == [0, 1]
    assert all(r.grad * verdict.seed == pytest.approx(r.expected_grad) for r in wrong)
    assert "not multiplied by out.grad (2)" in diagnosis.cause


def test_order_not_reversed_in_the_classic_expression_is_named_as_the_order(learner: Learner) -> None:
    """Every wrong grad is 0, so the cause is the order, even where the first wrong node is used twice."""
    verdict = verdict_of(learner(NOT_REVERSED), "backward", "test_the_classic_sanity_expression")
    diagnosis = diagnosis_of(verdict)
    assert all(r.grad == 0.0 for r in diagnosis.rows if not r.grad_ok)
    assert "reverse topological order" in diagnosis.cause, diagnosis.cause
    assert "+=" not in diagnosis.cause


def test_a_sign_flip_in_rsub_is_told_by_the_sign_note_not_the_node_table(learner: Learner) -> None:
    """1 - x computed as x - 1: the learner's graph is self-consistent, so the rows' sign note explains it."""
    verdict = verdict_of(learner(SELF_MINUS_OTHER), "value",
                         "test_a_number_minus_a_value_is_not_the_value_minus_the_number")
    assert not verdict.passed
    assert verdict.rows and all(not row.ok and row.negated for row in verdict.rows)
    diagnosis = diagnosis_of(verdict)
    assert diagnosis.culprit is None and diagnosis.cause == ""  # PyTorch agrees with x - 1 node by node
    shown = explain(verdict, "exercises")
    assert "wrong sign" in shown and "x.__rsub__(1)" in unfolded(shown)
    assert TABLE not in shown


REFERENCE_CASES = [
    ("value", "test_sum_passes_its_grad_to_both_operands"),
    ("value", "test_a_value_used_twice_gets_both_shares"),
    ("value", "test_a_number_minus_a_value_is_not_the_value_minus_the_number"),
    ("backward", "test_a_chain_multiplies_local_derivatives"),
    ("backward", "test_a_node_used_by_two_nodes_waits_for_both"),
    ("backward", "test_the_classic_sanity_expression"),
]


@pytest.mark.parametrize(("exercise", "name"), REFERENCE_CASES, ids=[n for _, n in REFERENCE_CASES])
def test_the_reference_solutions_agree_with_pytorch_at_every_node(exercise: str, name: str) -> None:
    """On the solutions every row's data and grad match PyTorch: nothing is marked, no cause is named."""
    verdict = verdict_of(Implementation("solutions"), exercise, name)
    assert verdict.passed
    diagnosis = diagnosis_of(verdict)
    assert verdict.graph is not None and len(diagnosis.rows) == len(verdict.graph) >= 2
    assert diagnosis.culprit is None and diagnosis.cause == ""
    assert all(r.data_ok and r.grad_ok for r in diagnosis.rows)
    assert marked_rows(diagnosis.render()) == []
    assert "✗" not in diagnosis.render()


def test_a_random_expression_on_the_solutions_is_diagnosed_without_a_mark() -> None:
    """A seeded random graph of every operation, leaves reused, replays in PyTorch node for node."""
    (case,) = [c for c in cases_of("backward") if c.name == "test_backward_through_random_expressions"]
    instance = Instance(case, case.seeds[0])
    verdict = judge(instance, run_in_process(instance, Implementation("solutions")),
                    oracle_outcome(instance))
    diagnosis = diagnosis_of(verdict)
    assert diagnosis.culprit is None
    assert all(r.data_ok and r.grad_ok for r in diagnosis.rows)
    assert max(r.uses for r in diagnosis.rows) >= 2


def test_a_node_whose_data_is_minus_pytorchs_is_named_a_sign_flip() -> None:
    """A "-" node whose data is b - a instead of a - b is marked, and the cause points at __rsub__."""
    graph = [["", "one", 1.0, -1.0, []], ["", "x", 4.0, 1.0, []], ["-", "", 3.0, 1.0, [0, 1]]]
    diagnosis = diagnose(graph, 1.0)
    assert diagnosis is not None
    assert diagnosis.culprit == 2
    assert diagnosis.rows[2].expected_data == -3.0 and not diagnosis.rows[2].data_ok
    assert "wrong sign" in diagnosis.cause and "__rsub__" in diagnosis.cause


# A well-formed graph: y = tanh(a * b), seeded with 2. Each malformed one below breaks one thing.
A, B = 0.5, -1.5
WELL_FORMED: list[Any] = [["", "a", A, 0.0, []], ["", "b", B, 0.0, []],
                          ["*", "", A * B, 0.0, [0, 1]], ["tanh", "y", math.tanh(A * B), 2.0, [2]]]


def test_a_hand_written_well_formed_graph_is_rebuilt_with_pytorchs_grads() -> None:
    """The baseline the malformed graphs depart from: every node gets PyTorch's data and seeded grad."""
    diagnosis = diagnose(WELL_FORMED, 2.0)
    assert diagnosis is not None
    a, b, product, y = diagnosis.rows
    slope = 2.0 * (1.0 - math.tanh(A * B) ** 2)
    assert y.expected_grad == 2.0 and product.expected_grad == pytest.approx(slope)
    assert a.expected_grad == pytest.approx(slope * B) and b.expected_grad == pytest.approx(slope * A)
    assert all(r.data_ok for r in diagnosis.rows)
    assert diagnosis.culprit == 3  # y's grad is right, but the product it passed to is not


def _with(index: int, field: int, value: Any) -> list[Any]:
    graph = [list(node) for node in WELL_FORMED]
    graph[index][field] = value
    return graph


MALFORMED: dict[str, Any] = {
    "an unknown op": _with(3, 0, "frobnicate"),
    "an op with the wrong number of operands": _with(2, 4, [0]),
    "a power whose exponent is not a number": _with(3, 0, "**two"),
    "data that is a string": _with(0, 2, "0.5"),
    "data that is None": _with(2, 2, None),
    "a grad that is a bool": _with(3, 3, True),
    "a label that is not a string": _with(1, 1, 7),
    "an op that is not a string": _with(3, 0, None),
    "an operand index pointing forward": _with(2, 4, [0, 3]),
    "an operand index pointing at its own node": _with(2, 4, [0, 2]),
    "a negative operand index": _with(2, 4, [0, -1]),
    "an operand index that is a float": _with(2, 4, [0, 1.0]),
    "operands that are not a list": _with(2, 4, (0, 1)),
    "a node with four fields": [list(node) for node in WELL_FORMED[:3]] + [WELL_FORMED[3][:4]],
    "a node that is a dict": [*WELL_FORMED[:3], {"op": "tanh"}],
    "an empty graph": [],
    "a graph that is not a list": {"nodes": WELL_FORMED},
    "no graph at all": None,
}


@pytest.mark.parametrize("graph", MALFORMED.values(), ids=MALFORMED.keys())
def test_an_unknown_op_or_malformed_graph_gives_no_diagnosis(graph: Any) -> None:
    """A graph that cannot be rebuilt in PyTorch gives None, never an exception."""
    assert diagnose(graph, 2.0) is None


def _chain(nodes: int) -> Case:
    """A case tracing relu(relu(...(x))) of exactly `nodes` nodes, its grads passed from a seed of 2."""
    def scenario(impl: Any) -> Result:
        x = impl.Value(0.5)
        y = x
        for _ in range(nodes - 1):
            y = y.relu()
        apply_local_derivatives(y, 2.0)  # traces y, seeded with 2
        return {"y": y.data}

    return Case("value", f"test_a_chain_of_{nodes}_nodes", scenario, (), 1e-9, 1e-12, 10.0, CompareMode.CLOSE)


def test_a_traced_graph_of_graph_limit_nodes_is_sent_whole() -> None:
    """GRAPH_LIMIT nodes is still small enough: the outcome carries all of them."""
    outcome = run_in_process(Instance(_chain(GRAPH_LIMIT), None), Implementation("solutions"))
    assert outcome.problem is None and outcome.graph is not None
    assert len(outcome.graph) == GRAPH_LIMIT and outcome.seed == 2.0


def test_a_traced_graph_larger_than_graph_limit_is_not_sent() -> None:
    """One node over GRAPH_LIMIT: the result and seed still come back, the graph does not."""
    outcome = run_in_process(Instance(_chain(GRAPH_LIMIT + 1), None), Implementation("solutions"))
    assert outcome.problem is None and outcome.result == {"y": 0.5}
    assert outcome.graph is None and outcome.seed == 2.0


@pytest.mark.parametrize("data", [None, "three", [1.0], {"data": 1.0}], ids=repr)
def test_a_learner_value_whose_data_is_not_a_number_yields_no_graph(learner: Learner, data: Any) -> None:
    """A Value that keeps whatever data it is given traces no graph, and running the case does not raise."""
    impl = learner(DATA_AS_GIVEN)

    def scenario(impl: Any) -> Result:
        leaf = impl.Value(data)
        trace(impl.Value(1.0, (leaf,), "tanh"), 2.0)
        return {"out": 3.0}

    case = Case("value", "test_odd_data", scenario, (), 1e-9, 1e-12, 10.0, CompareMode.CLOSE)
    outcome = run_in_process(Instance(case, None), impl)
    assert outcome.problem is None and outcome.result == {"out": 3.0}
    assert outcome.graph is None and outcome.seed == 2.0


def _scenario(impl: Any) -> Result:
    """out = a + b."""
    a, b = impl.Value(2.0), impl.Value(-3.0)
    return {"out": (a + b).data}


CASE = Case("value", "test_a_small_sum", _scenario, (), 1e-9, 1e-12, 10.0, CompareMode.CLOSE)
WRONG_ROWS = [Row("out", "-1", "-1", True), Row("a.grad", "0", "2", False)]


@pytest.mark.parametrize("verdict", [
    Verdict(Instance(CASE, None), False, rows=WRONG_ROWS, graph=None),
    Verdict(Instance(CASE, None), False, rows=WRONG_ROWS, graph=MALFORMED["an unknown op"]),
    Verdict(Instance(CASE, None), False, rows=WRONG_ROWS,
            graph=[TracedNode("", "a", 2.0, 2.0, ()), TracedNode("", "b", -3.0, 2.0, ()),
                   TracedNode("+", "", -1.0, 2.0, (0, 1))], seed=2.0),
    Verdict(Instance(CASE, None), False, Problem(ProblemKind.RAISED, "ZeroDivisionError"),
            graph=[TracedNode("", "a", 2.0, 0.0, ()), TracedNode("", "b", -3.0, 0.0, ()),
                   TracedNode("+", "", -1.0, 1.0, (0, 1))]),
], ids=["no graph", "an undiagnosable graph", "a graph that agrees with PyTorch", "a problem"])
def test_explain_leaves_out_the_node_table_when_no_node_is_wrong(verdict: Verdict) -> None:
    """Without a graph, with one PyTorch cannot rebuild or that agrees everywhere, or after a raise: no table."""
    shown = explain(verdict, "exercises")
    assert shown.startswith("✗ value: a small sum")
    assert TABLE not in shown and "Likely cause" not in shown


def test_explain_shows_the_node_table_after_the_rows_when_a_node_is_wrong() -> None:
    """A hand-made failing graph (the root never seeded) puts the table and its cause below the rows."""
    graph = [TracedNode("", "a", 2.0, 0.0, ()), TracedNode("", "b", -3.0, 0.0, ()),
             TracedNode("+", "", -1.0, 0.0, (0, 1))]
    # A case of exercise 2, where backward() and so the seed are the learner's.
    verdict = Verdict(Instance(replace(CASE, exercise="backward"), None), False, rows=WRONG_ROWS, graph=graph)
    shown = explain(verdict, "exercises")
    assert TABLE in shown
    assert shown.index("a.grad") < shown.index(TABLE)
    assert "→ node 2 (+ node), the root: its grad should be 1" in unfolded(shown)
    assert "Likely cause: the root's grad is 0" in unfolded(shown)


def test_an_outcome_from_json_keeps_a_graph_the_diagnosis_can_use() -> None:
    """A graph that travelled as JSON from the runner's child is diagnosed like the original."""
    outcome = run_in_process(Instance(_chain(3), None), Implementation("solutions"))
    travelled = Outcome.from_json(outcome.to_json())
    assert travelled.graph == outcome.graph and travelled.seed == 2.0
    diagnosis = diagnose(travelled.graph, travelled.seed)
    assert diagnosis is not None and diagnosis.culprit is None


def test_a_closure_stored_as_in_the_lecture_is_met_with_what_the_skeleton_expects(learner: Learner) -> None:
    """self._backward = lambda: None, as the lecture writes it, cannot be set on this skeleton's
    Value: the first case that meets it says so, and how to record local derivatives instead."""
    verdict = verdict_of(learner(LECTURE_CLOSURE), "value", "test_a_new_value_holds_a_float_and_a_zero_grad")
    assert verdict.problem is not None
    shown = unfolded(explain(verdict, "exercises"))
    assert "The lecture stores a closure in out._backward; this skeleton does not" in shown
    assert "return _result(forward value, operands, op name" in shown
