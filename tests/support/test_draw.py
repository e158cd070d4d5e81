"""kata.learner.draw: a Value graph as plain data and as DOT text, drawn by Graphviz or, without it, in Python."""

import html
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kata.core.graph import TracedNode, traced
from kata.core.implementation import Implementation
from kata.learner.draw import GraphvizMissing, Svg, draw_dot, small_neuron, svg, to_dot
from kata.learner.layout import layout_svg
from kata.repository import ROOT
from solutions.value import Value

needs_graphviz = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")

BOX = re.compile(r"^  (v\d+) \[shape=plain, label=<(.*)>\];$", re.MULTILINE)
OP = re.compile(r"^  (v\d+_op) \[shape=ellipse, [^\n]*label=<(.*)>\];$", re.MULTILINE)
EDGE = re.compile(r"^  (v\d+(?:_op)?) -> (v\d+(?:_op)?);$", re.MULTILINE)


def boxes(dot: str) -> dict[str, str]:
    """Each Value's node name -> the inside of its label."""
    found = BOX.findall(dot)
    assert len({name for name, _ in found}) == len(found), "a node is listed twice"
    return dict(found)


def named(dot: str, label: str) -> str:
    """The node name of the Value labelled label."""
    (name,) = [name for name, cells in boxes(dot).items() if f"<b>{label}</b>" in cells]
    return name


