"""Drawing a Value graph without Graphviz: a small layered layout, written as SVG text."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional, Sequence

from kata.core.graph import TracedNode
from kata.core.sanitise import html_line
from kata.learner.picture import HIGHLIGHT_FILL, HIGHLIGHT_STROKE, as_graph, box_cells, check_highlight

# Drawing without Graphviz: a small layered layout, in four steps.
#
# 1. Columns: each oval goes one column right of its furthest operand, and each
#    Value one column right of its oval, so that every arrow points right; a
#    leaf then moves right to the column just before its first use.
# 2. Bends: an arrow that skips columns gets an invisible bend in each column it
#    crosses, so that it runs between the boxes there rather than through them.
# 3. Order: each column is sorted by the average position of its neighbours in
#    the column before (then after), a few times over, which undoes most crossings.
# 4. Heights: each item moves to the average height of its neighbours, as near as
#    the items above and below it in its column allow. Arrows into one oval
#    then meet it at different heights, so that a*a shows its two arrows.

FONT_SIZE = 12
CHAR_WIDTH = 0.6 * FONT_SIZE  # a little over Helvetica's average, so that wider fonts fit too
BOLD_CHAR_WIDTH = 0.65 * FONT_SIZE
CELL_PADDING = 6  # from a cell's text to its walls
BOX_HEIGHT = 24
OVAL_HEIGHT = 24
COLUMN_GAP = 48  # between two columns, where the arrows bend
ITEM_GAP = 14  # between two boxes or ovals of one column
BEND_GAP = 6  # around an arrow passing through a column
SPREAD = 5  # between the heads of two arrows into one oval
MARGIN = 10
SWEEPS = 4  # passes of step 3, then of step 4: more change little
INK, ARROW_INK = "#333333", "#555555"


@dataclass(eq=False)
class _Item:
    """A Value's box, an operation's oval, or the bend of a long arrow: one thing in one column."""

    kind: str  # "value", "op" or "bend"
    index: int  # the graph's node it draws (for a bend, the node the arrow runs to)
    column: int
    width: float
    height: float
    ins: list[int] = field(default_factory=list)  # items of the column before with an arrow to it
    outs: list[int] = field(default_factory=list)  # items of the column after it has an arrow to
    y: float = 0.0  # its centre, from the top


@dataclass
class _Arrow:
    through: list[int]  # the items it runs through, from its tail to its head
    head_dy: float = 0.0  # how far below the middle of an oval its head meets it


def layout_svg(graph: Sequence[TracedNode], highlight: Optional[int] = None) -> str:
    """The graph drawn as SVG text by the layout written here, without Graphviz.

    Leaves are on the left and the root on the right. highlight is the index of a
    Value whose box is filled in red, such as the first one that is wrong.
    """
    graph = as_graph(graph)
    if not graph:
        raise ValueError("the graph is empty: there is nothing to draw")
    check_highlight(graph, highlight)
    items, arrows = _items(graph)
    columns = _ordered_columns(items)
    _place(items, columns)
    _spread_heads(items, arrows)
    return _svg_text(graph, items, arrows, columns, highlight)


def _columns_of(graph: Sequence[TracedNode]) -> tuple[list[int], list[int]]:
    """The column of each Value's box and of its oval (-1: it has none)."""
    box, oval = [0] * len(graph), [-1] * len(graph)
    first_use: list[Optional[int]] = [None] * len(graph)
    for i, (op, _label, _data, _grad, operand_indices) in enumerate(graph):
        if operand_indices or op:
            oval[i] = max((box[j] for j in operand_indices), default=-1) + 1
            box[i] = oval[i] + 1
            for j in operand_indices:
                used = first_use[j]
                first_use[j] = oval[i] if used is None else min(used, oval[i])
    # A leaf moves right to just before its first use, as Graphviz places it:
    # a bias added last sits beside the sum it joins, not far left at the end of a long arrow.
    for i, use in enumerate(first_use):
        if oval[i] < 0 and use is not None:
            box[i] = use - 1
    return box, oval


def _items(graph: Sequence[TracedNode]) -> tuple[list[_Item], list[_Arrow]]:
    """Every item to place (boxes and ovals in the graph's order, then bends), and every arrow."""
    box_column, oval_column = _columns_of(graph)
    items: list[_Item] = []
    box_item: list[int] = []
    oval_item: dict[int, int] = {}
    for i, (op, label, data, grad, _operands) in enumerate(graph):
        if oval_column[i] >= 0:
            oval_item[i] = len(items)
            items.append(_Item("op", i, oval_column[i], _oval_width(_op_text(op)), OVAL_HEIGHT))
        box_item.append(len(items))
        items.append(_Item("value", i, box_column[i], _box_width(box_cells(label, data, grad)), BOX_HEIGHT))

    arrows: list[_Arrow] = []

    def connect(tail: int, head: int) -> None:
        through = [tail]
        for column in range(items[tail].column + 1, items[head].column):
            through.append(len(items))
            items.append(_Item("bend", items[head].index, column, 0.0, 0.0))
        through.append(head)
        for a, b in zip(through, through[1:]):
            items[a].outs.append(b)
            items[b].ins.append(a)
        arrows.append(_Arrow(through))

    for i, oval in oval_item.items():
        for j in graph[i].operands:
            connect(box_item[j], oval)
        connect(oval, box_item[i])
    return items, arrows


