"""A Value graph as the pictures show it: plain data traced from any implementation, finished
or not, and the texts of a Value's box. Graphviz's drawing (kata.learner.draw) and the one
written here (kata.learner.layout) both read it."""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

from kata.core.graph import TracedNode, short_repr, traced

# A marked Value (the first that is wrong): its fill and outline, in both drawings.
HIGHLIGHT_FILL, HIGHLIGHT_STROKE = "#ffd6d6", "#c62828"


def as_graph(root: Any) -> list[TracedNode]:
    """A traced graph (TracedNodes, or lists of their five fields), checked, or the graph traced
    from a live root."""
    if not isinstance(root, (list, tuple)):
        return traced(root)
    graph = []
    for i, node in enumerate(root):
        if len(node) != 5 or not all(isinstance(j, int) and 0 <= j < i for j in node[4]):
            raise ValueError(f"node {i} of the graph is not [op, label, data, grad, operand "
                             "indices] with its operands listed before it")
        graph.append(TracedNode(node[0], node[1], node[2], node[3], tuple(node[4])))
    return graph


def check_highlight(graph: Sequence[TracedNode], highlight: Optional[int]) -> None:
    if highlight is not None and not 0 <= highlight < len(graph):
        raise ValueError(f"highlight={highlight} is not a node of this graph of {len(graph)} nodes")


def box_cells(label: object, data: object, grad: object) -> list[tuple[str, bool]]:
    """The texts of a Value's box, each with whether it is bold: label (if any), data, grad."""
    shown = [(str(label), True)] if label else []
    return shown + [(f"data {_number(data)}", False), (f"grad {_number(grad)}", False)]


def _number(x: object) -> str:
    """Four decimals, or scientific notation for numbers that four decimals would hide."""
    if isinstance(x, str):
        return x  # traced() already wrote down what a field that is not a number holds
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return short_repr(x)
    x = float(x)
    if x == 0.0 or not math.isfinite(x) or 1e-3 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"
