"""make check: grade a package exercise by exercise and explain the first case that fails."""

from __future__ import annotations

import argparse
import ast
import math
import os
import re
import socket
import sys
import textwrap
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, TextIO, Union

from kata.core import journal
from kata.core.cause import name_of
from kata.core.compare import Row, Verdict
from kata.core.curriculum import EXERCISES, Exercise, exercise_exporting, exercise_named
from kata.core.diagnosis import Diagnosis, diagnose, uses_your_backward, wrapped
from kata.core.graph import TracedNode
from kata.core.implementation import Implementation
from kata.core.oracle_cache import PATH as CACHE_PATH
from kata.core.oracle_cache import OracleCache
from kata.core.outcome import ProblemKind, package_home
from kata.core.replay import NodeCache
from kata.core.runner import Session
from kata.core.scoring import ExerciseScore, plan, score
from kata.learner.commands import Spelling
from kata.learner.progress import PATH as PROGRESS_PATH
from kata.learner.progress import load as load_progress
from kata.repository import HOME, ROOT

NODE_CACHE_PATH = HOME / "node-cache.json"  # PyTorch's numbers for the graphs diagnosed so far


def main(argv: list[str] | None = None, *, spelling: Spelling = Spelling.PYTHON) -> int:
    start = time.perf_counter()
    parser = argparse.ArgumentParser(prog="make check", description=__doc__)
    parser.add_argument("--package", default="exercises", help="exercises (default) or solutions")
    parser.add_argument("--exercise", default="", help="check this exercise alone, e.g. backward")
    parser.add_argument("--all", action="store_true", help="every failing case in full, not only the first")
    parser.add_argument("--summary", type=Path, help="also append the table, in Markdown, to this file "
                        "(GitHub Actions shows $GITHUB_STEP_SUMMARY on the run's page)")
    args = parser.parse_args(argv)
    try:
        exercises = [exercise_named(args.exercise)] if args.exercise else list(EXERCISES)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    scores = check(exercises, args.package)
    if args.package == "exercises":
        remember(scores)
    parts = report(scores, args.package, spelling, narrowed=bool(args.exercise), every=args.all,
                   node_cache=NodeCache(NODE_CACHE_PATH))
    try:
        print(as_text(parts, links=wants_links(sys.stdout)), flush=True)
    except BrokenPipeError:  # the reader stopped (| head): the rest goes nowhere, as at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if args.package == "exercises":  # the learner's own work: into their journal, after the report
        journal.record(scores, time.perf_counter() - start, ROOT / "exercises", named_cause(parts, scores))
    if args.summary:
        with args.summary.open("a", encoding="utf-8") as summary:
            summary.write(as_markdown(scores, args.package))
    # The bonus is optional: a whole check succeeds once every core exercise passes.
    needed = scores if args.exercise else [s for s in scores if not s.exercise.bonus]
    return 0 if all(s.passed for s in needed) else 1


def check(exercises: list[Exercise], package: str, search_path: Optional[Path] = None,
          cache_path: Path = CACHE_PATH) -> list[ExerciseScore]:
    """Grade the exercises in order, up to the first that fails, with PyTorch's answers cached.
    Only the cases learners have: the hidden ones are the grader's, so make check reads the same
    in this repository as in the student copy."""
    cache = OracleCache(cache_path)
    # One child process for every exercise, while it lasts.
    with Session(package, search_path, stop_after_timeout=True, cross_check=True) as session:
        scores = score(plan(exercises, hidden=False), session.run, stop_at_first_failure=True,
                       expected=cache.outcome)
    cache.save()
    return scores


def named_cause(parts: list[Part], scores: list[ExerciseScore]) -> str:
    """The short name of the cause the report named for its first failing case, or what the
    journal can say without it (journal.first_cause)."""
    named = next((name_of(p.cause) for p in parts if isinstance(p, Diagnosis) and name_of(p.cause)), "")
    return named or journal.first_cause(scores)


def remember(scores: list[ExerciseScore], path: Path = PROGRESS_PATH) -> None:
    """Record which exercises pass now, for make hint and make reveal."""
    progress = load_progress(path)
    for s in scores:
        if s.passed:
            progress.passed.add(s.exercise.name)
        elif not s.blocked_by:
            progress.passed.discard(s.exercise.name)
    progress.save(path)


