"""make step: your backward pass replayed one `_backward` call at a time, beside PyTorch's numbers.

It runs one case (the first failing case that traced a graph, or CASE=name) with each _backward
call recorded in the order your backward() made them, and writes demo/step.html: the graph, and
for each call the node that ran, its grad at that moment, each operand's local derivative, the
share added to it and its grad so far, yours beside PyTorch's. The page opens at the first call
whose share differs from PyTorch's, with the diagnosis's words for it.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional

from kata.core.cases import Instance, cases_of
from kata.core.curriculum import EXERCISES
from kata.core.diagnosis import ABS_TOL, REL_TOL, Diagnosis, diagnose, local_derivatives, uses_your_backward
from kata.core.graph import TracedNode
from kata.core.outcome import Outcome, oracle_outcome
from kata.core.replay import NodeCache
from kata.core.runner import Session
from kata.core.steps import Call
from kata.learner.check import NODE_CACHE_PATH, check
from kata.learner.commands import Spelling
from kata.repository import ROOT

PAGE = ROOT / "demo" / "step.html"


@dataclass(frozen=True)
class Share:
    """What one call gave one operand: yours, then PyTorch's (None where PyTorch's op is unknown)."""

    node: int
    local: Optional[float]  # the local derivative your code applied (None if it cannot be told)
    expected_local: Optional[float]
    share: float  # the grad added to the operand: its grad after the call less before
    expected_share: Optional[float]  # PyTorch's local derivative times the node's complete grad
    after: float  # the operand's grad after the call
    expected_after: Optional[float]  # PyTorch's grad so far, with the calls made in your order
    wrong: bool  # the share differs from PyTorch's


@dataclass(frozen=True)
class Step:
    node: int  # the node whose _backward ran
    grad: float  # its grad as it ran
    expected_grad: float  # PyTorch's: the node's complete grad
    complete: bool  # whether every node that uses it had run its _backward before it
    waiting_on: list[int]  # those that had not, if any
    shares: list[Share]
    seen: list[str]  # what the recorded numbers of a wrong share show, in plain words

    @property
    def wrong(self) -> bool:
        return any(s.wrong for s in self.shares)


@dataclass(frozen=True)
class Walk:
    """A backward pass, call by call, with everything the page shows."""

    title: str  # the case's
    graph: list[TracedNode]
    expected: list[tuple[float, float]]  # PyTorch's (data, grad) of each node
    initial: list[float]  # each node's grad before the first call: yours
    expected_initial: list[float]  # and PyTorch's: the root seeded, nothing else yet
    steps: list[Step]
    words: list[str]  # the diagnosis's sentences, for the first wrong step

    @property
    def first_wrong(self) -> Optional[int]:
        return next((i for i, step in enumerate(self.steps) if step.wrong), None)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "graph": [list(n[:4]) + [list(n.operands)] for n in self.graph],
                "expected": self.expected, "initial": self.initial, "expectedInitial": self.expected_initial,
                "steps": [{**asdict(s), "wrong": s.wrong} for s in self.steps], "firstWrong": self.first_wrong,
                "words": self.words}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def walk_of(title: str, graph: list[TracedNode], calls: list[Call], diagnosis: Diagnosis) -> Walk:
    """The calls your backward() made, each beside what PyTorch's numbers say it should give."""
    rows = diagnosis.rows
    expected = [(r.expected_data, r.expected_grad) for r in rows]
    users: list[list[int]] = [[] for _ in graph]
    for i, node in enumerate(graph):
        for j in dict.fromkeys(node.operands):
            users[j].append(i)
    initial = _initial(graph, calls)
    expected_so_far = [0.0] * len(graph)
    expected_so_far[-1] = rows[-1].expected_grad  # the root, seeded
    expected_initial = list(expected_so_far)
    ran: set[int] = set()
    steps = []
    for call in calls:
        node = graph[call.node]
        derivatives = local_derivatives(rows[call.node], rows)
        shares = []
        for k, j in enumerate(call.operands):
            places = [p for p, operand in enumerate(node.operands) if operand == j]
            yours = call.after[k] - call.before[k]
            local = (sum(call.local_grads[p] for p in places) if call.local_grads is not None
                     else (yours / call.grad if call.grad != 0.0 else None))
            expected_local = sum(derivatives[p][0] for p in places) if derivatives is not None else None
            expected_share = expected_local * rows[call.node].expected_grad if expected_local is not None else None
            if expected_share is not None:
                expected_so_far[j] += expected_share
            shares.append(Share(j, local, expected_local, yours, expected_share, call.after[k],
                                expected_so_far[j] if expected_share is not None else None,
                                expected_share is not None and not _close(yours, expected_share)))
        waiting = [u for u in users[call.node] if u not in ran]
        steps.append(Step(call.node, call.grad, rows[call.node].expected_grad, not waiting, waiting, shares,
                          [line for share in shares if share.wrong for line in _seen(call, share)]))
        ran.add(call.node)
    return Walk(title, graph, expected, initial, expected_initial, steps, diagnosis.notes)


def _seen(call: Call, share: Share) -> list[str]:
    """What this call's numbers show about one wrong share: facts of the recording, never a guess."""
    j, before = share.node, share.after - share.share
    seen = []
    if share.local is not None and share.expected_local is not None and not _close(share.local, share.expected_local):
        seen.append(f"Your local derivative for node {j} is {share.local:.6g}; PyTorch's is "
                    f"{share.expected_local:.6g}.")
    if share.local is not None and not _close(call.grad, 1.0):
        given = share.local * call.grad
        if not _close(before, 0.0) and _close(share.after, given) and not _close(share.share, given):
            seen.append(f"It set node {j}'s grad to its share, {given:.6g}, instead of adding the share to "
                        f"the {before:.6g} node {j} had.")
        elif _close(share.share, share.local) and not _close(share.share, given):
            seen.append(f"It added the local derivative itself, {share.local:.6g}, to node {j}'s grad, not "
                        f"the local derivative times the node's grad ({call.grad:.6g}).")
    return seen