def _spread_heads(items: list[_Item], arrows: list[_Arrow]) -> None:
    """Arrows into one oval meet it at different heights, in the order they come from, top first:
    none cross there, and both arrows of a*a show."""
    into: dict[int, list[_Arrow]] = {}
    for arrow in arrows:
        if items[arrow.through[-1]].kind == "op":
            into.setdefault(arrow.through[-1], []).append(arrow)
    for group in into.values():
        group.sort(key=lambda arrow: items[arrow.through[-2]].y)  # stable: a*a keeps its order
        spread = min(SPREAD, (OVAL_HEIGHT - 8) / max(len(group) - 1, 1))
        middle = (len(group) - 1) / 2
        for k, arrow in enumerate(group):
            arrow.head_dy = (k - middle) * spread


def _op_text(op: object) -> str:
    return str(op) if op else "?"


def _text_width(text: str, bold: bool = False) -> float:
    return len(text) * (BOLD_CHAR_WIDTH if bold else CHAR_WIDTH)


def _box_width(cells: list[tuple[str, bool]]) -> float:
    return sum(_text_width(text, bold) + 2 * CELL_PADDING for text, bold in cells)


def _oval_width(text: str) -> float:
    return max(_text_width(text) + 3 * CELL_PADDING, 1.6 * OVAL_HEIGHT)


def _ordered_columns(items: list[_Item]) -> list[list[int]]:
    """The items of each column, top to bottom, ordered to cut crossings (barycentre sweeps)."""
    columns: list[list[int]] = [[] for _ in range(max(item.column for item in items) + 1)]
    for k, item in enumerate(items):
        columns[item.column].append(k)
    position = [0.0] * len(items)

    def sort(column: list[int], neighbours: Callable[[_Item], list[int]]) -> None:
        def barycentre(k: int) -> float:
            near = neighbours(items[k])
            return sum(position[n] for n in near) / len(near) if near else position[k]

        column.sort(key=barycentre)  # stable: ties keep their order
        for p, k in enumerate(column):
            position[k] = p

    for column in columns:
        for p, k in enumerate(column):
            position[k] = p
    for _ in range(SWEEPS):
        for column in columns[1:]:
            sort(column, lambda item: item.ins)
        for column in reversed(columns[:-1]):
            sort(column, lambda item: item.outs)
    return columns


def _place(items: list[_Item], columns: list[list[int]]) -> None:
    """Set each item's y: stacked at first, then pulled towards its neighbours, sweep by sweep."""

    def settle(column: list[int], wanted: list[float]) -> None:
        gaps = [_gap(items[a], items[b]) for a, b in zip(column, column[1:])]
        for k, y in zip(column, _pack(wanted, gaps)):
            items[k].y = y

    def towards(column: list[int], neighbours: Callable[[_Item], list[int]]) -> None:
        wanted = []
        for k in column:
            near = neighbours(items[k])
            wanted.append(sum(items[n].y for n in near) / len(near) if near else items[k].y)
        settle(column, wanted)

    for column in columns:
        settle(column, [0.0] * len(column))  # stacked, centred on 0
    for _ in range(SWEEPS):
        for column in columns[1:]:
            towards(column, lambda item: item.ins)
        for column in reversed(columns[:-1]):
            towards(column, lambda item: item.outs)


def _gap(above: _Item, below: _Item) -> float:
    """The least distance between the centres of two neighbours in a column."""
    room = ITEM_GAP if above.kind != "bend" and below.kind != "bend" else BEND_GAP
    return (above.height + below.height) / 2 + room


def _pack(wanted: list[float], gaps: list[float]) -> list[float]:
    """Heights as near to wanted as can be (least squares), in the same order, gaps[k] apart at least.

    Taking away each item's least offset from the first turns "gaps apart" into
    "never decreasing", which pool-adjacent-violators solves exactly: whenever a
    block wants to be above the one before it, the two merge at their average.
    """
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [sum of wanted, count], top to bottom
    for want, offset in zip(wanted, offsets):
        blocks.append([want - offset, 1.0])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += count
    placed: list[float] = []
    for total, count in blocks:
        placed.extend([total / count] * int(count))
    return [z + offset for z, offset in zip(placed, offsets)]


