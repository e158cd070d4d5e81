"""The node-by-node diagnosis of a failing case: where the learner's graph first parts from PyTorch.

The learner's own graph (op names, operands, data and grads, as traced by the
case) is rebuilt in PyTorch from its leaves, so every node gets PyTorch's
value and PyTorch's gradient whatever shape the learner's graph has. Known
misconceptions are named when their signature shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

GraphNode = list[Any]  # [op, label, data, grad, operand indices], as kata.outcome traces it
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

    @property
    def data_ok(self) -> bool:
        return _close(self.data, self.expected_data)

    @property
    def grad_ok(self) -> bool:
        return _close(self.grad, self.expected_grad)


@dataclass(frozen=True)
class Diagnosis:
    rows: list[NodeRow]
    first_wrong: Optional[int]  # index of the node where the learner's numbers first part
    cause: str  # a named misconception, or ""

    def render(self) -> str:
        lines = ["  Your graph, node by node (operands before the nodes that use them):",
                 f"    {'':2}{'#':>3}  {'op':<8} {'label':<6} {'your data':>13} {'PyTorch':>13}"
                 f" {'your grad':>13} {'PyTorch':>13}"]
        for r in self.rows:
            mark = "→" if r.index == self.first_wrong else " "
            data_mark = " " if r.data_ok else "✗"
            grad_mark = " " if r.grad_ok else "✗"
            lines.append(f"    {mark} {r.index:>3}  {r.op[:8]:<8} {r.label[:6]:<6} {r.data:>13.6g}"
                         f" {r.expected_data:>12.6g}{data_mark} {r.grad:>13.6g}"
                         f" {r.expected_grad:>12.6g}{grad_mark}")
        if self.first_wrong is not None:
            lines.append(f"  → node {self.first_wrong} is where yours first differs from PyTorch.")
        if self.cause:
            lines.append(f"  Likely cause: {self.cause}")
        return "\n".join(lines)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def diagnose(graph: Any, seed: float) -> Optional[Diagnosis]:
    """The diagnosis of a traced graph, or None when it cannot be rebuilt (an unknown op, bad data)."""
    nodes = _checked(graph)
    if nodes is None:
        return None
    expected = _replay(nodes, seed)
    if expected is None:
        return None
    uses = [0] * len(nodes)
    for node in nodes:
        for operand in node[4]:
            uses[operand] += 1
    rows = [NodeRow(i, n[0], n[1], n[2], d, n[3], g, uses[i])
            for i, (n, (d, g)) in enumerate(zip(nodes, expected))]
    wrong_data = next((r for r in rows if not r.data_ok), None)
    # A node's grad is made from its users' grads: the first wrong one, seen from the root, is the culprit.
    wrong_grad = next((r for r in reversed(rows) if not r.grad_ok), None)
    first = wrong_data or wrong_grad
    return Diagnosis(rows, None if first is None else first.index, _cause(rows, wrong_data, wrong_grad, seed))


def _checked(graph: Any) -> Optional[list[GraphNode]]:
    """The graph if it is well formed (it comes from the learner's process), else None."""
    if not isinstance(graph, list) or not graph:
        return None
    for i, node in enumerate(graph):
        if not (isinstance(node, list) and len(node) == 5 and isinstance(node[0], str)
                and isinstance(node[1], str) and all(type(x) in (int, float) for x in node[2:4])
                and isinstance(node[4], list)
                and all(type(c) is int and 0 <= c < i for c in node[4])):
            return None
    return graph


def _operation(op: str, arity: int) -> Optional[Callable[..., Any]]:
    import torch

    unary: dict[str, Callable[..., Any]] = {
        "exp": torch.exp, "log": torch.log, "tanh": torch.tanh, "relu": torch.relu,
        "sigmoid": torch.sigmoid, "neg": torch.neg}
    if arity == 1 and op in unary:
        return unary[op]
    if arity == 1 and op.startswith("**"):
        try:
            exponent = float(op[2:])
        except ValueError:
            return None
        return lambda a: a**exponent
    binary: dict[str, Callable[..., Any]] = {
        "+": torch.add, "*": torch.mul, "-": torch.sub, "/": torch.div}
    if arity == 2 and op in binary:
        return binary[op]
    if op == "w·x+b" and arity % 2 == 1:  # the fused neuron: w..., x..., b
        n = arity // 2
        return lambda *t: torch.dot(torch.stack(t[:n]), torch.stack(t[n:2 * n])) + t[-1]
    return None


def _replay(nodes: list[GraphNode], seed: float) -> Optional[list[tuple[float, float]]]:
    """PyTorch's (data, grad) for every node, the grads scaled by the root's seed."""
    import torch

    tensors = []
    for op, _label, data, _grad, operands in nodes:
        if not operands:
            tensors.append(torch.tensor(float(data), dtype=torch.float64, requires_grad=True))
            continue
        operation = _operation(op, len(operands))
        if operation is None:
            return None
        tensors.append(operation(*(tensors[i] for i in operands)))
    root = tensors[-1]
    grads = torch.autograd.grad(root, tensors, allow_unused=True)
    return [(t.item(), seed * (0.0 if g is None else g.item())) for t, g in zip(tensors, grads)]


def _cause(rows: list[NodeRow], wrong_data: Optional[NodeRow], wrong_grad: Optional[NodeRow],
           seed: float) -> str:
    if wrong_data is not None:
        if _close(wrong_data.data, -wrong_data.expected_data):
            return (f"node {wrong_data.index} ({wrong_data.op}) has the right size but the wrong "
                    "sign. With a number on the left, 1 - x calls x.__rsub__(1), which must "
                    "compute other - self, not self - other.")
        return ""
    if wrong_grad is None:
        return ""
    if rows[-1].grad == 0.0 and rows[-1].expected_grad != 0.0:
        return "the root's grad is 0: backward starts by adding 1.0 to root.grad (d root/d root = 1)."
    if all(r.grad == 0.0 for r in rows if not r.grad_ok):
        return (f"node {wrong_grad.index} and others never got their grads: a node may pass its "
                "grad on only once that grad is complete, so call _backward in reverse topological "
                "order (root first), and let _backward add to the operands' grads.")
    if wrong_grad.uses >= 2:
        return (f"node {wrong_grad.index} is used {wrong_grad.uses} times, its users' grads are "
                "right, yet its own is not: each use must add its share. Use += in _backward, not =.")
    wrong = [r for r in rows if not r.grad_ok and r.expected_grad != 0.0]
    ratios = {round(r.grad / r.expected_grad, 6) for r in wrong}
    if len(ratios) == 1:
        (ratio,) = ratios
        if ratio == -1:
            return "every wrong grad has the right size and the wrong sign: check the signs of the local derivatives."
        if math.isclose(ratio * seed, 1.0) and seed != 1.0:
            return (f"every wrong grad is 1/{seed:g} of PyTorch's, and the root's grad was {seed:g}: "
                    "_backward must multiply each local derivative by the node's own grad.")
        return (f"every wrong grad is {ratio:g} times PyTorch's: a stray factor. Check the seed "
                "(root.grad starts from 1) and that each local derivative is used exactly once.")
    return ""