@dataclass(frozen=True)
class Summary:
    """One line per exercise: its mark, points and cases."""
    scores: list[ExerciseScore]


@dataclass(frozen=True)
class Comparison:
    """The failing case's numbers, the learner's beside the expected ones, and what they suggest."""
    rows: list[Row]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Picture:
    """The failing case's graph as traced, with the node the diagnosis points at (a notebook draws it)."""
    graph: list[TracedNode]
    highlight: Optional[int]


# A report is a list of parts: text, and the pieces a notebook shows as tables and pictures.
Part = Union[str, Summary, Comparison, Diagnosis, Picture]


def render(scores: list[ExerciseScore], package: str, spelling: Spelling, *, narrowed: bool, every: bool = False,
           node_cache: Optional[NodeCache] = None, links: bool = False) -> str:
    """make check's report as text; links makes file-and-line places clickable (OSC 8)."""
    return as_text(report(scores, package, spelling, narrowed=narrowed, every=every, node_cache=node_cache),
                   links=links)


def report(scores: list[ExerciseScore], package: str, spelling: Spelling, *, narrowed: bool, every: bool = False,
           node_cache: Optional[NodeCache] = None) -> list[Part]:
    """The summary, then the first failing case explained; the exercise's other failing cases by
    title (the first is not always the telling one), or, with every, each of them in full."""
    core = [s for s in scores if not s.exercise.bonus]
    total = sum(s.exercise.points for s in core)
    parts: list[Part] = [_headline(scores, package), Summary(scores)]
    failing = next((s for s in scores if not s.passed), None)
    if failing is None:
        return parts + ["Every case agrees with PyTorch. Well done!"]
    e = failing.exercise
    step = f"the bonus exercise {e.name}" if e.bonus else f"exercise {e.number} ({e.name})"
    if e.bonus and core and all(s.passed for s in core):
        parts.append(f"Every core exercise agrees with PyTorch: {total} points. The bonus track "
                     "is optional (+ above).")
    parts.append(f"Next: {step}, in {package}/{e.name}.py: {e.title}")
    verdict = failing.first_failure
    if verdict is not None:
        # The learner's numerical gradient is trusted once the exercise that writes it passes.
        writes_it = exercise_exporting("numerical_gradient").name
        cross_check = any(s.passed and s.exercise.name == writes_it for s in scores)
        parts += explanation(verdict, package, node_cache, cross_check)
        others = [v for v in failing.verdicts if not v.passed and not v.waiting and v is not verdict]
        waiting = [v for v in failing.verdicts if v.waiting and v is not verdict]
        if others and every:
            for other in others:
                parts += explanation(other, package, node_cache, cross_check)
        elif others:
            parts.append("\n".join([f"Also failing in {e.name}:",
                                    *(f"  ✗ {_titled(other)}" for other in others),
                                    f"Each in full: {spelling.command('check', e.name, every=True)}"]))
        if waiting:
            parts.append("\n".join([f"Not run yet in {e.name}:",
                                    *(f"  · {_titled(v)}: {v.problem.message}" for v in waiting if v.problem)]))
    if not narrowed:
        parts.append(f"To check this exercise alone: {spelling.command('check', e.name)}")
    return parts


def as_text(parts: list[Part], links: bool = False) -> str:
    """The parts as the terminal shows them, a blank line between parts; no pictures."""
    texts = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, Summary):
            texts.append(_summary_lines(part.scores))
        elif isinstance(part, Comparison):
            texts.append("\n".join(_side_by_side(part.rows) + list(part.notes)))
        elif isinstance(part, Diagnosis):
            texts.append(part.render())
    text = "\n\n".join(texts)
    return hyperlinked(text) if links else text


# A place in the learner's files, as reports name it: "exercises/value.py, line 42".
PLACE = re.compile(r"\b((?:exercises|solutions)/[\w/]+\.py), line (\d+)")


