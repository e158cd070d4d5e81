"""Walking a Value graph through `_prev` alone, for code that must not trust the learner's backward,
and tracing it into plain data: what the diagnosis, the drawings and the case runner's answers carry."""

from __future__ import annotations

import math
from typing import Any, Callable, NamedTuple, Optional, Sequence, Union


class ContractError(TypeError):
    """A learner's Value breaks what the kata relies on: which attribute, and what is expected."""

    def __init__(self, attribute: str, message: str) -> None:
        super().__init__(message)
        self.attribute = attribute


def operands(node: Any) -> tuple[Any, ...]:
    """node._prev, which must keep the operands in order: a tuple or a list."""
    prev = node._prev
    if not isinstance(prev, (tuple, list)):
        raise ContractError("_prev", f"Value._prev is a {type(prev).__name__}; the kata expects a "
                            "tuple of the operands in order, as they were given (a * a lists a "
                            "twice, and _local_grads pairs with them one by one)")
    return tuple(prev)


def nodes_in_order(root: Any) -> list[Any]:
    """Every node under root, each after its operands, root last (an explicit stack, no recursion)."""
    order: list[Any] = []
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, operands_listed = stack.pop()
        if operands_listed:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(operands(node)))
    return order


class TracedNode(NamedTuple):
    """One Value of a traced graph, as plain data. A tuple, so that it travels as a JSON list."""

    op: str  # "" for a leaf
    label: str
    data: Union[float, str]  # a number, or, for an unfinished Value, a short text saying what it holds
    grad: Union[float, str]
    operands: tuple[int, ...]  # earlier nodes of the graph, in order, once per use (a*a: twice)


def traced(root: Any) -> list[TracedNode]:
    """The graph under root, each Value after its operands, root last, from its public fields
    (data, grad, label, _op, _prev) alone: it works on any implementation, finished or not."""
    nodes = nodes_in_order(root)
    index = {id(node): i for i, node in enumerate(nodes)}
    return [TracedNode(_text_field(node, "_op"), _text_field(node, "label"), _number_field(node, "data"),
                       _number_field(node, "grad"), tuple(index[id(operand)] for operand in operands(node)))
            for node in nodes]


def numbers_only(graph: list[TracedNode]) -> bool:
    """Whether every data and grad of the graph is a number, as the diagnosis needs them."""
    return all(isinstance(n.data, float) and isinstance(n.grad, float) for n in graph)


def _text_field(node: Any, name: str) -> str:
    try:
        value = getattr(node, name, "")
        return str(value) if value else ""
    except Exception:  # a learner's property may raise: trace what can be traced
        return ""


def _number_field(node: Any, name: str) -> Union[float, str]:
    try:
        value = getattr(node, name)
    except Exception:
        return "missing"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an int too large for a float
            pass
    return short_repr(value)


def short_repr(value: object) -> str:
    """repr(value) in at most 40 characters, whatever value's own repr does."""
    try:
        shown = repr(value)
    except Exception:
        shown = f"<a {type(value).__name__}>"
    return shown if len(shown) <= 40 else shown[:37] + "..."


# Each op of a traced graph as plain arithmetic on floats, to re-evaluate a graph at moved leaves.
_FORWARD: dict[str, Callable[..., float]] = {
    "+": lambda a, b: a + b, "*": lambda a, b: a * b, "-": lambda a, b: a - b,
    "/": lambda a, b: a / b, "neg": lambda a: -a, "exp": math.exp, "log": math.log,
    "tanh": math.tanh, "relu": lambda a: max(0.0, a), "sigmoid": lambda a: 1.0 / (1.0 + math.exp(-a)),
}
KINK = 1e-4  # a relu whose input is this close to 0: a numerical derivative there means nothing


def evaluate(graph: Sequence[TracedNode], leaves: Sequence[float]) -> float:
    """The root's value of a traced graph with its leaves, in order, set to leaves; ValueError for
    an op it does not know."""
    values: list[float] = []
    given = iter(leaves)
    for op, _label, _data, _grad, operands in graph:
        args = [values[i] for i in operands]
        values.append(next(given) if not operands else _apply(op, args))
    return values[-1]


def _apply(op: str, args: list[float]) -> float:
    if op in _FORWARD:
        return _FORWARD[op](*args)
    if op.startswith("**") and len(args) == 1:
        return float(args[0] ** float(op[2:]))
    if op == "w·x+b" and len(args) % 2 == 1:  # the fused neuron: w..., x..., b
        n = len(args) // 2
        return sum(w * x for w, x in zip(args[:n], args[n:2 * n])) + args[-1]
    raise ValueError(f"no forward for the op {op!r}")


def near_a_kink(graph: Sequence[TracedNode]) -> bool:
    """Whether a relu of the graph sits at its kink, where no derivative can be estimated."""
    return any(node.op == "relu" and abs(float(graph[node.operands[0]].data)) < KINK
               for node in graph if node.operands)


def numerical_leaf_grads(graph: Sequence[TracedNode], seed: float,
                         gradient: Callable[..., list[float]]) -> Optional[list[float]]:
    """Each leaf's grad as the numerical gradient the learner wrote (exercise 0) estimates it, times
    the root's seed; None near a kink or where the graph cannot be re-evaluated."""
    if near_a_kink(graph):
        return None
    leaves = [float(node.data) for node in graph if not node.operands]
    try:
        estimates = gradient(lambda *xs: evaluate(graph, xs), leaves)
        return [seed * float(e) for e in estimates]
    except (ArithmeticError, ValueError, TypeError, IndexError):
        return None
