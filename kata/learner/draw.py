"""Drawing a Value graph: one box per Value (label, data, grad), one oval per operation.

    python -m kata.learner.draw [--impl exercises|solutions] OUT.svg

builds a small neuron, out = tanh(x1*w1 + x2*w2 + b), runs backward on it
with the chosen package and draws the result, so that you can see the graph
your own code records and the grads your own backward() fills in. It says
which drawer made the picture.

From Python or a notebook:

    draw_dot(root)               # an Svg: as a cell's last line, the notebook shows it
    draw_dot(root, "graph.svg")  # writes the picture (.svg or .png), returns its path
    to_dot(root)                 # the graph in Graphviz's DOT language, as text
    svg(traced(root))            # the picture as SVG text (traced: kata.core.graph)

Graphviz is optional. When its `dot` program is on the PATH it draws the
pictures; without it, `layout_svg` (kata.learner.layout), a simpler layout
written in plain Python, draws them as SVG. Only a .png needs Graphviz.

Everything reads a graph through `traced(root)` (kata.core.graph, the one
tracer the diagnosis uses too), which copies the public fields `data`, `grad`,
`label`, `_op` and `_prev` into TracedNodes, so it works on any
implementation, finished or not.
Draw small graphs: beyond a few hundred Values a picture is hard to read, and
Graphviz gets slow beyond a few thousand.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Optional, Sequence, overload

from kata.core.graph import TracedNode, traced
from kata.core.implementation import Implementation
from kata.core.sanitise import html_line
from kata.learner.commands import Spelling
from kata.learner.layout import layout_svg
from kata.learner.picture import HIGHLIGHT_FILL, HIGHLIGHT_STROKE, as_graph, box_cells, check_highlight

FORMATS = ("svg", "png")

INSTALL_GRAPHVIZ = (
    "Drawing a PNG needs Graphviz's `dot` program, and it is not on your PATH. "
    "Give a path ending in .svg instead: an SVG picture is drawn without Graphviz. "
    "To draw PNGs (and SVGs with Graphviz's neater layout), install Graphviz: on Debian "
    "or Ubuntu `sudo apt-get install graphviz`, on macOS `brew install graphviz`, on Windows "
    "the installer from https://graphviz.org/download/ (let it add Graphviz to the PATH). "
    "Then `dot -V` should print Graphviz's version in a new terminal."
)


class GraphvizMissing(RuntimeError):
    """Graphviz's `dot` program is not installed, or not on the PATH, and a PNG was asked for."""

    def __init__(self) -> None:
        super().__init__(INSTALL_GRAPHVIZ)


class GraphvizFailed(RuntimeError):
    """`dot` ran but could not draw the graph."""