def svg_texts(svg: str) -> list[str]:
    """The text drawn in an SVG, unescaped (Graphviz writes "-" as &#45;, for one)."""
    return [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


SVG = "{http://www.w3.org/2000/svg}"
VENV_BIN = str(Path(sys.executable).parent)  # a PATH with python and without Graphviz


def without_graphviz(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shutil.which("dot") is None


def parsed(svg_text: str) -> ET.Element:
    """The SVG as XML: ElementTree raises on anything that is not well-formed."""
    return ET.fromstring(svg_text.encode("utf-8"))


def groups(root: ET.Element, kind: str) -> dict[int, ET.Element]:
    """Graph index -> the <g> drawing that Value's box ("value") or its operation's oval ("op")."""
    found = {int(g.attrib["data-index"]): g for g in root.iter(f"{SVG}g")
             if kind in g.attrib.get("class", "").split()}
    assert len(found) == sum(1 for g in root.iter(f"{SVG}g")
                             if kind in g.attrib.get("class", "").split()), "an index is drawn twice"
    return found


def span(group: ET.Element) -> tuple[float, float]:
    """The left and right x of a box or an oval."""
    rect = group.find(f"{SVG}rect")
    if rect is not None:
        left = float(rect.attrib["x"])
        return left, left + float(rect.attrib["width"])
    ellipse = group.find(f"{SVG}ellipse")
    assert ellipse is not None
    cx, rx = float(ellipse.attrib["cx"]), float(ellipse.attrib["rx"])
    return cx - rx, cx + rx


def arrows(root: ET.Element) -> list[tuple[float, float]]:
    """The x where each arrow starts and the x where its head is."""
    ends = []
    for path in root.iter(f"{SVG}path"):
        if path.attrib.get("class") != "arrow":
            continue
        d = path.attrib["d"]
        assert path.attrib.get("marker-end", "").startswith("url(#"), "an arrow without a head"
        start = re.match(r"M(-?[\d.]+),", d)
        assert start is not None, d
        last = d.split()[-1]  # "H<x>" or "<x>,<y>"
        ends.append((float(start.group(1)), float(last[1:] if last.startswith("H") else last.split(",")[0])))
    return ends


def small_graph() -> Value:
    """d = a*b + a after backward: d(d)/da = b + 1 = -2, d(d)/db = a = 2."""
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    d.backward()
    return d


def test_every_value_is_one_box_with_its_label_data_and_grad() -> None:
    dot = to_dot(small_graph())
    cells = boxes(dot)
    assert len(cells) == 4
    expected = {"a": (2.0, -2.0), "b": (-3.0, 2.0), "c": (-6.0, 1.0), "d": (-4.0, 1.0)}
    for label, (data, grad) in expected.items():
        shown = cells[named(dot, label)]
        assert f"data {data:.4f}" in shown and f"grad {grad:.4f}" in shown, shown


def test_each_operation_is_an_oval_between_its_operands_and_its_result() -> None:
    dot = to_dot(small_graph())
    a, b, c, d = (named(dot, label) for label in "abcd")
    assert dict(OP.findall(dot)) == {f"{c}_op": "*", f"{d}_op": "+"}
    assert sorted(EDGE.findall(dot)) == sorted([
        (a, f"{c}_op"), (b, f"{c}_op"), (f"{c}_op", c),
        (c, f"{d}_op"), (a, f"{d}_op"), (f"{d}_op", d),
    ])


def test_an_operand_used_twice_has_two_arrows_into_its_operation() -> None:
    a = Value(3.0, label="a")
    dot = to_dot(a * a)
    assert EDGE.findall(dot).count((named(dot, "a"), "v1_op")) == 2


def test_a_value_without_a_label_shows_data_and_grad_only() -> None:
    dot = to_dot(Value(0.5) + 1)
    assert all("<b>" not in cells for cells in boxes(dot).values())
    assert "data 1.5000" in dot


def test_a_chain_of_10000_values_is_listed_without_recursion() -> None:
    node = Value(0.5)
    for _ in range(9_999):
        node = node.tanh()
    dot = to_dot(node)
    assert len(boxes(dot)) == 10_000
    assert len(OP.findall(dot)) == 9_999
    assert len(EDGE.findall(dot)) == 2 * 9_999


@dataclass(eq=False)
class Unfinished:
    """A learner's node with the public fields only, and data that is not yet a float."""

    data: Any
    grad: Any = 0.0
    label: str = ""
    _op: str = ""
    _prev: tuple["Unfinished", ...] = field(default_factory=tuple)


def test_any_object_with_the_public_fields_can_be_drawn_even_with_odd_data() -> None:
    x = Unfinished(None, label="x")
    y = Unfinished(2, grad=None, _op="relu", _prev=(x,), label="y")
    dot = to_dot(y)
    assert "data None" in boxes(dot)[named(dot, "x")]
    assert "grad None" in boxes(dot)[named(dot, "y")]
    assert dict(OP.findall(dot)) == {f"{named(dot, 'y')}_op": "relu"}


def test_labels_and_operation_names_are_escaped() -> None:
    a = Value(1.0, label='<b>&"x"</b>\nnext')
    out = a.relu()
    out._op = "<op>"
    dot = to_dot(out)
    assert "&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;\\nnext" in dot  # the newline shown, not obeyed
    assert dict(OP.findall(dot)) == {"v1_op": "&lt;op&gt;"}
    assert '"x"' not in dot and "\nnext" not in dot


def test_numbers_far_from_1_are_shown_in_scientific_notation() -> None:
    dot = to_dot(Value(1.5e-7) + Value(-3e8))
    assert "data 1.5000e-07" in dot and "data -3.0000e+08" in dot


def test_without_graphviz_a_png_raises_an_error_that_says_to_draw_an_svg_or_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_graphviz(monkeypatch, tmp_path)
    target = tmp_path / "graph.png"
    with pytest.raises(GraphvizMissing) as raised:
        draw_dot(small_graph(), target)
    message = str(raised.value)
    assert isinstance(raised.value, RuntimeError)
    for advice in ("PNG", ".svg", "sudo apt-get install graphviz", "brew install graphviz", "Windows",
                   "dot -V"):
        assert advice in message
    assert not target.exists()


def test_without_graphviz_draw_dot_writes_an_svg_all_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_graphviz(monkeypatch, tmp_path)
    written = draw_dot(small_graph(), tmp_path / "pictures" / "graph.svg")
    assert written == tmp_path / "pictures" / "graph.svg"
    text = written.read_text(encoding="utf-8")
    parsed(text)
    assert text == layout_svg(traced(small_graph()))
    assert {"a", "b", "c", "d", "*", "+", "data -6.0000", "grad -2.0000"} <= set(svg_texts(text))


def test_draw_dot_without_a_path_returns_an_svg_that_a_notebook_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_graphviz(monkeypatch, tmp_path)
    picture = draw_dot(small_graph())
    assert isinstance(picture, Svg)
    assert picture._repr_svg_() == picture.text == layout_svg(traced(small_graph()))
    assert picture.save(tmp_path / "saved.svg").read_text(encoding="utf-8") == picture.text
    with pytest.raises(ValueError, match=r"\.png"):
        draw_dot(small_graph(), format="png")


def test_svg_uses_the_python_layout_when_graphviz_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_graphviz(monkeypatch, tmp_path)
    graph = traced(small_graph())
    assert svg(graph, highlight=2) == layout_svg(graph, highlight=2)


@needs_graphviz
def test_svg_uses_graphviz_when_it_is_there_and_marks_the_highlight() -> None:
    drawn = svg(traced(small_graph()), highlight=2)
    assert "Generated by graphviz" in drawn
    assert 'fill="#ffd6d6"' in drawn
    assert {"a", "b", "c", "d", "*", "+"} <= set(svg_texts(drawn))


def test_a_picture_must_be_svg_or_png(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        draw_dot(small_graph(), tmp_path / "graph.jpg")


@needs_graphviz
def test_graphviz_draws_an_svg_with_the_labels(tmp_path: Path) -> None:
    out = small_neuron(Implementation("solutions"))
    written = draw_dot(out, tmp_path / "pictures" / "neuron.svg")
    svg = written.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    texts = svg_texts(svg)
    for text in ("x1", "w2", "x1*w1 + x2*w2", "out", "tanh", "data -0.6640", "grad 1.0000",
                 "grad -0.4472"):  # d(out)/d(x1) = (1 - out**2) * w1
        assert text in texts, text


@needs_graphviz
def test_graphviz_draws_a_png_and_accepts_escaped_labels(tmp_path: Path) -> None:
    a = Value(1.0, label='<b>&"x"</b>\n')
    written = draw_dot(a.relu() * 2, tmp_path / "odd.png")
    assert written.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = draw_dot(a.relu() * 2, tmp_path / "odd", format="svg").read_text()
    assert '<b>&"x"</b>\\n' in svg_texts(svg)  # the newline shown as an escape, as without Graphviz


@needs_graphviz
def test_the_command_line_draws_the_small_neuron(tmp_path: Path) -> None:
    target = tmp_path / "neuron.svg"
    run = subprocess.run([sys.executable, "-m", "kata.learner.draw", "--impl", "solutions", str(target)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "drawn by Graphviz" in run.stdout
    assert "out" in svg_texts(target.read_text())


def test_the_command_line_draws_an_svg_without_graphviz_and_says_so(tmp_path: Path) -> None:
    """What `make graph` runs, with a PATH that holds python but no dot."""
    assert shutil.which("dot", path=VENV_BIN) is None
    target = tmp_path / "neuron.svg"
    run = subprocess.run([sys.executable, "-m", "kata.learner.draw", "--impl", "solutions", str(target)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PATH": VENV_BIN})
    assert run.returncode == 0, run.stderr
    assert "drawn without Graphviz" in run.stdout and "drawn by Graphviz" not in run.stdout
    texts = svg_texts(target.read_text(encoding="utf-8"))
    for text in ("x1", "out", "tanh", "data -0.6640", "grad -0.4472"):
        assert text in texts, text


def test_the_command_line_without_graphviz_says_a_png_needs_it(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "kata.learner.draw", "--impl", "solutions",
                          str(tmp_path / "neuron.png")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PATH": VENV_BIN})
    assert run.returncode == 1
    shown = " ".join(run.stderr.split())
    assert "sudo apt-get install graphviz" in shown and "dot -V" in shown and ".svg" in shown
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "neuron.png").exists()


def test_the_command_line_names_the_learners_file_when_a_stub_raises(tmp_path: Path) -> None:
    """The committed stubs of exercise 1 raise NotImplementedError."""
    run = subprocess.run([sys.executable, "-m", "kata.learner.draw", "--impl", "exercises",
                          str(tmp_path / "neuron.svg")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert re.search(r"exercises/\w+\.py, line \d+", run.stderr), run.stderr
    assert not (tmp_path / "neuron.svg").exists()


# The graph as plain data, and the drawing without Graphviz.


def test_traced_lists_each_value_after_its_operands_root_last() -> None:
    assert traced(small_graph()) == [
        TracedNode("", "a", 2.0, -2.0, ()),
        TracedNode("", "b", -3.0, 2.0, ()),
        TracedNode("*", "c", -6.0, 1.0, (0, 1)),
        TracedNode("+", "d", -4.0, 1.0, (2, 0)),
    ]
    a = Value(3.0)
    assert traced(a * a)[-1].operands == (0, 0)


class Raises:
    @property
    def label(self) -> str:
        raise RuntimeError("not yet")

    data, grad, _op, _prev = 1, 0.0, "", ()


def test_traced_copes_with_an_unfinished_value() -> None:
    x = Unfinished(None, label="x")
    y = Unfinished(2, grad=Value(1.0), _op="relu", _prev=(x,))
    del y.label  # a learner's Value without a label at all
    graph = traced(y)
    assert graph[0] == TracedNode("", "x", "None", 0.0, ())
    assert graph[1][:3] == ("relu", "", 2.0) and str(graph[1].grad).startswith("Value(")
    assert graph[1].operands == (0,)
    assert traced(Raises()) == [TracedNode("", "", 1.0, 0.0, ())]
    assert "data None" in svg_texts(layout_svg(graph))


def test_to_dot_draws_a_traced_graph_as_it_draws_the_live_one() -> None:
    root = small_graph()
    assert to_dot(traced(root)) == to_dot(root)


def test_to_dot_fills_the_highlighted_box_only() -> None:
    dot = to_dot(traced(small_graph()), highlight=2)
    marked = [name for name, cells in boxes(dot).items() if "bgcolor" in cells]
    assert marked == [named(dot, "c")]
    assert "bgcolor" not in to_dot(small_graph())
    with pytest.raises(ValueError, match="highlight"):
        to_dot(small_graph(), highlight=4)


def test_the_python_drawing_shows_every_value_and_operation() -> None:
    texts = svg_texts(layout_svg(traced(small_graph())))
    expected = {"a": (2.0, -2.0), "b": (-3.0, 2.0), "c": (-6.0, 1.0), "d": (-4.0, 1.0)}
    for label, (data, grad) in expected.items():
        assert texts.count(label) == 1
        assert f"data {data:.4f}" in texts and f"grad {grad:.4f}" in texts
    assert texts.count("*") == 1 and texts.count("+") == 1
    neuron = svg_texts(layout_svg(traced(small_neuron(Implementation("solutions")))))
    for text in ("x1", "w2", "x1*w1 + x2*w2", "out", "tanh", "data -0.6640", "grad 1.0000", "grad -0.4472"):
        assert text in neuron, text


def test_the_python_drawing_has_one_arrow_per_use_of_an_operand_and_one_per_result() -> None:
    assert len(arrows(parsed(layout_svg(traced(small_graph()))))) == 6
    a = Value(3.0, label="a")
    assert len(arrows(parsed(layout_svg(traced(a * a))))) == 3
    assert len(arrows(parsed(layout_svg(traced(a))))) == 0


def test_the_python_drawing_runs_from_the_leaves_on_the_left_to_the_root_on_the_right() -> None:
    for root in (small_graph(), small_neuron(Implementation("solutions")), wide_graph()):
        graph = traced(root)
        drawing = parsed(layout_svg(graph))
        values, ops = groups(drawing, "value"), groups(drawing, "op")
        assert sorted(values) == list(range(len(graph)))
        assert sorted(ops) == [i for i, node in enumerate(graph) if node[4]]
        for i, node in enumerate(graph):
            for j in node[4]:
                assert span(values[j])[1] < span(ops[i])[0] < span(ops[i])[1] < span(values[i])[0]
        root_left = span(values[len(graph) - 1])[0]
        assert all(span(g)[0] < root_left for i, g in values.items() if i != len(graph) - 1)
        assert all(start < end for start, end in arrows(drawing))


def test_the_python_drawing_keeps_the_boxes_of_a_column_apart() -> None:
    drawing = parsed(layout_svg(traced(wide_graph())))
    rects = [(float(r.attrib["x"]), float(r.attrib["y"]), float(r.attrib["width"]), float(r.attrib["height"]))
             for g in groups(drawing, "value").values() for r in g.iter(f"{SVG}rect")]
    rects.sort(key=lambda r: (round(r[0] + r[2] / 2), r[1]))  # column by column (boxes are centred)
    for (x0, y0, w0, h0), (x1, y1, w1, h1) in zip(rects, rects[1:]):
        if round(x0 + w0 / 2) == round(x1 + w1 / 2):
            assert y0 + h0 < y1, "two boxes overlap"


def test_the_python_drawing_is_well_formed_and_escapes_hostile_text() -> None:
    a = Value(1.0, label='<script>alert("x")</script>&\x00\x07\x1b[31m\ud800')
    out = a.relu()
    out._op = "<op>"
    text = layout_svg(traced(out))
    drawing = parsed(text)
    assert not [e for e in drawing.iter() if "script" in e.tag]
    assert "<script" not in text and "\x00" not in text and "\x1b" not in text
    texts = svg_texts(text)
    assert any(shown.startswith('<script>alert("x")</script>&') for shown in texts) and "<op>" in texts


def test_the_python_drawing_marks_the_highlighted_value_only() -> None:
    graph = traced(small_graph())
    for chosen in range(len(graph)):
        drawing = parsed(layout_svg(graph, highlight=chosen))
        marked = groups(drawing, "highlighted")
        assert list(marked) == [chosen]
        filled = [i for i, g in groups(drawing, "value").items()
                  if any(rect.attrib["fill"] != "white" for rect in g.iter(f"{SVG}rect"))]
        assert filled == [chosen]
    assert not groups(parsed(layout_svg(graph)), "highlighted")
    with pytest.raises(ValueError, match="highlight"):
        layout_svg(graph, highlight=len(graph))


def wide_graph() -> Value:
    """A two-layer network of sums of products, with a loss: about 350 Values."""
    import random
    rng = random.Random(3)
    xs = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(4)]
    for width in (8, 8, 1):
        outs = []
        for _ in range(width):
            total = Value(0.0, label="b")
            for x in xs:
                total = total + Value(rng.uniform(-1, 1), label="w") * x
            outs.append(total.tanh())
        xs = outs
    loss = (xs[0] - 1.0) ** 2
    loss.backward()
    return loss


def test_the_python_drawing_of_a_few_hundred_values_is_quick() -> None:
    graph = traced(wide_graph())
    assert 300 <= len(graph) <= 600
    started = time.perf_counter()
    layout_svg(graph)
    assert time.perf_counter() - started < 2.0
