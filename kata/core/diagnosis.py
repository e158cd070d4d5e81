"""The node-by-node diagnosis of a failing case: where the learner's graph first parts from PyTorch.

Every node of the learner's own graph (op names, operands, data and grads, as
traced by the case) is set beside PyTorch's data and grad for the same node,
whatever shape the learner's graph has (PyTorch's numbers: kata.core.replay).
Known misconceptions are named when their evidence shows.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any, Optional

from kata.core.cause import NO_OUT_GRAD, RSUB, Cause
from kata.core.curriculum import exercise_named
from kata.core.graph import TracedNode
from kata.core.replay import NodeCache, checked

REL_TOL, ABS_TOL = 1e-7, 1e-10


@dataclass(frozen=True)
class NodeRow:
    index: int
    op: str
    label: str
    data: float
    expected_data: float
    grad: float
    expected_grad: float
    uses: int  # how many times the node is an operand
    operands: tuple[int, ...] = ()

    @property
    def data_ok(self) -> bool:
        return _close(self.data, self.expected_data)

    @property
    def grad_ok(self) -> bool:
        return _close(self.grad, self.expected_grad)

    @property
    def name(self) -> str:
        what = f"{self.op} node" if self.op else "leaf"
        return f"node {self.index} ({what}{' ' + self.label if self.label else ''})"


@dataclass(frozen=True)
class Diagnosis:
    rows: list[NodeRow]
    culprit: Optional[int]  # the node to look at: its forward, its _backward, or the seed
    where: str  # why that node: what is wrong there
    cause: str  # a named misconception, verified on the learner's numbers, or ""
    known: str = ""  # without a cause: what the learner's numbers show at that node, if anything
    your_backward: bool = True  # the case ran the learner's backward(), not the kata's own walk

    @property
    def heading(self) -> str:
        # "should": the table's order is the right one, whichever order the learner's backward() took.
        visits = "backward() should visit it" if self.your_backward else "the kata's own walk visits it"
        return f"Your graph, node by node, root first, in the order {visits}:"

    @property
    def notes(self) -> list[str]:
        """The sentences under the table: why the marked node, then the cause, or what is known."""
        return ([f"→ {self.where}"] * (self.culprit is not None)
                + ([f"Likely cause: {self.cause}"] if self.cause else
                   [f"What your numbers show: {self.known}"] if self.known else []))

    def render(self) -> str:
        lines = [f"  {self.heading}",
                 f"    {'':2}{'#':>3}  {'op':<8} {'label':<6} {'uses':>4} {'your data':>13} {'PyTorch':>13}"
                 f" {'your grad':>13} {'PyTorch':>13}"]
        for r in reversed(self.rows):
            mark = "→" if r.index == self.culprit else " "
            data_mark = " " if r.data_ok else "✗"
            grad_mark = " " if r.grad_ok else "✗"
            lines.append(f"    {mark} {r.index:>3}  {r.op[:8]:<8} {r.label[:6]:<6} {r.uses:>4}"
                         f" {r.data:>13.6g} {r.expected_data:>12.6g}{data_mark}"
                         f" {r.grad:>13.6g} {r.expected_grad:>12.6g}{grad_mark}")
        lines += [wrapped(f"  {note}") for note in self.notes]
        return "\n".join(lines)


WIDTH = 100  # characters: every report and message the kata prints is folded to this width


def wrapped(text: str, width: int = WIDTH) -> str:
    """A long sentence of the report folded to width, its later lines indented under the first."""
    return textwrap.fill(text, width, subsequent_indent="    ", break_on_hyphens=False)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def uses_your_backward(exercise: str) -> bool:
    """Whether a case of the exercise runs the learner's backward() (exercise 2 on); exercise 1's
    cases walk the graph with the kata's own order, so no order or seed of theirs is to blame."""
    return exercise_named(exercise).number >= exercise_named("backward").number


