"""make step: a learner's backward pass recorded call by call in the child, and the page that
replays it beside PyTorch's numbers, read in Chromium as a learner does.

PyTorch's numbers here are computed by the test itself, from the traced graph with autograd:
each node's complete grad, and each local derivative as the grad of a node with respect to its
operand. The learner's come from the recording, checked against the learner's own walk order."""

import shutil
from pathlib import Path
from typing import Any, Optional

import pytest

from kata.core.cases import Instance, cases_of
from kata.core.graph import TracedNode
from kata.core.implementation import Implementation
from kata.core.outcome import run_in_process
from kata.core.steps import Call
from kata.learner import notebook, step
from kata.learner.step_page import as_html
from tests.support.browser import needs_chromium, opened
from tests.support.test_diagnosis import ASSIGNS, LISTED_TWICE, NO_OUT_GRAD, NOT_REVERSED, Bug, Learner, learner

__all__ = ["learner"]  # the fixture, shared with test_diagnosis


SHARED = "test_a_node_used_by_two_nodes_waits_for_both"  # a is used twice: += matters
SANITY = "test_the_classic_sanity_expression"  # 14 nodes, relu, powers
MISTAKES = {"an unreversed order": NOT_REVERSED, "= for +=": ASSIGNS, "a missing * out.grad": NO_OUT_GRAD}


def instance(name: str) -> Instance:
    return next(c for e in ("value", "backward") for c in cases_of(e) if c.name == name).instances()[0]


def recorded(impl: Any, name: str) -> tuple[list[TracedNode], list[Call], step.Walk]:
    case = instance(name)
    outcome = run_in_process(case, impl, record_steps=True)
    assert outcome.graph is not None and outcome.steps is not None
    return outcome.graph, outcome.steps, step.walk_for(case, outcome)


def pytorch(graph: list[TracedNode]) -> tuple[list[float], dict[tuple[int, int], float]]:
    """Each node's complete grad, and d node / d operand for each (node, distinct operand)."""
    import torch

    tensors: list[Any] = []
    for node in graph:
        if not node.operands:
            tensors.append(torch.tensor(float(node.data), dtype=torch.float64, requires_grad=True))
            continue
        a = [tensors[i] for i in node.operands]
        if node.op in ("+", "*"):
            tensors.append(a[0] + a[1] if node.op == "+" else a[0] * a[1])
        else:
            tensors.append(torch.relu(a[0]) if node.op == "relu" else a[0] ** float(node.op[2:]))
    grads = torch.autograd.grad(tensors[-1], tensors, allow_unused=True, retain_graph=True)
    complete = [0.0 if g is None else g.item() for g in grads]
    local = {}
    for n, node in enumerate(graph):
        for j in dict.fromkeys(node.operands):
            (d,) = torch.autograd.grad(tensors[n], tensors[j], retain_graph=True)
            local[(n, j)] = d.item()
    return complete, local


def first_wrong(graph: list[TracedNode], calls: list[Call]) -> Optional[int]:
    """The first call whose share (the learner's grad after less before) is not PyTorch's
    local derivative times the node's complete grad."""
    complete, local = pytorch(graph)
    for k, call in enumerate(calls):
        for j, before, after in zip(call.operands, call.before, call.after):
            if abs((after - before) - local[(call.node, j)] * complete[call.node]) > 1e-9:
                return k
    return None


def test_the_calls_are_recorded_in_the_order_the_learners_backward_makes_them(learner: Learner) -> None:
    """The graph lists each node after its operands, as the learner's topological order does: the
    reference calls _backward from the root down, the unreversed walk from the leaves up."""
    graph, calls, walk = recorded(learner(None), SANITY)
    interior = [i for i, node in enumerate(graph) if node.operands]
    assert [c.node for c in calls] == interior[::-1] and walk.first_wrong is None
    graph, calls, walk = recorded(learner(NOT_REVERSED), SANITY)
    assert [c.node for c in calls] == interior
    assert walk.first_wrong == 0 and not walk.steps[0].complete  # passed on before its users passed theirs


@pytest.mark.parametrize("mistake", MISTAKES)
def test_the_walk_marks_the_first_call_whose_share_differs_from_pytorchs(learner: Learner, mistake: str) -> None:
    graph, calls, walk = recorded(learner(MISTAKES[mistake]), SHARED)
    complete, local = pytorch(graph)
    assert walk.first_wrong is not None and walk.first_wrong == first_wrong(graph, calls)
    for got, call in zip(walk.steps, calls):
        assert got.expected_grad == pytest.approx(complete[call.node])
        for share, j, before, after in zip(got.shares, call.operands, call.before, call.after):
            assert share.share == after - before and share.after == after
            assert share.expected_share == pytest.approx(local[(call.node, j)] * complete[call.node])