def _initial(graph: list[TracedNode], calls: list[Call]) -> list[float]:
    """Each node's grad before the first call: as the first call that saw it found it, or, for a
    node no call saw, the grad it ended with."""
    seen: dict[int, float] = {}
    for call in calls:
        seen.setdefault(call.node, call.grad)
        for j, before in zip(call.operands, call.before):
            seen.setdefault(j, before)
    return [seen.get(i, float(node.grad)) for i, node in enumerate(graph)]


class NothingToStep(Exception):
    """Why no backward pass can be shown, and what to do instead."""


def find_case(name: str, package: str, spelling: Spelling) -> Instance:
    """The case named (test_..., or exercise::test_...), or the first failing case of make check
    that traced a graph, or, when nothing fails, the first case of backward: a correct pass."""
    if name:
        exercise, _, case_name = name.rpartition("::")
        for e in EXERCISES:
            if exercise in ("", e.name):
                found = next((c for c in cases_of(e.name) if c.name == case_name), None)
                if found is not None:
                    return found.instances()[0]
        raise NothingToStep(f"No case is named {name}: the names are the test_... functions in tests/.")
    scores = check(list(EXERCISES), package)
    failing = next((s for s in scores if not s.passed and not s.blocked_by), None)
    if failing is None:
        return cases_of("backward")[0].instances()[0]
    traced = next((v for v in failing.verdicts if not v.passed and v.graph is not None), None)
    if traced is None:
        raise NothingToStep(
            f"No failing case of {failing.exercise.name} traced a graph to step through (its cases check "
            f"{'what raises' if failing.first_failure and failing.first_failure.problem else 'numbers'} "
            f"rather than a backward pass). {spelling.command('check')} explains its first failure; "
            f"{spelling.command('step', case='name')} steps through any case that traces a graph.")
    return traced.instance


def run_recorded(instance: Instance, package: str, search_path: Optional[Path] = None) -> Outcome:
    """The instance run in a child, as make check runs it, with each _backward call recorded."""
    with Session(package, search_path, record_steps=True) as session:
        return session.run([instance])[instance.key]


def walk_for(instance: Instance, outcome: Outcome) -> Walk:
    if outcome.problem is not None:
        raise NothingToStep(f"{instance.case.title}: your code did not finish it ({outcome.problem.message}).")
    if outcome.graph is None or not outcome.steps:
        raise NothingToStep(f"{instance.case.title}: it traced no graph whose _backward calls could be "
                            "recorded.")
    diagnosis = diagnose(outcome.graph, outcome.seed, oracle_outcome(instance).graph, NodeCache(NODE_CACHE_PATH),
                         your_backward=uses_your_backward(instance.case.exercise))
    if diagnosis is None:
        raise NothingToStep(f"{instance.case.title}: PyTorch cannot rebuild its graph (an operation the kata "
                            "does not know), so there is nothing to set beside your numbers.")
    return walk_of(instance.case.title, outcome.graph, outcome.steps, diagnosis)


def summary(walk: Walk) -> str:
    """The page's news in the terminal: where your pass first differs from PyTorch's, or that it does not."""
    first = walk.first_wrong
    lines = [f"{walk.title}: {len(walk.steps)} _backward calls, in the order your backward() made them."]
    if first is None:
        lines.append("Every share each call gave agrees with PyTorch's.")
        return "\n".join(lines)
    step = walk.steps[first]
    share = next(s for s in step.shares if s.wrong)
    node = walk.graph[step.node]
    before = share.after - share.share
    lines.append(f"The first call whose share differs from PyTorch's is call {first + 1}: node {step.node} "
                 f"({node.op}) changed node {share.node}'s grad from {before:.6g} to {share.after:.6g}, by "
                 f"{share.share:.6g}; PyTorch's numbers add {share.expected_share:.6g}.")
    if not step.complete:
        waiting = ", ".join(map(str, step.waiting_on))
        lines.append(f"Its own grad was not complete yet: node {waiting}, which uses it, had not passed its "
                     "share on." if len(step.waiting_on) == 1 else
                     f"Its own grad was not complete yet: nodes {waiting}, which use it, had not passed "
                     "theirs on.")
    return "\n".join(lines + walk.words)


def main(argv: Optional[list[str]] = None, *, spelling: Spelling = Spelling.PYTHON, package: str = "exercises",
         page: Path = PAGE) -> int:
    parser = argparse.ArgumentParser(prog="make step", description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", default="", help="a case by name (test_...), failing or passing")
    args = parser.parse_args(argv)
    from kata.learner.step_page import as_html  # the page: only once there is a walk to show

    try:
        instance = find_case(args.case, package, spelling)
        walk = walk_for(instance, run_recorded(instance, package))
    except NothingToStep as reason:
        print(reason, file=sys.stderr)
        return 1
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(as_html(walk), encoding="utf-8")
    print(summary(walk))
    shown = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page
    opens = f"call {walk.first_wrong + 1}" if walk.first_wrong is not None else "the first call"
    print(f"\nWrote {shown}: open it in a browser to step through every call (it opens at {opens}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
