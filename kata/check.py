"""make check: grade a package exercise by exercise and explain the first case that fails."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Optional

from .compare import Verdict
from .diagnosis import diagnose
from .curriculum import EXERCISES, Exercise, exercise_named
from .oracle_cache import PATH as CACHE_PATH
from .oracle_cache import OracleCache
from .progress import PATH as PROGRESS_PATH
from .progress import load as load_progress
from .runner import Session
from .scoring import ExerciseScore, plan, score


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
    print(render(scores, args.package, narrowed=bool(args.exercise)))
    return 0 if all(s.passed for s in scores) else 1


def check(exercises: list[Exercise], package: str, search_path: Optional[Path] = None,
          cache_path: Path = CACHE_PATH) -> list[ExerciseScore]:
    """Grade the exercises in order, up to the first that fails, with PyTorch's answers cached."""
    cache = OracleCache(cache_path)
    # One child process for every exercise, while it lasts.
    with Session(package, search_path, stop_after_timeout=True) as session:
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


def render(scores: list[ExerciseScore], package: str, *, narrowed: bool) -> str:
    done = sum(s.passed for s in scores)
    points = sum(s.points for s in scores)
    total = sum(s.exercise.points for s in scores)
    lines = [f"Backpropagation kata ({package}/): {done} of {len(scores)} exercises pass, "
             f"{points:.1f} of {total} points", ""]
    for s in scores:
        e = s.exercise
        head = f"  {_mark(s)} {e.number} {e.name:<9}"
        if s.blocked_by:
            lines.append(f"{head} {'-':>5} / {e.points:<3} blocked: finish {s.blocked_by.name} first")
        else:
            lines.append(f"{head} {s.points:5.1f} / {e.points:<3} "
                         f"{s.passed_count} of {len(s.verdicts)} cases")
    failing = next((s for s in scores if not s.passed), None)
    if failing is None:
        lines += ["", "Every case agrees with PyTorch. Well done!"]
        return "\n".join(lines)
    e = failing.exercise
    lines += ["", f"Next: exercise {e.number} ({e.name}), in {package}/{e.name}.py: {e.title}"]
    verdict = failing.first_failure
    if verdict is not None:
        lines += ["", explain(verdict, package)]
    if not narrowed:
        lines += ["", f"To check this exercise alone: make check EX={e.name}"]
    return "\n".join(lines)


def _mark(s: ExerciseScore) -> str:
    return "✓" if s.passed else ("·" if s.blocked_by else "✗")


def explain(verdict: Verdict, package: str) -> str:
    """The first failing case in a learner's words: the math, the code, what went wrong."""
    case = verdict.instance.case
    seed = "" if verdict.instance.seed is None else f" (seed {verdict.instance.seed})"
    lines = [f"✗ {case.exercise}: {case.title}{seed}"]
    lines += [f"  {line}" for line in case.math.splitlines()]
    lines += ["", f"  The case (impl is your {package} package{', seed as above' if seed else ''}):"]
    lines += [textwrap.indent(case.source, "      "), ""]
    problem = verdict.problem
    if problem is not None:
        lines.append(f"  Your code {_problem_phrase(problem.kind)}: {problem.message}")
        if problem.where:
            lines.append(f"    at {problem.where}")
    else:
        width = max(len(row.name) for row in verdict.rows)
        lines.append(f"    {'':{width}}  {'yours':<24} PyTorch")
        for row in verdict.rows:
            mark = "✓" if row.ok else "✗"
            lines.append(f"  {mark} {row.name:{width}}  {row.yours:<24} {row.expected}")
        wrong = [row for row in verdict.rows if not row.ok]
        if wrong and all(row.negated for row in wrong):
            lines.append("  Every wrong number has the right size but the wrong sign. With a number on "
                         "the left,\n  1 - x calls x.__rsub__(1), which must compute other - self.")
        diagnosis = diagnose(verdict.graph, verdict.seed) if verdict.graph else None
        if diagnosis is not None and diagnosis.first_wrong is not None:
            lines += ["", diagnosis.render()]
    if verdict.printed:
        lines += ["", "  Your code printed:", textwrap.indent(verdict.printed.rstrip(), "    | ")]
    return "\n".join(lines)


def _problem_phrase(kind: str) -> str:
    return {"raised": "raised", "timed out": "timed out", "crashed": "crashed",
            "bad result": "returned something that is not a number",
            "not run": "was not run"}.get(kind, kind)


if __name__ == "__main__":
    sys.exit(main())
