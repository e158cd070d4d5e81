"""Exercise 2, by PyTorch: every node's grad from torch.autograd over the whole graph."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from kata.core.graph import nodes_in_order

if TYPE_CHECKING:
    from kata.core.oracle.value import Value


def topological_order(root: Value) -> list[Value]:
    return nodes_in_order(root)


def backward(root: Value) -> None:
    """Every node's grad from torch.autograd: interior nodes get d(root)/d(node), leaves add it."""
    nodes = topological_order(root)
    grads = torch.autograd.grad(root.tensor, [node.tensor for node in nodes],
                                retain_graph=True, allow_unused=True)
    for node, grad in zip(nodes, grads):
        g = 0.0 if grad is None else grad.item()
        if node._prev:
            node.grad = g
        else:
            node.grad += g
