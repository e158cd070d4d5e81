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
from kata.core.cause import name_of
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
    local: Optional[float]  # the local derivative your Value recorded (_local_grads), if it keeps them
    expected_local: Optional[float]
    share: float  # the grad added to the operand: its grad after the call less before
    expected_share: Optional[float]  # PyTorch's local derivative times the node's complete grad (0 on a repeat)
    after: float  # the operand's grad after the call
    expected_after: Optional[float]  # PyTorch's grad so far, with the calls made in your order
    wrong: bool  # the share differs from PyTorch's


@dataclass(frozen=True)
class Step:
    node: int  # the node whose _backward ran
    grad: float  # its grad as it ran
    expected_grad: float  # PyTorch's: the node's complete grad
    complete: bool  # whether its grad was complete as it ran (COMPLETE)
    waiting_on: list[int]  # the nodes that use it and had not passed a complete grad's share on yet
    repeat_of: Optional[int]  # the earlier call that ran this node's _backward, if this is a second run
    shares: list[Share]
    seen: list[str]  # what the recorded numbers show where they differ, in plain words
    state: str  # the node's grad as it ran, in words: complete or not, and why

    @property
    def wrong(self) -> bool:
        return any(s.wrong for s in self.shares) or bool(self.seen)


# A node's grad is complete once every node that uses it has passed its share on from a complete grad
# of its own: only then has it all it will get, and is it what PyTorch's is.
COMPLETE = "every node that uses it had passed its share on, from a complete grad of its own"


@dataclass(frozen=True)
class Walk:
    """A backward pass, call by call, with everything the page shows."""

    title: str  # the case's, with its seed
    order: str  # whose order the calls were made in: "your backward()", or the kata's own walk
    graph: list[TracedNode]
    expected: list[tuple[float, float]]  # PyTorch's (data, grad) of each node
    initial: list[float]  # each node's grad before the first call: yours
    complete_after: list[Optional[int]]  # the call after which each node's grad is complete (-1: from the start)
    steps: list[Step]
    words: list[str]  # make check's likely cause for the whole graph, or what its numbers show
    after_words: list[str]  # grads that changed after the last call, outside any _backward
    ends_right: bool  # every node ends with PyTorch's grad

    @property
    def first_wrong(self) -> Optional[int]:
        return next((i for i, step in enumerate(self.steps) if step.wrong), None)

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "graph": [list(n[:4]) + [list(n.operands)] for n in self.graph],
                "expected": self.expected, "initial": self.initial, "completeAfter": self.complete_after,
                "steps": [{**asdict(s), "wrong": s.wrong} for s in self.steps], "firstWrong": self.first_wrong,
                "words": self.words, "afterWords": self.after_words, "completeWords": COMPLETE}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def walk_of(title: str, order: str, graph: list[TracedNode], calls: list[Call], diagnosis: Diagnosis) -> Walk:
    """The calls made, each beside what PyTorch's numbers say it should give."""
    rows = diagnosis.rows
    users: list[list[int]] = [[] for _ in graph]
    for i, node in enumerate(graph):
        for j in dict.fromkeys(node.operands):
            users[j].append(i)
    complete_after = _complete_after(graph, calls, users)
    state = _initial(graph, calls)  # your grads as the calls leave them
    initial = list(state)
    expected_so_far = [0.0] * len(graph)
    expected_so_far[-1] = rows[-1].expected_grad  # the root, seeded
    first_run: dict[int, int] = {}
    steps: list[Step] = []
    for k, call in enumerate(calls):
        node = graph[call.node]
        repeat_of = first_run.setdefault(call.node, k)
        repeat = repeat_of != k  # PyTorch runs each node's backward once: a later run should add nothing
        runs = sum(c.node == call.node for c in calls[:k + 1])
        seen = [f"Its _backward runs again, for the {_ordinal(runs)} time (call {repeat_of + 1} ran it first). "
                "PyTorch's backward runs each node's once, so this adds its shares again."] if repeat else []
        seen += _changed_between(call, state)
        derivatives = local_derivatives(rows[call.node], rows)
        shares = []
        for position, j in enumerate(call.operands):
            places = [p for p, operand in enumerate(node.operands) if operand == j]
            yours = call.after[position] - call.before[position]
            local = sum(call.local_grads[p] for p in places) if call.local_grads is not None else None
            expected_local = sum(derivatives[p][0] for p in places) if derivatives is not None else None
            expected_share = (None if expected_local is None
                              else 0.0 if repeat else expected_local * rows[call.node].expected_grad)
            if expected_share is not None:
                expected_so_far[j] += expected_share
            share = Share(j, local, expected_local, yours, expected_share, call.after[position],
                          expected_so_far[j] if expected_share is not None else None,
                          expected_share is not None and not _close(yours, expected_share))
            shares.append(share)
            if share.wrong and not repeat:
                per_use = (call.local_grads[places[0]] if call.local_grads is not None
                           else derivatives[places[0]][0] if derivatives is not None else None)
                seen += _seen(call, share, len(places), per_use)
            state[j] = call.after[position]
        waiting = [u for u in users[call.node]
                   if not any(c.node == u and _complete_before(complete_after, u, i) for i, c in enumerate(calls[:k]))]
        complete = _complete_before(complete_after, call.node, k)
        state_words = _state(call, k, rows[call.node].expected_grad, complete, waiting, repeat_of if repeat else None,
                             call.node == len(graph) - 1, steps)
        steps.append(Step(call.node, call.grad, rows[call.node].expected_grad, complete, waiting,
                          repeat_of if repeat else None, shares, seen, state_words))
    after_words = [f"By the end, node {i}'s grad had changed from {mine:.6g} to {float(node.grad):.6g}, outside "
                   "any _backward (after the last call that gave it a share)."
                   for i, (node, mine) in enumerate(zip(graph, state)) if not _close(float(node.grad), mine)]
    never = [i for i, node in enumerate(graph) if node.operands and i not in first_run]
    if never:
        after_words.insert(0, f"The _backward of node{'s' * (len(never) > 1)} {', '.join(map(str, never))} never "
                              "ran, so nothing passed through to the nodes below.")
    words = _supported(diagnosis, steps, rows[-1].grad_ok)
    return Walk(title, order, graph, [(r.expected_data, r.expected_grad) for r in rows], initial, complete_after,
                steps, words, after_words, all(r.grad_ok for r in rows))


