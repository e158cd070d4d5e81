"""make check from a Jupyter notebook: the same report, as HTML, with the failing graph drawn.

    from kata.learner.notebook import check, graph, journey, kata, step
    check("value")    # one exercise; check() for the whole path
    graph()           # make graph: a small neuron built with your Value, drawn inline
    journey()         # make journey: your path so far, from your journal
    step()            # make step: your backward pass call by call, beside PyTorch's, inline
    kata("hint")      # any other target: make hint, from whatever folder the notebook is in

To write an exercise in a cell instead of in its file:

    %load_ext kata.learner.notebook

    %%exercise value
    class Value:
        ...

The cell becomes exercises/value.py (the file it replaces is kept in
.kata/backups/) and is checked at once. Every check runs your code in a new
child process, as make check does: your file is read as it is saved now, and
nothing the notebook holds in memory can change the verdict. Outside Jupyter a
report prints as make check's text.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from kata.core import journal, oracle_cache
from kata.core.compare import Row
from kata.core.curriculum import EXERCISES, exercise_named
from kata.core.diagnosis import Diagnosis, NodeRow
from kata.core.replay import NodeCache
from kata.core.sanitise import html_text
from kata.learner import check as checking
from kata.learner.check import Comparison, Part, Picture, Summary, as_text, report
from kata.learner.commands import Spelling
from kata.repository import ROOT, run_python

DRAWN_NODES = 80  # a bigger graph is a thicket of arrows, not a picture worth reading


@dataclass(frozen=True)
class Report:
    """A check's report: HTML in Jupyter (_repr_html_), make check's text elsewhere."""
    parts: list[Part]
    file: Path  # the exercise file the report is about
    saved: float  # its modification time when it was checked
    passed: bool

    def __str__(self) -> str:
        return f"{self.saved_line()}\n\n{as_text(self.parts)}"

    __repr__ = __str__

    def saved_line(self) -> str:
        """Which file was checked, as saved when: a stale editor buffer shows at once."""
        ago = max(0, int(time.time() - self.saved))
        when = time.strftime("%H:%M:%S", time.localtime(self.saved))
        if ago >= 2 * 3600:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved))
        elif ago >= 120:
            when += f", {ago // 60} min before this check"
        else:
            when += f", {ago} s before this check"
        return f"Checked {self.file.parent.name}/{self.file.name}, saved at {when}"

    def _repr_html_(self) -> str:
        body = "".join(_html(part) for part in self.parts)
        return (f'<div class="kata-report">{STYLE}<p class="kata-saved">{html_text(self.saved_line())}</p>'
                f"{body}</div>")


def check(exercise: str = "", package: str = "exercises", *, every: bool = False,
          search_path: Optional[Path] = None) -> Report:
    """Check one exercise (or the whole path) in a fresh child process and return the report;
    every shows each failing case of the exercise in full, not only the first."""
    start = time.perf_counter()
    exercises = [exercise_named(exercise)] if exercise else list(EXERCISES)
    home = (search_path or ROOT) / package
    scores = checking.check(exercises, package, search_path, oracle_cache.PATH)
    if package == "exercises" and search_path is None:
        checking.remember(scores)
    failing = next((s for s in scores if not s.passed), None)
    about = exercise or (failing.exercise.name if failing else exercises[-1].name)
    file = home / f"{about}.py"
    parts = report(scores, package, Spelling.NOTEBOOK, narrowed=bool(exercise), every=every,
                   node_cache=NodeCache(checking.NODE_CACHE_PATH))
    if package == "exercises" and search_path is None:
        journal.record(scores, time.perf_counter() - start, home, checking.named_cause(parts, scores))
    return Report(parts, file, file.stat().st_mtime if file.exists() else 0.0, failing is None)


def write_exercise(name: str, source: str, root: Path = ROOT) -> Optional[Path]:
    """Write source as exercises/NAME.py; the file it replaces goes to .kata/backups/ (returned)."""
    from kata.learner.reveal import backup_path  # reveal keeps backups the same way for make reset

    exercise_named(name)  # a KeyError listing the names, before anything is written
    target = root / "exercises" / f"{name}.py"
    backup = None
    if target.exists() and target.read_text() != source:
        backup = backup_path(name, root)
        backup.parent.mkdir(parents=True, exist_ok=True)
        backup.write_bytes(target.read_bytes())
    target.write_text(source)
    return backup


def kata(*words: str) -> None:
    """A make target from a cell, whatever folder the notebook runs in: kata("hint", "value") is
    make hint EX=value, run as python -m kata hint value from the kata's own folder."""
    done = run_python(sys.executable, "-m", "kata", "--via", Spelling.NOTEBOOK.value, *words, capture=True)
    print(done.stdout + done.stderr, end="")


