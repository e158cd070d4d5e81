"""make check: grade a package exercise by exercise and explain the first case that fails."""

from __future__ import annotations

import argparse
import math
import sys
import textwrap
from pathlib import Path
from typing import Optional

from .compare import Row, Verdict
from .diagnosis import NodeCache, diagnose, wrapped
from .commands import command
from .curriculum import EXERCISES, Exercise, exercise_exporting, exercise_named
from .oracle_cache import PATH as CACHE_PATH
from .oracle_cache import OracleCache
from .progress import HOME
from .progress import PATH as PROGRESS_PATH
from .progress import load as load_progress
from .runner import Session
from .scoring import ExerciseScore, plan, score

NODE_CACHE_PATH = HOME / "node-cache.json"  # PyTorch's numbers for the graphs diagnosed so far


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make check", description=__doc__)
    parser.add_argument("--package", default="exercises", help="exercises (default) or solutions")
    parser.add_argument("--exercise", default="", help="check this exercise alone, e.g. backward")
    args = parser.parse_args(argv)
    try:
        exercises = [exercise_named(args.exercise)] if args.exercise else list(EXERCISES)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    scores = check(exercises, args.package)
    if args.package == "exercises":
        remember(scores)
    print(render(scores, args.package, narrowed=bool(args.exercise),
                 node_cache=NodeCache(NODE_CACHE_PATH)))
    return 0 if all(s.passed for s in scores) else 1


def check(exercises: list[Exercise], package: str, search_path: Optional[Path] = None,
          cache_path: Path = CACHE_PATH) -> list[ExerciseScore]:
    """Grade the exercises in order, up to the first that fails, with PyTorch's answers cached."""
    cache = OracleCache(cache_path)
    # One child process for every exercise, while it lasts.
    with Session(package, search_path, stop_after_timeout=True, cross_check=True) as session:
        scores = score(plan(exercises), session.run, stop_at_first_failure=True,
                       expected=cache.outcome)
    cache.save()
    return scores


def remember(scores: list[ExerciseScore], path: Path = PROGRESS_PATH) -> None:
    """Record which exercises pass now, for make hint and make reveal."""
    progress = load_progress(path)
    for s in scores:
        if s.passed:
            progress.passed.add(s.exercise.name)
        elif not s.blocked_by:
            progress.passed.discard(s.exercise.name)
    progress.save(path)


def render(scores: list[ExerciseScore], package: str, *, narrowed: bool,
           node_cache: Optional[NodeCache] = None) -> str:
    core = [s for s in scores if not s.exercise.bonus]
    bonus = [s for s in scores if s.exercise.bonus]
    done = sum(s.passed for s in core)
    points = sum(s.points for s in core)
    total = sum(s.exercise.points for s in core)
    lines = [f"Backpropagation kata ({package}/): {done} of {len(core)} exercises pass, "
             f"{points:.1f} of {total} points", ""]
    if bonus:
        lines[0] += (f"; bonus {sum(s.points for s in bonus):.1f} of "
                     f"{sum(s.exercise.points for s in bonus)}")
    width = max(len(s.exercise.name) for s in scores)
    for s in scores:
        e = s.exercise
        head = f"  {_mark(s)} {e.number if not e.bonus else '+'} {e.name:<{width}}"
        if s.blocked_by:
            lines.append(f"{head} {'-':>5} / {e.points:<3} blocked: finish {s.blocked_by.name} first")
        else:
            lines.append(f"{head} {s.points:5.1f} / {e.points:<3} "
                         f"{s.passed_count} of {len(s.verdicts)} cases{_unsettled(s)}")
    failing = next((s for s in scores if not s.passed), None)
    if failing is None:
        lines += ["", "Every case agrees with PyTorch. Well done!"]
        return "\n".join(lines)
    e = failing.exercise
    step = f"the bonus exercise {e.name}" if e.bonus else f"exercise {e.number} ({e.name})"
    if e.bonus and all(s.passed for s in core):
        lines += ["", f"Every core exercise agrees with PyTorch: {total} points. The bonus track "
                      "is optional (+ above)."]
    lines += ["", f"Next: {step}, in {package}/{e.name}.py: {e.title}"]
    verdict = failing.first_failure
    if verdict is not None:
        # The learner's numerical gradient is trusted once the exercise that writes it passes.
        writes_it = exercise_exporting("numerical_gradient").name
        cross_check = any(s.passed and s.exercise.name == writes_it for s in scores)
        lines += ["", explain(verdict, package, node_cache, cross_check)]
    if not narrowed:
        lines += ["", f"To check this exercise alone: {command('check', e.name)}"]
    return "\n".join(lines)


