"""kata.draw: a Value graph as DOT text, and drawn by Graphviz when it is installed."""

import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from kata.draw import GraphvizMissing, draw_dot, small_neuron, to_dot
from kata.implementation import Implementation
from kata.runner import ROOT
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
    assert "&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt; next" in dot
    assert dict(OP.findall(dot)) == {"v1_op": "&lt;op&gt;"}
    assert '"x"' not in dot and "\nnext" not in dot


def test_numbers_far_from_1_are_shown_in_scientific_notation() -> None:
    dot = to_dot(Value(1.5e-7) + Value(-3e8))
    assert "data 1.5000e-07" in dot and "data -3.0000e+08" in dot


def test_without_graphviz_drawing_raises_an_error_that_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    target = tmp_path / "graph.svg"
    with pytest.raises(GraphvizMissing) as raised:
        draw_dot(small_graph(), target)
    message = str(raised.value)
    assert isinstance(raised.value, RuntimeError)
    for advice in ("sudo apt-get install graphviz", "brew install graphviz", "Windows", "dot -V"):
        assert advice in message
    assert not target.exists()


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
    assert '<b>&"x"</b> ' in svg_texts(svg)


@needs_graphviz
def test_the_command_line_draws_the_small_neuron(tmp_path: Path) -> None:
    target = tmp_path / "neuron.svg"
    run = subprocess.run([sys.executable, "-m", "kata.draw", "--impl", "solutions", str(target)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "out" in svg_texts(target.read_text())


def test_the_command_line_without_graphviz_says_how_to_install_it(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "kata.draw", "--impl", "solutions",
                          str(tmp_path / "neuron.svg")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PATH": str(tmp_path / "empty")})
    assert run.returncode == 1
    shown = " ".join(run.stderr.split())
    assert "sudo apt-get install graphviz" in shown and "dot -V" in shown
    assert "Traceback" not in run.stderr


def test_the_command_line_names_the_learners_file_when_a_stub_raises(tmp_path: Path) -> None:
    """The committed stubs of exercise 1 raise NotImplementedError."""
    run = subprocess.run([sys.executable, "-m", "kata.draw", "--impl", "exercises",
                          str(tmp_path / "neuron.svg")],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert re.search(r"exercises/\w+\.py, line \d+", run.stderr), run.stderr
    assert not (tmp_path / "neuron.svg").exists()