# make check names causes from the final grads alone; the recording shows what happened. A cause is
# relayed only where the recorded calls show it, and one they cannot show is not relayed at all.
def _supported(diagnosis: Diagnosis, steps: list[Step], root_right: bool) -> list[str]:
    name = name_of(diagnosis.cause)
    shown = {
        "order not reversed": any(not s.complete and s.repeat_of is None for s in steps),
        "`=` instead of `+=`": any("set, not added" in line or "instead of adding" in line
                                   for s in steps for line in s.seen),
        "`* out.grad` missing": any("local derivative itself" in line for s in steps for line in s.seen),
        "a node's _backward run twice": any(s.repeat_of is not None for s in steps),
        "root not seeded with 1": not root_right,
    }
    if name in shown and shown[name]:
        return [f"Likely cause: {diagnosis.cause}"]
    return []


def _state(call: Call, k: int, expected: float, complete: bool, waiting: list[int], repeat_of: Optional[int],
           root: bool, earlier: list[Step]) -> str:
    """Whether the node's grad was ready to pass on as it ran, and if not, why."""
    if repeat_of is not None:
        return f"It ran its _backward before, at call {repeat_of + 1}."
    if root:
        return ("The root: its grad is the seed, d root / d root." if _close(call.grad, expected) else
                f"The root: its grad should start as the seed, {expected:.6g} (d root / d root); yours is "
                f"{call.grad:.6g}.")
    if not complete:
        if not waiting:
            return "Its grad is not complete: a node that uses it passed its share on from a grad that was not."
        names = ", ".join(f"node {u}" for u in waiting)
        return (f"Its grad is not complete yet: {names}, which "
                + ("uses it, had not passed its share on" if len(waiting) == 1 else "use it, had not passed theirs on")
                + " from a complete grad. What it passes on now comes too early.")
    if _close(call.grad, expected):
        return f"Its grad is complete: {COMPLETE}."
    wrong = [i for i, st in enumerate(earlier) for share in st.shares if share.node == call.node and share.wrong]
    why = (f"call {wrong[0] + 1} gave it a share that was not PyTorch's" if wrong
           else "it changed outside any _backward")
    return (f"Every node that uses it had passed its share on, yet its grad is {call.grad:.6g}, not PyTorch's "
            f"{expected:.6g}: {why}.")


def _complete_before(complete_after: list[Optional[int]], node: int, call: int) -> bool:
    """Whether the node's grad was complete as call ran."""
    done = complete_after[node]
    return done is not None and done < call