def diagnose(graph: Any, seed: float, reference: Optional[list[TracedNode]] = None,
             cache: Optional[NodeCache] = None, *, your_backward: bool = True) -> Optional[Diagnosis]:
    """The diagnosis of a traced graph, or None when it cannot be rebuilt (an unknown op, bad data).
    your_backward: the case ran the learner's backward() (uses_your_backward)."""
    nodes = checked(graph)
    if nodes is None:
        return None
    expected = (cache or NodeCache()).expected(nodes, seed, reference)
    if expected is None:
        return None
    uses = [0] * len(nodes)
    for node in nodes:
        for operand in node.operands:
            uses[operand] += 1
    rows = [NodeRow(i, n.op, n.label, float(n.data), d, float(n.grad), g, uses[i], n.operands)
            for i, (n, (d, g)) in enumerate(zip(nodes, expected))]
    culprit, where = _culprit(rows, your_backward)
    cause = _cause(rows, culprit, seed, your_backward) if culprit is not None else ""
    known = _local_derivative_shown(rows, culprit) if culprit is not None and not cause else ""
    return Diagnosis(rows, culprit, where, cause, known, your_backward)


def _culprit(rows: list[NodeRow], your_backward: bool) -> tuple[Optional[int], str]:
    """The node to look at, and why.

    A wrong value: the first node whose operands are right and whose own data
    is not, so its forward computation. A wrong grad: the grads flow from the
    root, so the root if its own grad is wrong (the seed), else the node
    nearest the root whose grad is right but which passed wrong grads on (its
    _backward, or the moment it was called).
    """
    wrong_data = next((r for r in rows if not r.data_ok), None)
    if wrong_data is not None:
        return wrong_data.index, (f"{wrong_data.name}: its operands' data agree with PyTorch, its "
                                  "own does not. Look at how this operation computes its value.")
    root = rows[-1]
    if not root.grad_ok:
        return root.index, (f"{root.name}, the root: its grad should be {root.expected_grad:g} "
                            "before any _backward runs.")
    for r in reversed(rows):
        wrong = [rows[i] for i in dict.fromkeys(r.operands) if not rows[i].grad_ok]
        if r.grad_ok and wrong:
            names = ", ".join(str(w.index) for w in wrong)
            return r.index, (f"{r.name} has the right grad, but its operand{'s' * (len(wrong) > 1)} "
                             f"{names} did not get the right share{'s' * (len(wrong) > 1)} from it. "
                             f"Look at the local derivatives this {r.op} records and at _backward, which "
                             "applies them" + (", and at when backward() calls it." if your_backward else "."))
    return None, ""
def _cause(rows: list[NodeRow], culprit: int, seed: float, your_backward: bool) -> str:
    node, root = rows[culprit], rows[-1]
    if not node.data_ok:
        if _close(node.data, -node.expected_data):
            return RSUB.because(f"node {node.index} ({node.op}) has the right size but the wrong sign.")
        return ""
    if not root.grad_ok:
        if root.grad == 0.0 and your_backward:
            return Cause("root not seeded with 1",
                         "the root's grad is 0: an unseeded root. backward() starts by adding 1.0 to "
                         "root.grad (d root/d root = 1); everything else follows from it.")
        return ""
    wrong = [r for r in rows if not r.grad_ok]
    if all(r.grad == 0.0 for r in wrong) and your_backward:
        return Cause("order not reversed",
                     f"node {node.index} passed its grad on before that grad was complete, so nodes "
                     "below it never got theirs: call _backward in reverse topological order (root "
                     "first), and let _backward add to the operands' grads.")
    operands = [rows[i] for i in dict.fromkeys(node.operands)]
    overwritten = next((o for o in operands if not o.grad_ok and o.uses >= 2 and _one_share(o, rows)), None)
    # An operand only this node uses shows its _backward's own share: wrong there, the fault is in
    # what _backward passes on, and a shared operand's grad equal to one share is a coincidence.
    if overwritten is not None and all(o.grad_ok for o in operands if o.uses == 1):
        return Cause("`=` instead of `+=`",
                     f"node {overwritten.index} is used {overwritten.uses} times and its grad is the "
                     f"share of one of its users ({overwritten.grad:g}), not the sum of all of them "
                     f"({overwritten.expected_grad:g}): each use must add its share. Use += in "
                     "_backward, not =.")
    repeats = _passed_on_repeatedly(node, rows) if your_backward else 0
    if repeats:
        return Cause("a node's _backward run twice",
                     f"every operand of node {node.index} got {repeats} times its share: its _backward "
                     f"ran {repeats} times. Is the node listed more than once in your topological "
                     "order? Mark a node visited before you walk its operands, and list it once.")
    named = _local_derivative_slip(node, operands)
    if named:
        return named
    # A stray factor is a claim about every wrong number: it needs several of them, not one.
    measured = [r for r in wrong if r.expected_grad != 0.0]
    ratios = {round(r.grad / r.expected_grad, 6) for r in measured}
    if len(ratios) == 1 and len(measured) >= 2 and ratios != {0.0}:  # zeros: nothing arrived, no factor
        (ratio,) = ratios
        if ratio == -1:
            return Cause("local derivative of the wrong sign",
                         "every wrong grad has the right size and the wrong sign: check the signs of "
                         "the local derivatives.")
        if math.isclose(ratio * seed, 1.0) and seed != 1.0:
            return NO_OUT_GRAD.because(f"every wrong grad is 1/{seed:g} of PyTorch's, and the root's grad "
                                       f"was {seed:g}:")
        seed_too = "the seed (root.grad starts from 1) and " if your_backward else ""
        return Cause("a stray factor",
                     f"every wrong grad is {ratio:g} times PyTorch's: a stray factor. Check {seed_too}"
                     "that each local derivative is used exactly once.")
    return ""


