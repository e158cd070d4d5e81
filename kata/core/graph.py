"""Walking a Value graph through `_prev` alone, for code that must not trust the learner's backward."""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence


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


# Each op of a traced graph as plain arithmetic on floats, to re-evaluate a graph at moved leaves.
_FORWARD: dict[str, Callable[..., float]] = {
    "+": lambda a, b: a + b, "*": lambda a, b: a * b, "-": lambda a, b: a - b,
    "/": lambda a, b: a / b, "neg": lambda a: -a, "exp": math.exp, "log": math.log,
    "tanh": math.tanh, "relu": lambda a: max(0.0, a), "sigmoid": lambda a: 1.0 / (1.0 + math.exp(-a)),
}
KINK = 1e-4  # a relu whose input is this close to 0: a numerical derivative there means nothing


def evaluate(graph: Sequence[Sequence[Any]], leaves: Sequence[float]) -> float:
    """The root's value of a traced graph ([op, label, data, grad, operands] per node) with its
    leaves, in order, set to leaves; ValueError for an op it does not know."""
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


def near_a_kink(graph: Sequence[Sequence[Any]]) -> bool:
    """Whether a relu of the graph sits at its kink, where no derivative can be estimated."""
    return any(op == "relu" and abs(graph[operands[0]][2]) < KINK
               for op, _label, _data, _grad, operands in graph if operands)


def numerical_leaf_grads(graph: Sequence[Sequence[Any]], seed: float,
                         gradient: Callable[..., list[float]]) -> Optional[list[float]]:
    """Each leaf's grad as the numerical gradient the learner wrote (exercise 0) estimates it, times
    the root's seed; None near a kink or where the graph cannot be re-evaluated."""
    if near_a_kink(graph):
        return None
    leaves = [float(node[2]) for node in graph if not node[4]]
    try:
        estimates = gradient(lambda *xs: evaluate(graph, xs), leaves)
        return [seed * float(e) for e in estimates]
    except (ArithmeticError, ValueError, TypeError, IndexError):
        return None