def test_what_a_wrong_share_shows_is_said_in_plain_words(learner: Learner) -> None:
    """Facts of the recording, each mistake its own: an overwritten grad, a share without out.grad."""
    _, _, assigned = recorded(learner(ASSIGNS), SHARED)
    assert any("instead of adding it" in line for line in assigned.steps[assigned.first_wrong or 0].seen)
    _, _, unmultiplied = recorded(learner(NO_OUT_GRAD), SHARED)
    assert any("local derivative itself" in line for line in unmultiplied.steps[unmultiplied.first_wrong or 0].seen)
    assert "Likely cause: node 3 got the local derivative 1 itself" in " ".join(unmultiplied.words)


ZEROED_AFTER = ("backward.py", "        node._backward()\n",
                "        node._backward()\n        if node is not root:\n            node.grad = 0.0\n")


def test_a_second_run_of_a_nodes_backward_is_marked_and_pytorchs_column_counts_one(learner: Learner) -> None:
    """A node listed twice in the order runs its _backward twice: PyTorch's runs each once, so the
    second run's share should be nothing, and PyTorch's grads so far end at its complete grads."""
    graph, calls, walk = recorded(learner(LISTED_TWICE), SANITY)
    repeats = [k for k, c in enumerate(calls) if c.node in [d.node for d in calls[:k]]]
    assert repeats and all(walk.steps[k].repeat_of is not None and walk.steps[k].wrong for k in repeats)
    assert "runs again, for the second time" in walk.steps[repeats[0]].seen[0]
    complete, _ = pytorch(graph)
    last: dict[int, float] = {}
    for got in walk.steps:
        for share in got.shares:
            last[share.node] = share.expected_after or 0.0
    assert all(last[j] == pytest.approx(complete[j]) for j in last)


def test_grads_changed_outside_backward_are_said_and_never_called_a_correct_pass(learner: Learner) -> None:
    """Each _backward gives the right shares, and backward() then zeroes the grads: the pass is not
    correct, and the page says where the grads changed."""
    _, _, walk = recorded(learner(ZEROED_AFTER), SHARED)
    news = step.summary(walk, failing=True)
    assert "a correct pass" not in news and "yet the pass is not right" in news
    assert "By the end, node 0's grad had changed from 8 to 0, outside any _backward" in news


def test_a_lecture_style_value_is_never_told_a_local_derivative_it_did_not_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With closures the Value keeps no _local_grads: the page shows no local derivative of yours,
    and an overwritten grad is still told as one, from PyTorch's local derivative and your grad."""
    engine = tmp_path / "closures"
    shutil.copytree(Path(__file__).parent / "plain_engine", engine)
    source = (engine / "value.py").read_text()
    # In a * b, a's grad set rather than added to: a = 1.5 is also used by a + 1, whose share it loses.
    (engine / "value.py").write_text(source.replace("            self.grad += other.data * out.grad\n",
                                                    "            self.grad = other.data * out.grad\n", 1))
    monkeypatch.syspath_prepend(str(tmp_path))
    _, _, walk = recorded(Implementation("closures"), SHARED)
    wrong = walk.steps[walk.first_wrong or 0]
    assert all(share.local is None for got in walk.steps for share in got.shares)
    assert any("instead of adding it" in line for line in wrong.seen)
    assert not any("Your local derivative" in line for got in walk.steps for line in got.seen)


def test_an_unreversed_order_leaves_the_nodes_below_never_complete(learner: Learner) -> None:
    """Grads passed on too early make wrong grads below, which no later call completes."""
    graph, _, walk = recorded(learner(NOT_REVERSED), SHARED)
    leaves = [i for i, node in enumerate(graph) if not node.operands]
    assert all(walk.complete_after[i] is None for i in leaves) and walk.complete_after[-1] == -1


ROOT_ONLY = ("backward.py", "    for node in reversed(order):\n        node._backward()\n", "    root._backward()\n")
ZEROED_BEFORE = ("backward.py", "        node._backward()\n",
                 "        if node is not root:\n            node.grad = 0.0\n        node._backward()\n")
SEEDED_WITH_2 = ("backward.py", "root.grad += 1.0", "root.grad += 2.0")


def test_a_value_used_twice_and_set_rather_than_added_is_told_as_such(learner: Learner) -> None:
    """out = a * a with `=`: each use sets a's grad to its share, so a ends at one share, not two.
    That is not a local derivative left unmultiplied, and the page does not say so."""
    _, _, walk = recorded(learner(ASSIGNS), "test_a_value_used_twice_gets_both_shares")
    seen = walk.steps[walk.first_wrong or 0].seen
    assert any("used 2 times by this node" in line for line in seen)
    assert not any("local derivative itself" in line for line in seen)