def _svg_text(graph: Sequence[TracedNode], items: list[_Item], arrows: list[_Arrow],
              columns: list[list[int]], highlight: Optional[int]) -> str:
    """The SVG document: arrows first, so that boxes and ovals are drawn over their ends."""
    widths = [max(items[k].width for k in column) for column in columns]
    lefts = [float(MARGIN)]
    for column_width in widths[:-1]:
        lefts.append(lefts[-1] + column_width + COLUMN_GAP)
    top = min(item.y - item.height / 2 for item in items) - MARGIN
    for item in items:
        item.y -= top
    width = lefts[-1] + widths[-1] + MARGIN
    height = max(item.y + item.height / 2 for item in items) + MARGIN

    def centre_x(item: _Item) -> float:
        return lefts[item.column] + widths[item.column] / 2

    def head_x(item: _Item, dy: float) -> float:
        """Where an arrow dy below the middle meets the item's left side (an oval curves)."""
        half = item.width / 2
        if item.kind == "op":
            half *= math.sqrt(max(0.0, 1 - (dy / (item.height / 2)) ** 2))
        return centre_x(item) - half

    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="{FONT_SIZE}">',
        '<defs><marker id="kata-arrowhead" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{ARROW_INK}"/></marker></defs>',
        '<rect width="100%" height="100%" fill="white"/>',
    ]
    for arrow in arrows:
        out.append(f'<path class="arrow" d="{_arrow_path(arrow, items, lefts, widths, head_x)}" '
                   f'fill="none" stroke="{ARROW_INK}" marker-end="url(#kata-arrowhead)"/>')
    for item in items:
        if item.kind == "op":
            cx = centre_x(item)
            out.append(f'<g class="op" data-index="{item.index}">'
                       f'<ellipse cx="{cx:.1f}" cy="{item.y:.1f}" rx="{item.width / 2:.1f}" '
                       f'ry="{item.height / 2:.1f}" fill="white" stroke="{INK}"/>'
                       + _text(cx, item.y, _op_text(graph[item.index].op)) + "</g>")
        elif item.kind == "value":
            out.append(_value_box(graph[item.index], item, centre_x(item), item.index == highlight))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _arrow_path(arrow: _Arrow, items: list[_Item], lefts: list[float], widths: list[float],
                head_x: Callable[[_Item, float], float]) -> str:
    """Straight across each column, an S-curve across each gap between columns."""
    tail = items[arrow.through[0]]
    x = lefts[tail.column] + (widths[tail.column] + tail.width) / 2  # the tail's right side
    path = [f"M{x:.1f},{tail.y:.1f}"]
    for a, b in zip(arrow.through, arrow.through[1:]):
        start, end = items[a], items[b]
        end_y = end.y + (arrow.head_dy if b == arrow.through[-1] else 0.0)
        x0 = lefts[start.column] + widths[start.column]
        x1 = lefts[end.column]
        middle = (x0 + x1) / 2
        if x0 - x > 0.05:  # no empty pieces, which would leave the arrowhead without a direction
            path.append(f"H{x0:.1f}")
        path.append(f"C{middle:.1f},{start.y:.1f} {middle:.1f},{end_y:.1f} {x1:.1f},{end_y:.1f}")
        x = x1
    head = items[arrow.through[-1]]
    end_x = head_x(head, arrow.head_dy)
    if end_x - x > 0.05:
        path.append(f"H{end_x:.1f}")
    return " ".join(path)


def _value_box(node: TracedNode, item: _Item, cx: float, highlighted: bool) -> str:
    """A Value's box: [label | data ... | grad ...], filled in red when highlighted."""
    left, top = cx - item.width / 2, item.y - item.height / 2
    fill, stroke, stroke_width = ((HIGHLIGHT_FILL, HIGHLIGHT_STROKE, 2) if highlighted
                                  else ("white", INK, 1))
    kind = "value highlighted" if highlighted else "value"
    parts = [f'<g class="{kind}" data-index="{item.index}">'
             f'<rect x="{left:.1f}" y="{top:.1f}" width="{item.width:.1f}" height="{item.height:.1f}" '
             f'fill="{fill}" stroke="{stroke}" stroke-width="{stroke_width}"/>']
    x = left
    for k, (text, bold) in enumerate(box_cells(node.label, node.data, node.grad)):
        cell = _text_width(text, bold) + 2 * CELL_PADDING
        if k:  # the wall between two cells
            parts.append(f'<line x1="{x:.1f}" y1="{top:.1f}" x2="{x:.1f}" y2="{top + item.height:.1f}" '
                         f'stroke="{stroke}"/>')
        parts.append(_text(x + cell / 2, item.y, text, bold))
        x += cell
    parts.append("</g>")
    return "".join(parts)


def _text(x: float, y: float, text: str, bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    baseline = y + 0.35 * FONT_SIZE  # centres the text on y: rsvg and browsers agree on this
    return f'<text x="{x:.1f}" y="{baseline:.1f}" text-anchor="middle"{weight}>{html_line(text)}</text>'