def local_derivatives(node: NodeRow, rows: list[NodeRow]) -> Optional[list[tuple[float, str]]]:
    """PyTorch's local derivative of node with respect to each of its operands, in order, from
    PyTorch's data, with its formula; None for an op the kata does not know."""
    args = [rows[i].expected_data for i in node.operands]
    out = node.expected_data
    try:
        if node.op == "+" and len(args) == 2:
            return [(1.0, "1"), (1.0, "1")]
        if node.op == "-" and len(args) == 2:
            return [(1.0, "1"), (-1.0, "-1")]
        if node.op == "*" and len(args) == 2:
            return [(args[1], "the other operand"), (args[0], "the other operand")]
        if node.op == "/" and len(args) == 2:
            return [(1 / args[1], "1/b"), (-args[0] / args[1] ** 2, "-a/b**2")]
        if node.op == "neg" and len(args) == 1:
            return [(-1.0, "-1")]
        if node.op == "exp" and len(args) == 1:
            return [(out, "out = e**x")]
        if node.op == "log" and len(args) == 1:
            return [(1 / args[0], "1/x")]
        if node.op == "tanh" and len(args) == 1:
            return [(1 - out**2, "1 - out**2")]
        if node.op == "sigmoid" and len(args) == 1:
            return [(out * (1 - out), "out * (1 - out)")]
        if node.op == "relu" and len(args) == 1:
            return [(1.0 if args[0] > 0 else 0.0, "1 if x > 0 else 0")]
        if node.op.startswith("**") and len(args) == 1:
            k = float(node.op[2:])
            return [(k * args[0] ** (k - 1), f"{k:g} * x**{k - 1:g}")]
    except (ValueError, ZeroDivisionError, OverflowError):
        return None
    return None


def _shares(operand: NodeRow, rows: list[NodeRow]) -> Optional[list[float]]:
    """What each use of operand passes it, with its users' grads as the learner has them (right,
    where this is asked) and PyTorch's local derivatives; None if a user's op is unknown."""
    shares = []
    for user in rows:
        if operand.index not in user.operands:
            continue
        derivatives = local_derivatives(user, rows)
        if derivatives is None:
            return None
        shares += [user.grad * d for i, (d, _) in zip(user.operands, derivatives) if i == operand.index]
    return shares


def _one_share(operand: NodeRow, rows: list[NodeRow]) -> bool:
    """The evidence for `=` instead of `+=`: operand's grad is one use's share, not their sum."""
    shares = _shares(operand, rows)
    return shares is not None and len(shares) >= 2 and any(_close(operand.grad, share) for share in shares)


def _passes_on_its_shares(node: NodeRow, rows: list[NodeRow]) -> bool:
    """Whether node's _backward gave each operand that it alone uses exactly its share (one at least)."""
    derivatives = local_derivatives(node, rows)
    checked = [(rows[i], d) for i, (d, _) in zip(node.operands, derivatives or [])
               if rows[i].uses == 1 and node.operands.count(i) == 1]
    return bool(checked) and all(_close(operand.grad, node.grad * d) for operand, d in checked)