def _complete_after(graph: list[TracedNode], calls: list[Call], users: list[list[int]]) -> list[Optional[int]]:
    """For each node, the call after which its grad is complete (-1: the root, from the start; None:
    never), from the root down: a user's share counts once it passed it on from a complete grad."""
    complete: list[Optional[int]] = [None] * len(graph)
    for j in reversed(range(len(graph))):  # each node's users come after it in the graph
        if not users[j]:
            complete[j] = -1 if j == len(graph) - 1 else None
            continue
        passed = []
        for u in users[j]:
            ready = complete[u]
            run = next((k for k, c in enumerate(calls) if c.node == u and ready is not None and k > ready), None)
            passed.append(run)
        complete[j] = None if None in passed else max(p for p in passed if p is not None)
    return complete


def _changed_between(call: Call, state: list[float]) -> list[str]:
    """Grads that changed since the call before, outside any _backward (a reset, say)."""
    return [f"Before this call, node {j}'s grad changed from {state[j]:.6g} to {before:.6g}, outside any "
            "_backward." for j, before in [(call.node, call.grad), *zip(call.operands, call.before)]
            if not _close(before, state[j])]


def _seen(call: Call, share: Share, places: int, per_use: Optional[float]) -> list[str]:
    """What this call's numbers show about one wrong share: facts of the recording, never a guess.
    Your local derivative is known where your Value keeps _local_grads; else PyTorch's stands in.
    places: how many times the operand is in _prev (a * a: 2); per_use: one use's local derivative."""
    j, before = share.node, share.after - share.share
    seen = []
    if share.local is not None and share.expected_local is not None and not _close(share.local, share.expected_local):
        seen.append(f"Your local derivative for node {j} is {share.local:.6g}; PyTorch's is "
                    f"{share.expected_local:.6g}.")
    used = share.local if share.local is not None else share.expected_local
    if used is None:
        return seen
    given = used * call.grad  # the share this local derivative and this grad make
    one_use = per_use * call.grad if per_use is not None else None
    if places > 1 and one_use is not None and _close(share.after, one_use) and not _close(share.share, given):
        seen.append(f"Node {j} is used {places} times by this node, and its grad ends at one use's share, "
                    f"{one_use:.6g}, not the sum of them, {given:.6g}: each use was set, not added.")
    elif not _close(before, 0.0) and _close(share.after, given) and not _close(share.share, given):
        seen.append(f"It set node {j}'s grad to a share, {given:.6g}, instead of adding it to the {before:.6g} "
                    f"node {j} had.")
    elif (places == 1 and not _close(call.grad, 1.0) and _close(share.share, used)
          and not _close(share.share, given)):
        seen.append(f"It added the local derivative itself, {used:.6g}, to node {j}'s grad, not the local "
                    f"derivative times the node's grad ({call.grad:.6g}).")
    return seen


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third"}.get(n, f"{n}th")


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


@dataclass(frozen=True)
class Chosen:
    instance: Instance
    why: str  # why this case, in a sentence: "" when the learner named it
    failing: bool  # whether make check found it failing


def find_case(name: str, package: str, spelling: Spelling, search_path: Optional[Path] = None) -> Chosen:
    """The case named (test_..., or exercise::test_...), or the first failing case of make check
    that traced a graph, or, when nothing fails, the first case of backward: a correct pass."""
    if name:
        exercise, _, case_name = name.rpartition("::")
        for e in EXERCISES:
            if exercise in ("", e.name):
                found = next((c for c in cases_of(e.name) if c.name == case_name), None)
                if found is not None:
                    return Chosen(found.instances()[0], "", False)
        raise NothingToStep(f"No case is named {name}: the names are the test_... functions in tests/, as in "
                            f"{spelling.command('step', case='test_a_chain_multiplies_local_derivatives')}.")
    scores = check(list(EXERCISES), package, search_path)
    failing = next((s for s in scores if not s.passed and not s.blocked_by), None)
    if failing is None:
        correct = cases_of("backward")[0].instances()[0]
        return Chosen(correct, "Every exercise checked passes, so here is a correct pass, backward's first case; "
                             f"{spelling.command('step', case='name')} shows another.", False)
    traced = next((v for v in failing.verdicts if not v.passed and v.graph is not None), None)
    if traced is None:
        first = failing.first_failure
        raised = (f" (your code raised {first.problem.message.split(':')[0]} before one was built)"
                  if first is not None and first.problem is not None else "")
        raise NothingToStep(
            f"Nothing to step through yet: no failing case of {failing.exercise.name} traced a graph{raised}. "
            f"{spelling.command('check')} explains its first failure; {spelling.command('step', case='name')} "
            "steps through any case that traces a graph.")
    return Chosen(traced.instance, f"The first failing case that traced a graph: {traced.instance.case.title}.",
                  True)


