"""Properties of the reference engine that the graded cases cannot see from outside."""

import gc
import sys

from solutions.value import Value


def test_backward_over_a_100000_node_chain_leaves_the_recursion_limit_alone() -> None:
    """y = x + 1 + 1 + ... (100,000 additions): dy/dx = 1, with no RecursionError."""
    limit = sys.getrecursionlimit()
    x = Value(0.0)
    y = x
    for _ in range(100_000):
        y = y + 1
    y.backward()
    assert (y.data, x.grad) == (100_000.0, 1.0)
    assert sys.getrecursionlimit() == limit


def test_a_graph_is_freed_without_the_cycle_collector() -> None:
    """Nodes refer only to their operands, so dropping the root frees the graph by reference counting."""
    gc.collect()
    gc.disable()
    try:
        x = Value(0.5)
        y = ((x * x + 1).tanh() - x / 2).relu()
        y.backward()
        del x, y
        assert gc.collect() == 0
    finally:
        gc.enable()