def hyperlinked(text: str) -> str:
    """Each place in text made a terminal hyperlink (OSC 8) to the file; the link carries the line
    as #N, which some terminals use to open the file there. Other terminals show the text alone."""
    host = socket.gethostname()  # file:// links need a host, so a terminal never opens a remote path

    def link(place: re.Match[str]) -> str:
        target = f"file://{host}{urllib.parse.quote((ROOT / place[1]).as_posix())}#{place[2]}"
        return f"\033]8;;{target}\033\\{place[0]}\033]8;;\033\\"
    return PLACE.sub(link, text)


def wants_links(stream: TextIO) -> bool:
    """Hyperlinks only on a terminal: KATA_HYPERLINKS=1 or 0 decides, else a terminal that is not dumb
    (on Windows, Windows Terminal, which sets WT_SESSION)."""
    chosen = os.environ.get("KATA_HYPERLINKS")
    if chosen in ("0", "1"):
        return chosen == "1"
    if not stream.isatty() or os.environ.get("TERM") == "dumb":
        return False
    return os.name != "nt" or "WT_SESSION" in os.environ


def _summary_lines(scores: list[ExerciseScore]) -> str:
    width = max(len(s.exercise.name) for s in scores)
    lines = []
    for s in scores:
        e = s.exercise
        head = f"  {_mark(s)} {e.number if not e.bonus else '+'} {e.name:<{width}}"
        if s.blocked_by:
            lines.append(f"{head} {'-':>5} / {e.points:<3} blocked: finish {s.blocked_by.name} first")
        else:
            lines.append(f"{head} {s.points:5.1f} / {e.points:<3} "
                         f"{s.passed_count} of {len(s.verdicts)} cases{_unsettled(s)}")
    return "\n".join(lines)


def _headline(scores: list[ExerciseScore], package: str) -> str:
    core = [s for s in scores if not s.exercise.bonus]
    bonus = [s for s in scores if s.exercise.bonus]
    parts = []  # a check of one exercise (EX=) has the core's part or the bonus's, not both
    if core:
        parts.append(f"{sum(s.passed for s in core)} of {len(core)} exercises pass, "
                     f"{sum(s.points for s in core):.1f} of {sum(s.exercise.points for s in core)} points")
    if bonus:
        parts.append(f"bonus {sum(s.points for s in bonus):.1f} of {sum(s.exercise.points for s in bonus)}")
    return f"Backpropagation kata ({package}/): " + "; ".join(parts)


def as_markdown(scores: list[ExerciseScore], package: str) -> str:
    """The report's head and table in Markdown, for a page that shows it (a CI job summary)."""
    rows = ["| | Exercise | Points | Cases |", "|---|---|---|---|"]
    for s in scores:
        e = s.exercise
        name = f"{e.number if not e.bonus else '+'} {e.name}{' (bonus)' if e.bonus else ''}"
        cases = (f"blocked: finish {s.blocked_by.name} first" if s.blocked_by
                 else f"{s.passed_count} of {len(s.verdicts)}{_unsettled(s)}")
        points = "-" if s.blocked_by else f"{s.points:.1f}"
        rows.append(f"| {_mark(s)} | {name} | {points} / {e.points} | {cases} |")
    return "\n".join([f"### {_headline(scores, package)}", "", *rows, ""]) + "\n"


def _unsettled(s: ExerciseScore) -> str:
    """How many cases hung, or were not run after one hung: they are neither passed nor judged."""
    kinds = [v.problem.kind for v in s.verdicts if v.problem]
    counts = [f"{kinds.count(kind)} {kind.value}" for kind in (ProblemKind.TIMED_OUT, ProblemKind.NOT_RUN)
              if kind in kinds]
    return f" ({', '.join(counts)})" if counts else ""


def _mark(s: ExerciseScore) -> str:
    return "✓" if s.passed else ("·" if s.blocked_by else "✗")


def _titled(verdict: Verdict) -> str:
    seed = "" if verdict.instance.seed is None else f" (seed {verdict.instance.seed})"
    return f"{verdict.instance.case.title}{seed}"