def run_recorded(instance: Instance, package: str, search_path: Optional[Path] = None) -> Outcome:
    """The instance run in a child, as make check runs it, with each _backward call recorded."""
    with Session(package, search_path, record_steps=True) as session:
        return session.run([instance])[instance.key]


def title_of(instance: Instance) -> str:
    return instance.case.title + ("" if instance.seed is None else f" (seed {instance.seed})")


def walk_for(instance: Instance, outcome: Outcome) -> Walk:
    title = title_of(instance)
    if outcome.problem is not None:
        raise NothingToStep(f"{title}: your code did not finish it ({outcome.problem.message}).")
    if outcome.graph is None or not outcome.steps:
        raise NothingToStep(f"{title}: it traced no graph whose _backward calls could be recorded.")
    yours = uses_your_backward(instance.case.exercise)
    diagnosis = diagnose(outcome.graph, outcome.seed, oracle_outcome(instance).graph, NodeCache(NODE_CACHE_PATH),
                         your_backward=yours)
    if diagnosis is None:
        raise NothingToStep(f"{title}: PyTorch cannot rebuild its graph (an operation the kata does not know), "
                            "so there is nothing to set beside your numbers.")
    order = "your backward()" if yours else "the kata's own walk (exercise 1's cases run it, not your backward())"
    return walk_of(title, order, outcome.graph, outcome.steps, diagnosis)


def summary(walk: Walk, failing: bool = False) -> str:
    """The page's news in the terminal: where the pass first differs from PyTorch's, or that it does not."""
    calls = len(walk.steps)
    lines = [f"{walk.title}: {calls} _backward call{'s' * (calls != 1)}, in the order {walk.order} made them."]
    first = walk.first_wrong
    if first is None:
        if walk.after_words:
            lines += ["Every call gave the shares PyTorch's numbers give, yet the pass is not right:",
                      *walk.after_words]
        elif not walk.ends_right:
            lines += ["Every call gave the shares PyTorch's numbers give, yet not every node ends with PyTorch's "
                      "grad: the grads the calls started from were not PyTorch's.", *walk.words]
        elif failing:
            lines.append("This graph's pass agrees with PyTorch's, yet the case fails: it checks more than this "
                         "graph (a case that traces several graphs shows its last). make check says which "
                         "numbers differ.")
        else:
            lines.append("Every share each call gave agrees with PyTorch's: a correct pass.")
        return "\n".join(lines)
    step = walk.steps[first]
    node = walk.graph[step.node]
    lines.append(f"Call {first + 1} is the first that differs from PyTorch's numbers: node {step.node} ({node.op}) "
                 "runs its _backward.")
    for share in (s for s in step.shares if s.wrong):
        before = share.after - share.share
        changed = (f"It left node {share.node}'s grad at {before:.6g}" if _close(share.share, 0.0) else
                   f"It changed node {share.node}'s grad from {before:.6g} to {share.after:.6g}")
        lines.append(f"  {changed}; PyTorch's numbers add {share.expected_share:.6g}.")
    lines += [f"  {line}" for line in step.seen]
    if not step.complete and step.repeat_of is None:
        waiting = ", ".join(map(str, step.waiting_on))
        lines.append(f"  Its own grad was not complete yet: node {waiting}, which uses it, had not passed its "
                     "share on from a complete grad." if len(step.waiting_on) == 1 else
                     f"  Its own grad was not complete yet: nodes {waiting}, which use it, had not passed "
                     "theirs on from complete grads.")
    if walk.words:
        lines += ["make check's likely cause, from the whole graph, which these calls show:", *walk.words]
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None, *, spelling: Spelling = Spelling.PYTHON, package: str = "exercises",
         page: Path = PAGE) -> int:
    parser = argparse.ArgumentParser(prog="make step", description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", default="", help="a case by name (test_...), failing or passing")
    args = parser.parse_args(argv)
    from kata.learner.step_page import as_html  # the page: only once there is a walk to show

    shown = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page
    try:
        chosen = find_case(args.case, package, spelling)
        walk = walk_for(chosen.instance, run_recorded(chosen.instance, package))
    except NothingToStep as reason:
        print(reason, file=sys.stderr)
        if page.exists():  # an earlier run's page would show a pass that is no longer yours
            page.unlink()
            print(f"(The page of an earlier make step, {shown}, is removed.)", file=sys.stderr)
        return 1
    news = "\n".join([chosen.why] * bool(chosen.why) + [summary(walk, chosen.failing)])
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(as_html(walk, news), encoding="utf-8")
    print(news)
    opens = f"call {walk.first_wrong + 1}" if walk.first_wrong is not None else "the first call"
    print(f"\nWrote {shown}: open it in a browser to step through every call (it opens at {opens}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
