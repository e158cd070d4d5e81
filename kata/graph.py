"""Walking a Value graph through `_prev` alone, for code that must not trust the learner's backward."""

from __future__ import annotations

from typing import Any


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
