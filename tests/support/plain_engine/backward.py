"""Exercise 2: backpropagation over the whole graph, in reverse topological order."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node root depends on, each after its operands; root last.

    The lecture's recursive build_topo, with its recursion turned into a stack
    of (node, operands_listed): a chain of 5,000 nodes is too deep to recurse.
    """
    topo: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        v, operands_listed = stack.pop()
        if operands_listed:
            topo.append(v)
        elif v not in visited:
            visited.add(v)
            stack.append((v, True))
            for child in reversed(v._prev):
                stack.append((child, False))
    return topo


def backward(root: Value) -> None:
    """Set every node's grad to d(root)/d(node), adding to the leaves' grads."""
    topo = topological_order(root)
    for v in topo:
        if v._prev:
            v.grad = 0.0
    root.grad += 1.0
    for v in reversed(topo):
        v._backward()