def journey() -> Message:
    """make journey in a cell: your path so far, read from your journal."""
    from kata.learner.journey import as_text

    return Message(as_text(journal.runs(), Spelling.NOTEBOOK))


def step(case: str = "", package: str = "exercises") -> Any:
    """make step in a cell: the first failing case's backward pass (or case's, by name), one
    _backward call at a time beside PyTorch's numbers, on the same page make step writes."""
    from kata.learner import step as stepping
    from kata.learner.step_page import as_html

    try:
        chosen = stepping.find_case(case, package, Spelling.NOTEBOOK)
        walk = stepping.walk_for(chosen.instance, stepping.run_recorded(chosen.instance, package))
    except stepping.NothingToStep as reason:
        return Message(str(reason))
    news = "\n".join([chosen.why] * bool(chosen.why) + [stepping.summary(walk, chosen.failing)])
    return Page(as_html(walk, news), news)


@dataclass(frozen=True)
class Page:
    """A whole page shown inline: in its own frame, so that its script and styles keep to it."""
    html: str
    text: str  # what it says, outside Jupyter

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html_text(self.html)}" style="width: 100%; height: 760px; border: 0" '
                'sandbox="allow-scripts"></iframe>')

    def __repr__(self) -> str:
        return self.text


def graph(package: str = "exercises") -> Any:
    """make graph in a cell: out = tanh(x1*w1 + x2*w2 + b) as your Value computes it, drawn inline."""
    from kata.core.implementation import Implementation
    from kata.learner.draw import draw_dot, small_neuron
    from kata.learner.unfinished import explain_failure

    for name in [m for m in sys.modules if m == package or m.startswith(f"{package}.")]:
        del sys.modules[name]  # import the files as saved now, not as first imported
    impl = Implementation(package)
    try:
        return draw_dot(small_neuron(impl))
    except Exception as error:
        return Message(explain_failure(error, impl, "building the small neuron and running backward() on it",
                                       Spelling.NOTEBOOK, "exercises 1 (value) and 2 (backward) working"))


@dataclass(frozen=True)
class Message:
    """Plain text that a notebook shows as text, not as a string's repr."""
    text: str

    def __repr__(self) -> str:
        return self.text


def load_ipython_extension(ipython: Any) -> None:
    """%load_ext kata.learner.notebook: adds the %%exercise cell magic."""
    def exercise(line: str, cell: str) -> Any:
        name = line.strip()
        try:
            backup = write_exercise(name, cell)
        except KeyError as error:
            return Message(str(error.args[0]))
        kept = f" The file it replaced is in {backup.relative_to(ROOT).as_posix()}." if backup else ""
        print(f"Wrote exercises/{name}.py from this cell.{kept}")
        return check(name)

    ipython.register_magic_function(exercise, magic_kind="cell", magic_name="exercise")


# HTML for each kind of part.

STYLE = """<style>
.kata-report table { border-collapse: collapse; margin: 0.4em 0; font-family: monospace; }
.kata-report td, .kata-report th { padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: left; }
.kata-report .wrong { background: #fdd; }
.kata-report .passed { color: #1a7f37; } .kata-report .failed { color: #c00; }
.kata-report .blocked { color: #888; }
.kata-report tr.culprit { font-weight: bold; outline: 2px solid #c60; }
.kata-report pre { margin: 0.4em 0; }
.kata-report .kata-saved { color: #666; font-size: 90%; }
</style>"""