def _unsettled(s: ExerciseScore) -> str:
    """How many cases hung, or were not run after one hung: they are neither passed nor judged."""
    kinds = [v.problem.kind for v in s.verdicts if v.problem]
    counts = [f"{kinds.count(kind)} {kind}" for kind in ("timed out", "not run") if kind in kinds]
    return f" ({', '.join(counts)})" if counts else ""


def _mark(s: ExerciseScore) -> str:
    return "✓" if s.passed else ("·" if s.blocked_by else "✗")


def explain(verdict: Verdict, package: str, node_cache: Optional[NodeCache] = None,
            cross_check: bool = False) -> str:
    """The first failing case in a learner's words: the math, the code, what went wrong."""
    case = verdict.instance.case
    broken = _another_file_that_does_not_import(verdict, package)
    if broken:
        return broken
    seed = "" if verdict.instance.seed is None else f" (seed {verdict.instance.seed})"
    lines = [f"✗ {case.exercise}: {case.title}{seed}"]
    lines += [f"  {line}" for line in case.math.splitlines()]
    if verdict.seed != 1.0:
        lines.append(f"  Here the root's grad starts at {verdict.seed:g}, not 1, so every grad is "
                     f"{verdict.seed:g} × the derivative above.")
    lines += ["", f"  The case (impl is your {package} package{', seed as above' if seed else ''}):"]
    lines += [textwrap.indent(case.source, "      "), ""]
    problem = verdict.problem
    if problem is not None:
        lines.append(wrapped(f"  Your code {_problem_phrase(problem.kind)}: {problem.message}"))
        if problem.where:
            first, *callers = problem.where.splitlines()
            lines.append(f"    at {first}")
            lines += [f"    called from {caller}" for caller in callers]
    else:
        lines += _side_by_side(verdict.rows)
        wrong = [row for row in verdict.rows if not row.ok]
        if wrong and all(row.negated for row in wrong):
            lines.append("  Every wrong number has the right size but the wrong sign. With a number on "
                         "the left,\n  1 - x calls x.__rsub__(1), which must compute other - self.")
        if verdict.cause:
            lines.append(wrapped(f"  Likely cause: {verdict.cause}"))
        diagnosis = (diagnose(verdict.graph, verdict.seed, verdict.reference_graph, node_cache)
                     if verdict.graph else None)
        if diagnosis is not None and diagnosis.culprit is not None:
            lines += ["", diagnosis.render()]
        if cross_check:
            lines += _against_numerical(verdict)
    if verdict.printed:
        lines += ["", "  Your code printed:", textwrap.indent(verdict.printed.rstrip(), "    | ")]
    return "\n".join(lines)


def _against_numerical(verdict: Verdict) -> list[str]:
    """The leaves whose grad from backward differs from the learner's own numerical gradient."""
    if not verdict.graph or not verdict.numerical:
        return []
    leaves = [(i, node) for i, node in enumerate(verdict.graph) if not node[4]]
    differ = [(i, node, estimate) for (i, node), estimate in zip(leaves, verdict.numerical)
              if not math.isclose(node[3], estimate, rel_tol=1e-4, abs_tol=1e-6)]
    if len(leaves) != len(verdict.numerical) or not differ:
        return []
    lines = ["", "  Your numerical gradient (exercise 0) against your backward, for the leaves "
                 "that disagree:"]
    for i, node, estimate in differ[:5]:
        name = f"node {i}{' (' + node[1] + ')' if node[1] else ''}"
        lines.append(f"    {name}: your backward says {node[3]:.6g}, your numerical gradient says "
                     f"{estimate:.6g}")
    return lines


IMPORT_ERRORS = ("SyntaxError", "IndentationError", "TabError", "ImportError", "ModuleNotFoundError")


def _another_file_that_does_not_import(verdict: Verdict, package: str) -> str:
    """A report headed by another exercise's file when that file stops this one from importing."""
    problem, case = verdict.problem, verdict.instance.case
    if problem is None or problem.kind != "raised" or not problem.message.startswith(IMPORT_ERRORS):
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


def _problem_phrase(kind: str) -> str:
    return {"raised": "raised", "contract": "does not keep the kata's contract",
            "timed out": "timed out", "crashed": "crashed",
            "bad result": "returned something that is not a number",
            "not run": "was not run"}.get(kind, kind)


if __name__ == "__main__":
    sys.exit(main())