@pytest.mark.parametrize("mistake, says, never", [
    (ROOT_ONLY, "The _backward of nodes 2, 4 never ran", "order not reversed"),
    (ZEROED_BEFORE, "Before this call, node 4's grad changed from 3 to 0, outside any _backward.",
     "order not reversed"),
    (SEEDED_WITH_2, "The root: its grad should start as the seed, 1 (d root / d root); yours is 2.", "stray factor"),
], ids=["the root's _backward alone", "grads zeroed before each call", "the root seeded with 2"])
def test_make_checks_cause_is_relayed_only_where_the_recorded_calls_show_it(
        learner: Learner, mistake: Bug, says: str, never: str) -> None:
    """make check names a cause from the final grads alone; where the recording shows otherwise,
    the page says what the calls show and leaves the cause out."""
    _, _, walk = recorded(learner(mistake), SHARED)
    told = step.summary(walk, failing=True) + " ".join(s.state for s in walk.steps)
    assert says in told and never not in told and "a correct pass" not in told


def page_of(learner: Learner, bug: Optional[Bug], tmp_path: Path) -> tuple[Path, list[TracedNode], list[Call]]:
    graph, calls, walk = recorded(learner(bug), SHARED)
    page = tmp_path / "step.html"
    page.write_text(as_html(walk, step.summary(walk)))
    return page, graph, calls


def six(x: float) -> str:
    """As the page writes a number: six significant digits, no trailing zeros."""
    return f"{float(f'{x:.6g}'):g}" if abs(x) < 1e16 else f"{x:.6g}"


@needs_chromium
@pytest.mark.parametrize("mistake", [*MISTAKES, "no mistake"])
def test_the_page_opens_at_the_first_wrong_call_and_steps_in_the_recorded_order(
        learner: Learner, tmp_path: Path, mistake: str) -> None:
    page_path, graph, calls = page_of(learner, MISTAKES.get(mistake), tmp_path)
    complete, local = pytorch(graph)
    opens = first_wrong(graph, calls)
    assert (opens is None) == (mistake == "no mistake")
    with opened(page_path) as (page, problems):

        def shown() -> tuple[int, int, list[str]]:
            body = page.locator("body")
            running = page.eval_on_selector_all("g.value.running", "gs => gs.map(g => Number(g.dataset.index))")
            assert running == [int(body.get_attribute("data-node") or -1)]
            rows = page.eval_on_selector_all("#panel tr[data-operand]", "rs => rs.map(r => r.innerText)")
            return int(body.get_attribute("data-step") or 0), running[0], rows

        at, node, rows = shown()
        assert at == (opens or 0) + 1 and node == calls[at - 1].node
        for k in [at, at + 1, at - 1, at - 2]:  # next, previous, as the keys move through the calls
            if 1 <= k <= len(calls) and k != at:
                page.keyboard.press("ArrowRight" if k > at else "ArrowLeft")
                at, node, rows = shown()
            assert node == calls[at - 1].node
            call = calls[at - 1]
            for row, j, before, after in zip(rows, call.operands, call.before, call.after):
                cells = row.split("\t")
                assert cells[3:5] == [six(after - before), six(local[(call.node, j)] * complete[call.node])]
                assert cells[5] == six(after)
        images = page.evaluate("performance.getEntriesByType('resource').length")
    assert problems == [] and images == 0


def test_in_the_notebook_the_page_shows_inline_in_its_own_frame() -> None:
    """step() on the reference solutions: a correct pass, the same page in a frame."""
    shown = notebook.step(SANITY, package="solutions")
    assert isinstance(shown, notebook.Page)
    assert shown._repr_html_().startswith("<iframe srcdoc=") and "Every share each call gave agrees" in repr(shown)
    assert "&lt;script" not in shown.html and "<script>" in shown.html


def test_a_graph_that_agrees_in_a_failing_case_is_not_called_a_correct_pass(learner: Learner) -> None:
    """A case may trace several graphs and fail on an earlier one: its last can be right."""
    _, _, walk = recorded(learner(None), SHARED)
    assert "a correct pass" in step.summary(walk) and "a correct pass" not in step.summary(walk, failing=True)
    assert "yet the case fails" in step.summary(walk, failing=True)


def test_on_the_stubs_it_says_why_there_is_nothing_to_step_and_removes_a_stale_page(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "step.html"
    page.write_text("an earlier run's page")
    assert step.main([], package="exercises", page=page) == 1
    said = capsys.readouterr().err
    assert "no failing case of derivatives traced a graph (your code raised NotImplementedError" in said
    assert not page.exists() and "is removed" in said
    assert step.main(["--case", "nonsense"], package="exercises", page=page) == 1
    assert "No case is named nonsense" in capsys.readouterr().err