def _passed_on_repeatedly(node: NodeRow, rows: list[NodeRow]) -> int:
    """How many times node's _backward ran, where its operands (used by it alone) each got the same
    whole multiple, at least 2, of their share, and another node's _backward is right (else the
    multiple is in every _backward: a stray factor); 0 where the numbers do not show that."""
    if not any(_passes_on_its_shares(other, rows) for other in rows if other is not node and other.operands):
        return 0
    derivatives = local_derivatives(node, rows)
    if derivatives is None or len(set(node.operands)) != len(node.operands):
        return 0
    multiples = set()
    for i, (d, _) in zip(node.operands, derivatives):
        operand, share = rows[i], node.grad * d
        if operand.uses != 1 or share == 0.0:
            return 0
        multiples.add(round(operand.grad / share, 6))
    (multiple,) = multiples if len(multiples) == 1 else (0.0,)
    return int(multiple) if multiple >= 2 and multiple == int(multiple) else 0


def _local_derivative_shown(rows: list[NodeRow], culprit: int) -> str:
    """The first operand of the culprit whose share is wrong, with the local derivative the learner's
    _backward applied and PyTorch's, where the numbers tell them apart (an operand it alone uses)."""
    node = rows[culprit]
    derivatives = local_derivatives(node, rows)
    if derivatives is None or node.grad == 0.0 or not node.grad_ok:
        return ""
    for i, (right, formula) in zip(node.operands, derivatives):
        operand = rows[i]
        if operand.grad_ok or operand.uses != 1 or node.operands.count(i) != 1:
            continue
        yours = operand.grad / node.grad
        return (f"your {node.op} (node {node.index}) passed node {i} {yours:.6g} times its own grad, "
                f"so {yours:.6g} was applied as its local derivative; PyTorch's is "
                f"{formula} = {right:.6g}. Look at the method that makes a {node.op} node, where "
                "that local derivative is written.")
    return ""


def _each_got_its_own_data(node: NodeRow, operands: list[NodeRow]) -> bool:
    """Both operands of a product, each used by it alone and unlike the other, got their own data as
    the local derivative: the two are swapped (one operand alone wrong is another mistake)."""
    if len(operands) != 2 or operands[0] is operands[1] or _close(operands[0].data, operands[1].data):
        return False
    return all(o.uses == 1 and not o.grad_ok and _close(o.grad / node.grad, o.data) for o in operands)


def _local_derivative_slip(node: NodeRow, operands: list[NodeRow]) -> str:
    """A wrong local derivative of a known kind, read off an operand that only this node uses."""
    if node.grad == 0.0:
        return ""
    for operand in operands:
        if operand.grad_ok or operand.uses != 1:
            continue
        # The local derivative the learner applied, and the one PyTorch has.
        yours, right = operand.grad / node.grad, operand.expected_grad / node.expected_grad
        if _close(operand.grad, right) and not _close(node.grad, 1.0):
            return NO_OUT_GRAD.because(f"node {operand.index} got the local derivative {right:g} itself, "
                                       f"not multiplied by out.grad ({node.grad:g}):")
        if node.op == "relu" and operand.data == 0.0 and _close(yours, 1.0):
            return Cause("relu'(0) = 1",
                         "relu's derivative at exactly 0 is taken as 1 here; PyTorch takes it as 0. "
                         "Test x > 0, not x >= 0.")
        if node.op == "exp" and _close(yours, operand.data) and not _close(right, operand.data):
            return Cause("exp's derivative from the operand",
                         f"exp's local derivative is e**x, the result ({node.data:g}), but yours is x "
                         f"({operand.data:g}), the operand.")
        if not _close(node.data, node.grad) and _close(operand.grad, right * node.data):
            return Cause("out.data for out.grad",
                         f"node {operand.index} got its local derivative times the node's data "
                         f"({node.data:g}), not times its grad ({node.grad:g}): _backward must multiply "
                         "each local derivative by out.grad.")
        if node.op == "*" and _each_got_its_own_data(node, operands):
            return Cause("swapped derivatives of *",
                         "the local derivatives of * are swapped: d(a*b)/da is b and d(a*b)/db is a, "
                         "each operand gets the other's data.")
    return ""