def explain(verdict: Verdict, package: str, node_cache: Optional[NodeCache] = None,
            cross_check: bool = False) -> str:
    """The first failing case in a learner's words: the math, the code, what went wrong."""
    return as_text(explanation(verdict, package, node_cache, cross_check))


def explanation(verdict: Verdict, package: str, node_cache: Optional[NodeCache] = None,
                cross_check: bool = False) -> list[Part]:
    """explain's parts: a notebook shows the same report with its tables and the graph drawn."""
    case = verdict.instance.case
    broken = _another_file_that_does_not_import(verdict, package)
    if broken:
        return [broken]
    seed = "" if verdict.instance.seed is None else f" (seed {verdict.instance.seed})"
    lines = [f"✗ {case.exercise}: {case.title}{seed}"]
    lines += [f"  {line}" for line in case.math.splitlines()]
    if verdict.seed != 1.0:
        lines.append(f"  Here the root's grad starts at {verdict.seed:g}, not 1, so every grad is "
                     f"{verdict.seed:g} × the derivative above.")
    lines += ["", f"  The case (impl is your {package} package{', seed as above' if seed else ''}):"]
    lines += [textwrap.indent(case.source, "      ")]
    parts: list[Part] = ["\n".join(lines)]
    problem = verdict.problem
    if problem is not None:
        lines = [wrapped(f"  Your code {_problem_phrase(problem.kind)}: {problem.message}")]
        if problem.where:
            first, *callers = problem.where.splitlines()
            lines.append(f"    at {first}")
            lines += [f"    called from {caller}" for caller in callers]
        lines += [wrapped(f"  {advice}") for pattern, advice in _KNOWN_ERRORS if pattern.search(problem.message)]
        parts.append("\n".join(lines))
    else:
        notes = (wrapped(f"  Likely cause: {verdict.cause}"),) if verdict.cause else ()
        parts.append(Comparison(verdict.rows, notes))
        diagnosis = (diagnose(verdict.graph, verdict.seed, verdict.reference_graph, node_cache,
                              your_backward=uses_your_backward(case.exercise))
                     if verdict.graph else None)
        if diagnosis is not None and diagnosis.culprit is not None:
            parts.append(diagnosis)
        look = where_to_look(verdict, package, diagnosis)
        if look:
            parts.append(look)
        if verdict.graph:
            parts.append(Picture(verdict.graph, diagnosis.culprit if diagnosis else None))
        if cross_check:
            numerical = _against_numerical(verdict)
            if numerical:
                parts.append("\n".join(numerical))
    if verdict.printed:
        parts.append("  Your code printed:\n" + textwrap.indent(verdict.printed.rstrip(), "    | "))
    return parts


def _against_numerical(verdict: Verdict) -> list[str]:
    """The leaves whose grad from backward differs from the learner's own numerical gradient."""
    if not verdict.graph or not verdict.numerical:
        return []
    leaves = [(i, node) for i, node in enumerate(verdict.graph) if not node.operands]
    differ = [(i, node, estimate) for (i, node), estimate in zip(leaves, verdict.numerical)
              if not math.isclose(float(node.grad), estimate, rel_tol=1e-4, abs_tol=1e-6)]
    if len(leaves) != len(verdict.numerical) or not differ:
        return []
    lines = ["  Your numerical gradient (exercise 0) against your backward, for the leaves "
             "that disagree:"]
    for i, node, estimate in differ[:5]:
        name = f"node {i}{' (' + node.label + ')' if node.label else ''}"
        lines.append(f"    {name}: your backward says {float(node.grad):.6g}, your numerical gradient says "
                     f"{estimate:.6g}")
    return lines


IMPORT_ERRORS = ("SyntaxError", "IndentationError", "TabError", "ImportError", "ModuleNotFoundError")


# Errors whose message alone shows what the learner did, with what the skeleton expects instead.
_KNOWN_ERRORS = (
    (re.compile(r"attribute '_backward' is read-only|has no attribute '_backward'"),
     "The lecture stores a closure in out._backward; this skeleton does not: Value has __slots__, so "
     "no _backward can be set on a node. Each operation records its local derivatives instead: "
     "return _result(forward value, operands, op name, (one local derivative per operand)), and "
     "the one _backward method, the same for every node, adds local derivative * out.grad to "
     "each operand's grad. (Drop any self._backward = ... from __init__ too.)"),
)

