"""A Value graph as the pictures show it: plain data traced from any implementation, finished
or not, and the texts of a Value's box. Graphviz's drawing (kata.learner.draw) and the one
written here (kata.learner.layout) both read it."""

from __future__ import annotations

import math
from typing import Any, Optional, Sequence

from kata.core.diagnosis import GraphNode
from kata.core.graph import nodes_in_order, operands

# A marked Value (the first that is wrong): its fill and outline, in both drawings.
HIGHLIGHT_FILL, HIGHLIGHT_STROKE = "#ffd6d6", "#c62828"


def traced(root: Any) -> list[GraphNode]:
    """The graph under root as [op, label, data, grad, operand indices] per Value, root last.

    Each Value comes after its operands, and an operand used twice (a*a) is listed
    twice. op and label are text ("" when missing); data and grad are floats, or,
    when an unfinished Value holds something else, a short text saying what.
    """
    nodes = nodes_in_order(root)  # operands before their users, without recursion
    index = {id(node): i for i, node in enumerate(nodes)}
    return [[_text_field(node, "_op"), _text_field(node, "label"),
             _number_field(node, "data"), _number_field(node, "grad"),
             [index[id(operand)] for operand in operands(node)]]
            for node in nodes]


def _text_field(node: Any, name: str) -> str:
    try:
        value = getattr(node, name, "")
        return str(value) if value else ""
    except Exception:  # a learner's property may raise: draw what can be drawn
        return ""


def _number_field(node: Any, name: str) -> float | str:
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
    try:
        shown = repr(value)
    except Exception:
        shown = f"<a {type(value).__name__}>"
    return shown if len(shown) <= 40 else shown[:37] + "..."


def as_graph(root: Any) -> list[GraphNode]:
    """A plain graph, checked, or the graph traced from a live root."""
    if not isinstance(root, (list, tuple)):
        return traced(root)
    graph = list(root)
    for i, node in enumerate(graph):
        if len(node) != 5 or not all(isinstance(j, int) and 0 <= j < i for j in node[4]):
            raise ValueError(f"node {i} of the graph is not [op, label, data, grad, operand "
                             "indices] with its operands listed before it")
    return graph


def check_highlight(graph: Sequence[GraphNode], highlight: Optional[int]) -> None:
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