def _html(part: Part) -> str:
    if isinstance(part, str):
        return f"<pre>{html_text(part)}</pre>"
    if isinstance(part, Summary):
        return _summary(part)
    if isinstance(part, Comparison):
        notes = "".join(f"<pre>{html_text(note)}</pre>" for note in part.notes)
        return _comparison(part.rows) + notes
    if isinstance(part, Diagnosis):
        return _diagnosis(part)
    return _picture(part)


def _summary(summary: Summary) -> str:
    rows = []
    for s in summary.scores:
        e = s.exercise
        state = "passed" if s.passed else ("blocked" if s.blocked_by else "failed")
        mark = {"passed": "✓", "failed": "✗", "blocked": "·"}[state]
        cases = (f"blocked: finish {s.blocked_by.name} first" if s.blocked_by
                 else f"{s.passed_count} of {len(s.verdicts)} cases")
        points = "-" if s.blocked_by else f"{s.points:.1f}"
        rows.append(f'<tr class="{state}"><td>{mark}</td><td>{"+" if e.bonus else e.number}</td>'
                    f"<td>{html_text(e.name)}</td><td>{points} / {e.points}</td><td>{html_text(cases)}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def _comparison(rows: list[Row]) -> str:
    expected = "PyTorch" if all(row.by_pytorch for row in rows) else "expected"
    cells = [f"<tr><th></th><th></th><th>yours</th><th>{expected}</th></tr>"]
    for row in rows:
        wrong = "" if row.ok else ' class="wrong"'
        cells.append(f"<tr><td>{'✓' if row.ok else '✗'}</td><td>{html_text(row.name)}</td>"
                     f"<td{wrong}>{html_text(row.yours)}</td><td>{html_text(row.expected)}</td></tr>")
        cells += [f'<tr><td></td><td colspan="3">{html_text(detail)}</td></tr>' for detail in row.details]
    return "<table>" + "".join(cells) + "</table>"


def _diagnosis(diagnosis: Diagnosis) -> str:
    head = ("<tr><th></th><th>#</th><th>op</th><th>label</th><th>uses</th><th>your data</th>"
            "<th>PyTorch</th><th>your grad</th><th>PyTorch</th></tr>")
    rows = [head]
    for r in reversed(diagnosis.rows):  # root first
        rows.append(_node_row(r, r.index == diagnosis.culprit))
    return (f"<p>{html_text(diagnosis.heading)}</p><table>" + "".join(rows) + "</table>"
            + "".join(f"<p>{html_text(line)}</p>" for line in diagnosis.notes))


def _node_row(r: NodeRow, culprit: bool) -> str:
    def number(x: float, ok: bool) -> str:
        return f'<td{"" if ok else " class=wrong"}>{x:.6g}</td>'
    return (f'<tr{" class=culprit" if culprit else ""}><td>{"→" if culprit else ""}</td>'
            f"<td>{r.index}</td><td>{html_text(r.op)}</td><td>{html_text(r.label)}</td><td>{r.uses}</td>"
            f"{number(r.data, r.data_ok)}<td>{r.expected_data:.6g}</td>"
            f"{number(r.grad, r.grad_ok)}<td>{r.expected_grad:.6g}</td></tr>")


def _picture(picture: Picture) -> str:
    from kata.learner.draw import svg

    if len(picture.graph) > DRAWN_NODES:
        return f"<p>The case's graph has {len(picture.graph)} nodes: too many to draw.</p>"
    marked = "" if picture.highlight is None else " The node the arrow points at is marked in red."
    drawn = svg(picture.graph, picture.highlight)
    drawn = drawn[drawn.find("<svg"):]  # inline in HTML: no XML prolog or doctype
    return f"<p>The case's graph as your code built it.{marked}</p>{drawn}"
