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
from kata.core.outcome import run_in_process
from kata.core.steps import Call
from kata.learner import notebook, step
from kata.learner.step_page import as_html
from tests.support.test_diagnosis import ASSIGNS, NO_OUT_GRAD, NOT_REVERSED, Bug, Learner, learner

__all__ = ["learner"]  # the fixture, shared with test_diagnosis

needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None,
                                    reason="Chromium is not installed (apt-get install chromium)")

SHARED = "test_a_node_used_by_two_nodes_waits_for_both"  # a is used twice: += matters
SANITY = "test_the_classic_sanity_expression"  # 14 nodes, relu, powers
MISTAKES = {"an unreversed order": NOT_REVERSED, "= for +=": ASSIGNS, "a missing * out.grad": NO_OUT_GRAD}


def instance(name: str) -> Instance:
    return next(c for c in cases_of("backward") if c.name == name).instances()[0]


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
    assert any("instead of adding the share" in line for line in assigned.steps[assigned.first_wrong or 0].seen)
    _, _, unmultiplied = recorded(learner(NO_OUT_GRAD), SHARED)
    assert any("local derivative itself" in line for line in unmultiplied.steps[unmultiplied.first_wrong or 0].seen)
    assert "Likely cause: node 3 got the local derivative 1 itself" in " ".join(unmultiplied.words)


def page_of(learner: Learner, bug: Optional[Bug], tmp_path: Path) -> tuple[Path, list[TracedNode], list[Call]]:
    graph, calls, walk = recorded(learner(bug), SHARED)
    page = tmp_path / "step.html"
    page.write_text(as_html(walk))
    return page, graph, calls


def six(x: float) -> str:
    """As the page writes a number: six significant digits, no trailing zeros."""
    return f"{float(f'{x:.6g}'):g}" if abs(x) < 1e16 else f"{x:.6g}"


@needs_chromium
@pytest.mark.parametrize("mistake", [*MISTAKES, "no mistake"])
def test_the_page_opens_at_the_first_wrong_call_and_steps_in_the_recorded_order(
        learner: Learner, tmp_path: Path, mistake: str) -> None:
    from playwright.sync_api import sync_playwright

    page_path, graph, calls = page_of(learner, MISTAKES.get(mistake), tmp_path)
    complete, local = pytorch(graph)
    opens = first_wrong(graph, calls)
    assert (opens is None) == (mistake == "no mistake")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda r: problems.append(r.url) if not r.url.startswith("file:") else None)
        page.goto(page_path.resolve().as_uri())

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
        browser.close()
    assert problems == [] and images == 0


def test_in_the_notebook_the_page_shows_inline_in_its_own_frame() -> None:
    """step() on the reference solutions: a correct pass, the same page in a frame."""
    shown = notebook.step(SANITY, package="solutions")
    assert isinstance(shown, notebook.Page)
    assert shown._repr_html_().startswith("<iframe srcdoc=") and "Every share each call gave agrees" in repr(shown)
    assert "&lt;script" not in shown.html and "<script>" in shown.html
