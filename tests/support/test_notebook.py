"""kata.learner.notebook: make check's report in Jupyter, as HTML, and the notebooks executed headless."""

import json
import re
import shutil
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from kata.core import oracle_cache
from kata.core.curriculum import exercise_named
from kata.core.replay import NodeCache
from kata.learner import check as checking
from kata.learner.check import check as check_package
from kata.learner.check import render
from kata.learner.commands import Spelling
from kata.learner.draw import Svg
from kata.learner.notebook import Message, check, graph, write_exercise
from kata.learner.picture import HIGHLIGHT_FILL
from kata.repository import ROOT
from tests.support.test_diagnosis import NOT_REVERSED, Learner, learner

__all__ = ["learner"]  # the fixture, shared with test_diagnosis


@pytest.fixture(autouse=True)
def caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The caches check() keeps, moved from the learner's .kata/ (which pytest -n workers share) to tmp_path."""
    monkeypatch.setattr(oracle_cache, "PATH", tmp_path / "oracle-cache.json")
    monkeypatch.setattr(checking, "NODE_CACHE_PATH", tmp_path / "node-cache.json")
    return tmp_path / "oracle-cache.json"


def test_the_report_is_make_checks_text_under_the_file_and_when_it_was_saved(
        learner: Learner, tmp_path: Path, caches: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    impl = learner(NOT_REVERSED)
    report = check("backward", impl.package, search_path=tmp_path)
    scores = check_package([exercise_named("backward")], impl.package, search_path=tmp_path, cache_path=caches)
    text = render(scores, impl.package, Spelling.NOTEBOOK, narrowed=True, node_cache=NodeCache(tmp_path / "nodes.json"))
    saved = time.strftime("%H:%M:%S", time.localtime((tmp_path / impl.package / "backward.py").stat().st_mtime))
    assert str(report) == f"{report.saved_line()}\n\n{text}"
    assert report.saved_line().startswith(f"Checked {impl.package}/backward.py, saved at {saved}, ")
    assert not report.passed


def test_the_html_marks_the_wrong_numbers_and_draws_the_graph_with_the_culprit_marked(
        learner: Learner, tmp_path: Path) -> None:
    """The unreversed order: PyTorch's numbers beside the learner's, wrong cells marked, node rows."""
    report = check("backward", learner(NOT_REVERSED).package, search_path=tmp_path)
    page = report._repr_html_()
    assert page.count("<table>") >= 3  # the summary, yours against PyTorch, node by node
    assert re.search(r"<td class=\"wrong\">[^<]+</td><td>[^<]+</td></tr>", page)  # yours, PyTorch
    assert "<tr class=culprit><td>→</td>" in page and "<td class=wrong>" in page
    assert "Likely cause:" in page
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count(HIGHLIGHT_FILL) >= 1  # the box of the node the arrow points at
    assert "<script" not in page


def test_every_check_reads_the_file_as_saved_now(tmp_path: Path) -> None:
    """A fresh child per check: a module the notebook imported earlier cannot make a report stale."""
    package = tmp_path / "mine"
    shutil.copytree(ROOT / "exercises", package, ignore=shutil.ignore_patterns("__pycache__"))
    first = check("derivatives", "mine", search_path=tmp_path)
    shutil.copy(ROOT / "solutions" / "derivatives.py", package / "derivatives.py")
    second = check("derivatives", "mine", search_path=tmp_path)
    assert not first.passed and second.passed
    assert "Every case agrees with PyTorch" in second._repr_html_()


def test_a_cell_written_as_an_exercise_keeps_the_file_it_replaces(tmp_path: Path) -> None:
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "value.py").write_text("# mine\n")
    backup = write_exercise("value", "# from a cell\n", root=tmp_path)
    assert (tmp_path / "exercises" / "value.py").read_text() == "# from a cell\n"
    assert backup is not None and backup.read_text() == "# mine\n"
    assert write_exercise("value", "# from a cell\n", root=tmp_path) is None  # nothing new to keep
    with pytest.raises(KeyError, match="derivatives"):
        write_exercise("nosuch", "", root=tmp_path)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the kata whose exercises a notebook may write."""
    repo = tmp_path / "kata"
    for folder in ("kata", "exercises", "solutions", "tests", "notebooks"):
        shutil.copytree(ROOT / folder, repo / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return repo


def execute(notebook: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel, as Jupyter would; an error in a cell raises."""
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode, kind: str) -> list[str]:
    return ["".join(output.get("data", {}).get(kind, "")) for cell in notebook.cells
            if cell.cell_type == "code" for output in cell.outputs]


