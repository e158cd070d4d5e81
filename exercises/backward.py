"""Exercise 2: backpropagation over the whole graph.

Each node's `_backward` hands its grad to its operands. That is only correct
once the node's own grad is complete, that is, once every node that uses it
has already handed over its share. If a node passed its grad on too early, the
shares that arrived later would never reach its operands.

A topological order lists every node after all of its operands, with the root
last. Walk that list backwards and every node comes before all of its
operands, so by the time a node is reached, everything that uses it has
already run. That is exactly the guarantee we need.

Building the order by recursion (visit the operands, then list the node) is
the natural first idea, but Python stops recursion at about a thousand frames.
The graded chain of 5,000 multiplications would crash it, so keep your own
stack of work instead: a list you append to and pop from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Return every node root depends on, each after all of its operands; root last.

    Each node appears exactly once, even when it is reached along several
    paths (remember visited nodes by identity, for example with id(node)).
    Leaves appear too. Do not recurse: the graded chain of 5,000 operations
    must work, and a recursive walk fails past about a thousand.

    Hint: keep a stack of (node, operands_listed) pairs. When a node is first
    popped, mark it visited and push it back with operands_listed set, then
    push its operands from `_prev`. When it is popped a second time, all of
    its operands have been listed, so it may be appended to the order.
    Pushing the operands in reverse makes them come out in `_prev` order.
    """
    # TODO: build the order with an explicit stack, not recursion.
    raise NotImplementedError("exercise 2 (backward): write topological_order")


def backward(root: Value) -> None:
    """Set every node's grad to d(root)/d(node), adding to the leaves' grads.

    1. Get the topological order of root.
    2. Reset the grad of every interior node (one that has operands) to 0.0,
       because it is computed afresh on every call. Leave the leaves' grads
       alone: they accumulate across calls, which is what zero_grad() is for.
    3. Add 1.0 to root.grad: d(root)/d(root) = 1. This is the seed that every
       other grad is built from.
    4. Call each node's `_backward` in reverse topological order.
    """
    # TODO: reset interior grads, seed the root, then run _backward in reverse order.
    raise NotImplementedError("exercise 2 (backward): write backward")