class Svg:
    """An SVG picture as text. Jupyter shows it inline; save(path) writes it to a file."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_svg_(self) -> str:
        return self.text

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.text, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return f"<Svg picture, {len(self.text)} characters: save(path) writes it>"


# Graphviz.


def to_dot(root: Any, highlight: Optional[int] = None) -> str:
    """The graph in Graphviz's DOT language, read from left (leaves) to right (root).

    root is a live Value or a plain graph as traced() returns it. Each Value is a
    box `v<i>` showing its label (if any), data and grad; the Value at index
    highlight, if given, is filled in red. Each Value made by an operation also
    has an oval `v<i>_op` with the operation's name: an arrow runs from each
    operand to the oval (one per use, so a*a has two), and one from the oval to
    the Value it made.
    """
    graph = as_graph(root)
    check_highlight(graph, highlight)
    lines = [
        "digraph values {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        "  edge [arrowsize=0.7];",
    ]
    for i, (op, label, data, grad, operand_indices) in enumerate(graph):
        table = _value_table(label, data, grad, highlighted=i == highlight)
        lines.append(f"  v{i} [shape=plain, label=<{table}>];")
        if operand_indices or op:
            shown = html_line(str(op)) if op else "?"
            lines.append(f'  v{i}_op [shape=ellipse, margin="0.05,0.02", label=<{shown}>];')
            lines.extend(f"  v{j} -> v{i}_op;" for j in operand_indices)
            lines.append(f"  v{i}_op -> v{i};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _value_table(label: object, data: object, grad: object, highlighted: bool = False) -> str:
    """The box of one Value, as a Graphviz HTML-like label: [label | data ... | grad ...]."""
    cells = "".join(f"<td><b>{html_line(text)}</b></td>" if bold else f"<td>{html_line(text)}</td>"
                    for text, bold in box_cells(label, data, grad))
    marked = f' bgcolor="{HIGHLIGHT_FILL}" color="{HIGHLIGHT_STROKE}"' if highlighted else ""
    return (f'<table border="0" cellborder="1" cellspacing="0" cellpadding="4"{marked}><tr>'
            + cells + "</tr></table>")


def _run_dot(dot: str, text: str, format: str) -> bytes:
    run = subprocess.run([dot, f"-T{format}"], input=text.encode("utf-8", "replace"),
                         capture_output=True, check=False)
    if run.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip()
        raise GraphvizFailed(f"Graphviz's dot could not draw the graph (exit {run.returncode}): {message}")
    return run.stdout


# Drawing.


def svg(graph: Sequence[TracedNode], highlight: Optional[int] = None) -> str:
    """The graph as SVG text: drawn by Graphviz's `dot` when it is on the PATH, else by layout_svg.

    highlight is the index of a Value to mark, such as the first one that is wrong.
    """
    return _svg_and_drawer(graph, highlight)[0]


def _svg_and_drawer(graph: Sequence[TracedNode], highlight: Optional[int]) -> tuple[str, bool]:
    """The SVG text, and whether Graphviz drew it."""
    dot = shutil.which("dot")
    if dot is None:
        return layout_svg(graph, highlight), False
    return _run_dot(dot, to_dot(graph, highlight), "svg").decode("utf-8", "replace"), True


@overload
def draw_dot(root: Any, path: None = None, format: Optional[str] = None) -> Svg: ...
@overload
def draw_dot(root: Any, path: str | Path, format: Optional[str] = None) -> Path: ...


def draw_dot(root: Any, path: str | Path | None = None, format: Optional[str] = None) -> Svg | Path:
    """Draw the graph under root (a live Value, or a plain graph from traced()).

    Without a path, returns the picture as an Svg, which a notebook shows when it
    is a cell's last line. With a path, writes the picture there and returns the
    path; its format is "svg" or "png", taken from path's suffix unless given.
    Graphviz's `dot` draws it when it is on the PATH; without it an SVG is drawn
    by layout_svg, and a PNG raises GraphvizMissing, whose message says what to do.
    """
    graph = as_graph(root)
    if path is None:
        if (format or "svg").lower() != "svg":
            raise ValueError("without a path draw_dot returns an SVG: give a path ending in .png "
                             "to draw a PNG")
        return Svg(svg(graph))
    return _write(graph, Path(path), format)[0]


def _write(graph: Sequence[TracedNode], path: Path, format: Optional[str]) -> tuple[Path, bool]:
    """Write the picture; returns the path and whether Graphviz drew it."""
    chosen = (format or path.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise ValueError(
            f"cannot draw {str(path)!r}: give a path ending in .svg or .png, or format='svg' or 'png'"
        )
    if chosen == "png":
        dot = shutil.which("dot")
        if dot is None:
            raise GraphvizMissing()
        picture, by_graphviz = _run_dot(dot, to_dot(graph), "png"), True
    else:
        text, by_graphviz = _svg_and_drawer(graph, None)
        picture = text.encode("utf-8", "replace")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(picture)
    return path, by_graphviz


# The command line: the learner's own graph.


def small_neuron(impl: Any) -> Any:
    """out = tanh(x1*w1 + x2*w2 + b), every Value labelled, backward already run; returns out."""
    value = impl.Value
    x1, x2 = value(1.5, label="x1"), value(-2.0, label="x2")
    w1, w2 = value(-0.8, label="w1"), value(0.4, label="w2")
    b = value(1.2, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    total = x1w1 + x2w2
    total.label = "x1*w1 + x2*w2"
    n = total + b
    n.label = "n"
    out = n.tanh()
    out.label = "out"
    out.backward()
    return out


def main(argv: Optional[Sequence[str]] = None, *, spelling: Spelling = Spelling.PYTHON) -> int:
    from kata.learner.unfinished import explain_failure, missing_package  # the same messages as the demo

    parser = argparse.ArgumentParser(
        prog="python -m kata.learner.draw",
        description="Draw out = tanh(x1*w1 + x2*w2 + b) after backward(), as your code computes it.",
    )
    parser.add_argument("--impl", choices=("exercises", "solutions"), default="exercises",
                        help="whose Value to draw (default: your exercises)")
    parser.add_argument("out", type=Path,
                        help="the picture to write, ending in .svg or .png (a .png needs Graphviz)")
    args = parser.parse_args(argv)
    if args.out.suffix.lstrip(".").lower() not in FORMATS:
        parser.error(f"the picture must end in .svg or .png, not {str(args.out)!r}")
    problem = missing_package(args.impl)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    impl = Implementation(args.impl)
    try:
        graph = traced(small_neuron(impl))
    except Exception as error:
        doing = "building the small neuron, running backward() on it and reading its graph"
        needs = "exercises 1 (value) and 2 (backward) working"
        print(explain_failure(error, impl, doing, spelling, needs), file=sys.stderr)
        return 1
    try:
        written, by_graphviz = _write(graph, args.out, None)
    except (GraphvizMissing, GraphvizFailed) as error:
        print(textwrap.fill(str(error), width=88), file=sys.stderr)
        return 1
    drawer = ("drawn by Graphviz" if by_graphviz
              else "drawn without Graphviz (install Graphviz for a neater layout)")
    print(f"Wrote {written}, {drawer}: out = tanh(x1*w1 + x2*w2 + b) as {args.impl}/ computes it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
