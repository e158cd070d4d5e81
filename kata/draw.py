"""Drawing a Value graph: one box per Value (label, data, grad), one oval per operation.

    python -m kata.draw [--impl exercises|solutions] OUT.svg

builds a small neuron, out = tanh(x1*w1 + x2*w2 + b), runs backward on it
with the chosen package and draws the result, so that you can see the graph
your own code records and the grads your own backward() fills in.

From Python, `draw_dot(root, "graph.svg")` draws any graph, and `to_dot(root)`
returns the Graphviz text without drawing it. Both read only the public fields
`data`, `grad`, `label`, `_op` and `_prev`, so they work on any implementation,
finished or not. Drawing needs Graphviz's `dot` program; `to_dot` does not.
Graphviz gets slow beyond a few thousand nodes: draw small graphs.
"""

from __future__ import annotations

import argparse
import html
import math
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Optional, Sequence

from .graph import nodes_in_order
from .implementation import Implementation

FORMATS = ("svg", "png")

INSTALL_GRAPHVIZ = (
    "Drawing a graph needs Graphviz's `dot` program, and it is not on your PATH. "
    "Install Graphviz: on Debian or Ubuntu `sudo apt-get install graphviz`, on macOS "
    "`brew install graphviz`, on Windows the installer from "
    "https://graphviz.org/download/ (let it add Graphviz to the PATH). Then `dot -V` "
    "should print Graphviz's version in a new terminal. Without Graphviz, "
    "kata.draw.to_dot(root) still gives the graph as text."
)


class GraphvizMissing(RuntimeError):
    """Graphviz's `dot` program is not installed, or not on the PATH."""

    def __init__(self) -> None:
        super().__init__(INSTALL_GRAPHVIZ)


class GraphvizFailed(RuntimeError):
    """`dot` ran but could not draw the graph."""


def to_dot(root: Any) -> str:
    """The graph under root in Graphviz's DOT language, read from left (leaves) to right (root).

    Each Value is a box `v<i>` showing its label (if any), data and grad.
    Each Value made by an operation also has an oval `v<i>_op` with the
    operation's name: an arrow runs from each operand to the oval (one per
    use, so a*a has two), and one from the oval to the Value it made.
    """
    nodes = nodes_in_order(root)  # operands before their users, without recursion
    names = {id(node): f"v{i}" for i, node in enumerate(nodes)}
    lines = [
        "digraph values {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        "  edge [arrowsize=0.7];",
    ]
    for node in nodes:
        name = names[id(node)]
        lines.append(f"  {name} [shape=plain, label=<{_value_table(node)}>];")
        operands = tuple(node._prev)
        op = str(getattr(node, "_op", "") or "")
        if operands or op:
            shown = _html(op) if op else "?"
            lines.append(f'  {name}_op [shape=ellipse, margin="0.05,0.02", label=<{shown}>];')
            lines.extend(f"  {names[id(operand)]} -> {name}_op;" for operand in operands)
            lines.append(f"  {name}_op -> {name};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_dot(root: Any, path: str | Path, format: Optional[str] = None) -> Path:
    """Draw the graph under root into path with Graphviz's `dot`; returns the path.

    The format is "svg" or "png", taken from path's suffix unless given.
    Raises GraphvizMissing, whose message says how to install Graphviz, when
    `dot` is not on the PATH.
    """
    path = Path(path)
    chosen = (format or path.suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        raise ValueError(
            f"cannot draw {str(path)!r}: give a path ending in .svg or .png, or format='svg' or 'png'"
        )
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizMissing()
    text = to_dot(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [dot, f"-T{chosen}", "-o", str(path)],
        input=text.encode("utf-8", "replace"),
        capture_output=True,
        check=False,
    )
    if run.returncode != 0:
        message = run.stderr.decode("utf-8", "replace").strip()
        raise GraphvizFailed(f"Graphviz's dot could not draw the graph (exit {run.returncode}): {message}")
    return path


def _value_table(node: Any) -> str:
    """The box of one Value, as a Graphviz HTML-like label: [label | data ... | grad ...]."""
    cells = []
    label = str(getattr(node, "label", "") or "")
    if label:
        cells.append(f"<td><b>{_html(label)}</b></td>")
    cells.append(f"<td>data {_html(_number(getattr(node, 'data', '?')))}</td>")
    cells.append(f"<td>grad {_html(_number(getattr(node, 'grad', '?')))}</td>")
    return (
        '<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr>'
        + "".join(cells)
        + "</tr></table>"
    )


def _number(x: object) -> str:
    """Four decimals, or scientific notation for numbers that four decimals would hide."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        shown = repr(x)  # a broken implementation's data may be anything
        return shown if len(shown) <= 40 else shown[:37] + "..."
    x = float(x)
    if x == 0.0 or not math.isfinite(x) or 1e-3 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _html(text: str) -> str:
    """Text made safe inside an HTML-like label: &, <, >, quotes escaped, control characters gone."""
    return html.escape(_CONTROL.sub(" ", text), quote=True)


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


def main(argv: Optional[Sequence[str]] = None) -> int:
    from .demo import explain_failure, missing_package  # the demo shares the learner-facing messages

    parser = argparse.ArgumentParser(
        prog="python -m kata.draw",
        description="Draw out = tanh(x1*w1 + x2*w2 + b) after backward(), as your code computes it.",
    )
    parser.add_argument("--impl", choices=("exercises", "solutions"), default="exercises",
                        help="whose Value to draw (default: your exercises)")
    parser.add_argument("out", type=Path, help="the picture to write, ending in .svg or .png")
    args = parser.parse_args(argv)
    if args.out.suffix.lstrip(".").lower() not in FORMATS:
        parser.error(f"the picture must end in .svg or .png, not {str(args.out)!r}")
    problem = missing_package(args.impl)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    impl = Implementation(args.impl)
    try:
        out = small_neuron(impl)
    except Exception as error:
        doing = "building the small neuron and running backward() on it"
        needs = "exercises 1 (value) and 2 (backward) working"
        print(explain_failure(error, impl, doing, needs), file=sys.stderr)
        return 1
    try:
        written = draw_dot(out, args.out)
    except (GraphvizMissing, GraphvizFailed) as error:
        print(textwrap.fill(str(error), width=88), file=sys.stderr)
        return 1
    print(f"Wrote {written}: out = tanh(x1*w1 + x2*w2 + b) as {args.impl}/ computes it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