def test_the_companion_notebook_runs_without_an_error_cell_on_the_stubs(copy: Path) -> None:
    notebook = execute(nbformat.read(copy / "notebooks" / "kata.ipynb", as_version=4), copy / "notebooks")
    pages = [page for page in outputs(notebook, "text/html") if 'class="kata-report"' in page]
    assert len(pages) == 2  # the whole path, and one exercise
    assert all("derivatives" in page and "NotImplementedError" in page for page in pages)
    assert any("exercises 1 (value) and 2 (backward)" in text for text in outputs(notebook, "text/plain"))


def test_the_exercise_magic_writes_the_cell_to_the_file_and_checks_it(copy: Path) -> None:
    solved = (ROOT / "solutions" / "value.py").read_text()
    slipped = solved.replace("1.0 if self.data > 0 else 0.0", "1.0 if self.data >= 0 else 0.0")
    sources = [f"import sys; sys.path.insert(0, {str(copy)!r})\n%load_ext kata.learner.notebook",
               "%%exercise value\n" + slipped, "%%exercise value\n" + solved]
    notebook = nbformat.reads(json.dumps({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "id": f"cell{i}", "source": source, "metadata": {},
                   "outputs": [], "execution_count": None} for i, source in enumerate(sources)],
    }), as_version=4)
    execute(notebook, copy)
    wrong, right = (cell.outputs for cell in notebook.cells[1:])
    assert "Wrote exercises/value.py from this cell. The file it replaced is in .kata/backups/" \
        in wrong[0]["text"]
    assert "relu" in wrong[-1]["data"]["text/html"] and 'class="wrong"' in wrong[-1]["data"]["text/html"]
    assert "Every case agrees with PyTorch" in right[-1]["data"]["text/html"]
    assert (copy / "exercises" / "value.py").read_text() == solved
    assert len(list((copy / ".kata" / "backups").glob("value-*.py"))) == 2


def test_graph_draws_the_learners_neuron_as_saved_now(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """make graph in a cell: a message while Value is a stub, the picture once it is written."""
    package = tmp_path / "graphed"
    shutil.copytree(ROOT / "exercises", package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.syspath_prepend(str(tmp_path))
    told = graph("graphed")
    assert isinstance(told, Message) and "exercises 1 (value) and 2 (backward)" in repr(told)
    for name in ("value", "backward"):
        shutil.copy(ROOT / "solutions" / f"{name}.py", package / f"{name}.py")
    drawn = graph("graphed")
    assert isinstance(drawn, Svg) and "x1*w1" in drawn._repr_svg_()


def test_a_target_runs_from_a_cell_in_the_notebooks_own_folder(copy: Path) -> None:
    """kata("help") in a notebook whose kernel runs in notebooks/, as Jupyter starts it there."""
    companion = nbformat.read(copy / "notebooks" / "kata.ipynb", as_version=4)
    (setup,) = [cell for cell in companion.cells if "from kata.learner.notebook import" in cell.source]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(setup.source),
                                               nbformat.v4.new_code_cell('kata("help")')])
    execute(notebook, copy / "notebooks")
    printed = "".join(output.get("text", "") for output in notebook.cells[1].outputs)
    assert "python -m kata check [name] [--all]" in printed and "Traceback" not in printed