# The methods that make a node of each op, where its forward and its local derivatives are written.
_OP_METHODS = {"+": ("__add__", "__radd__"), "*": ("__mul__", "__rmul__"), "-": ("__sub__", "__rsub__"),
               "/": ("__truediv__", "__rtruediv__"), "neg": ("__neg__",), "exp": ("exp",), "log": ("log",),
               "tanh": ("tanh",), "relu": ("relu",), "sigmoid": ("sigmoid",)}


def where_to_look(verdict: Verdict, package: str, diagnosis: Optional[Diagnosis]) -> str:
    """The places in the learner's files where numbers that differ were computed: the method that
    makes the marked node's op, where the node's local derivative is shown wrong; else the
    functions and classes of the exercise's own file that the case calls. "" where a named cause
    says where to look itself, or nothing is found (a file that does not parse, say)."""
    home = package_home(Implementation(package))
    if home is None:
        return ""
    case = verdict.instance.case
    if diagnosis is not None and diagnosis.culprit is not None:
        if not diagnosis.known:
            return ""
        op = diagnosis.rows[diagnosis.culprit].op
        names = _OP_METHODS.get(op, ("__pow__",) if op.startswith("**") else ())
        files = sorted(home.glob("*.py"))
    else:
        names = tuple(dict.fromkeys(re.findall(r"\bimpl\.(\w+)", case.source)))
        files = [home / f"{case.exercise}.py"]
    places = [f"{package}/{file.name}, line {line}, in {name}"
              for file in files for name, line in _definitions(file).items() if name in names]
    return "\n".join(["  Where your code computed them:", *(f"    {place}" for place in places)]) if places else ""


def _definitions(path: Path) -> dict[str, int]:
    """The functions, methods and classes a file defines, by name, with the line of each."""
    try:
        tree = ast.parse(path.read_text())
    except (OSError, SyntaxError, ValueError):
        return {}
    return {node.name: node.lineno for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def _another_file_that_does_not_import(verdict: Verdict, package: str) -> str:
    """A report headed by another exercise's file when that file stops this one from importing."""
    problem, case = verdict.problem, verdict.instance.case
    if problem is None or problem.kind is not ProblemKind.RAISED or not problem.message.startswith(IMPORT_ERRORS):
        return ""
    file = problem.where.split(",")[0]
    if not file.startswith(f"{package}/") or file == f"{package}/{case.exercise}.py":
        return ""
    return "\n".join([
        f"✗ {file} does not import: {problem.message}",
        f"    at {problem.where}",
        wrapped(f"  Exercise {case.exercise} imports it, so none of its cases can run until that "
                "file imports: fix it first."),
    ])


def _side_by_side(rows: list[Row]) -> list[str]:
    """Your numbers beside the expected ones; the column says PyTorch only where PyTorch computed them."""
    by_kata = [row.name for row in rows if not row.by_pytorch]
    width = max(len(row.name) for row in rows)
    lines = [f"    {'':{width}}  {'yours':<24} {'expected' if by_kata else 'PyTorch'}"]
    for row in rows:
        mark = "✓" if row.ok else "✗"
        lines.append(f"  {mark} {row.name:{width}}  {row.yours:<24} {row.expected}")
        lines += [f"      {detail}" for detail in row.details]
    if by_kata and len(by_kata) == len(rows):
        lines.append("  Expected: what the kata's reference decides (names, counts, labels, flags), "
                     "not PyTorch.")
    elif by_kata:
        lines.append(wrapped("  Expected: PyTorch's numbers, except " + ", ".join(by_kata) + ", which "
                             "the kata's reference decides (names, counts, labels, flags)."))
    return lines


def _problem_phrase(kind: ProblemKind) -> str:
    return {ProblemKind.CONTRACT: "does not keep the kata's contract",
            ProblemKind.BAD_RESULT: "returned something that is not a number",
            ProblemKind.NOT_RUN: "was not run"}.get(kind, kind.value)


if __name__ == "__main__":
    sys.exit(main())
