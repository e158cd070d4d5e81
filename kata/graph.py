"""Walking a Value graph through `_prev` alone, for code that must not trust the learner's backward."""

from __future__ import annotations

from typing import Any


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
            stack.extend((child, False) for child in reversed(node._prev))
    return order
