"""make hint: the hints of the exercise you are on, one tier more each time you ask.

Each exercise has three tiers of hints in exercises/<name>.hints.md, as the
level-2 headings `## 1. ...`, `## 2. ...` and `## 3. ...`: a nudge, the
concept, then pseudo-code. Every call opens the next tier of the first
exercise that make check has not yet seen pass (or of the one named), prints
the new tier in full with the earlier ones in brief, and remembers how far you
got in .kata/progress.json.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from kata.core.curriculum import EXERCISES, Exercise, exercise_named
from kata.learner import progress as progress_file
from kata.learner.commands import Spelling
from kata.repository import ROOT

TIERS = 3
_HEADING = re.compile(r"(\d+)\.\s+(\S.*)")


class HintsError(Exception):
    """A hints file that is missing or not three numbered tiers."""


@dataclass(frozen=True)
class Tier:
    number: int
    title: str
    body: str  # the markdown under the heading, stripped

    @property
    def brief(self) -> str:
        """The tier's first paragraph, with an ellipsis when there is more."""
        first, _, rest = self.body.partition("\n\n")
        return first.strip() + (" …" if rest.strip() else "")


def hints_path(name: str, root: Path) -> Path:
    return root / "exercises" / f"{name}.hints.md"


def parse_hints(text: str, source: str) -> list[Tier]:
    """The tiers of a hints file: exactly the headings `## 1. T`, `## 2. T`, `## 3. T`, none empty.

    Text before the first `## ` heading (a title) is ignored; `## ` lines inside
    fenced code blocks are content. source names the file in error messages.
    """
    headings: list[tuple[int, str]] = []
    bodies: list[list[str]] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        if not fenced and line.startswith("## "):
            match = _HEADING.fullmatch(line[3:].strip())
            if match is None:
                raise HintsError(f"{source}: the heading {line.strip()!r} is not of the form "
                                 f"'## <tier number>. <title>'")
            headings.append((int(match[1]), match[2].strip()))
            bodies.append([])
        elif bodies:
            bodies[-1].append(line)
    numbers = [number for number, _ in headings]
    if numbers != list(range(1, TIERS + 1)):
        found = ", ".join(f"'## {n}. {t}'" for n, t in headings) or "no '## ' headings"
        raise HintsError(f"{source}: expected exactly {TIERS} tiers, headed '## 1. ...' to "
                         f"'## {TIERS}. ...' in order; found {found}")
    tiers = [Tier(number, title, "\n".join(body).strip())
             for (number, title), body in zip(headings, bodies)]
    for tier in tiers:
        if not tier.body:
            raise HintsError(f"{source}: tier {tier.number} ({tier.title}) is empty")
    return tiers


def load_hints(name: str, root: Optional[Path] = None) -> list[Tier]:
    path = hints_path(name, root or ROOT)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise HintsError(f"{path}: cannot read the hints of exercise {name!r} "
                         f"({error.strerror or error})") from None
    return parse_hints(text, str(path))


def next_exercise(passed: set[str]) -> Optional[Exercise]:
    """The first exercise, in curriculum order, that has not passed."""
    return next((e for e in EXERCISES if e.name not in passed), None)


def render(exercise: Exercise, tiers: list[Tier], reached: int, spelling: Spelling, *, named: bool) -> str:
    """The tiers opened so far: the earlier ones in brief, the newest in full."""
    again = spelling.command("hint", exercise.name if named else "")
    lines = [f"Hints for exercise {exercise.number} ({exercise.name}): {exercise.title}", ""]
    for tier in tiers[: reached - 1]:
        lines += [f"{tier.number}. {tier.title} (opened before)"]
        lines += [f"   {line}" for line in tier.brief.splitlines()]
        lines += [""]
    newest = tiers[reached - 1]
    heading = f"{newest.number}. {newest.title}, tier {reached} of {TIERS}"
    lines += [heading, "─" * len(heading), newest.body, ""]
    if reached < TIERS:
        lines.append(f"That was tier {reached} of {TIERS}. For tier {reached + 1} "
                     f"({tiers[reached].title}), run {again} again.")
    else:
        lines.append(f"That was tier {TIERS} of {TIERS}, the last one: there are no more hints, "
                     f"and asking again shows this tier again. {spelling.command('check', exercise.name)} "
                     "shows the first case that fails and what your code did.")
    if reached > 1:
        lines.append(f"Every tier in full: exercises/{exercise.name}.hints.md")
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None, *, root: Optional[Path] = None,
         progress_path: Optional[Path] = None, spelling: Spelling = Spelling.PYTHON) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata.learner.hints", description=__doc__.split("\n\n")[0])
    parser.add_argument("--exercise", default="",
                        help="hints for this exercise, e.g. backward (default: the first not passed)")
    args = parser.parse_args(argv)
    path = progress_path or (root / ".kata" / "progress.json" if root else progress_file.PATH)
    root = root or ROOT
    progress = progress_file.load(path)
    if args.exercise:
        try:
            exercise = exercise_named(args.exercise)
        except KeyError as error:
            print(error.args[0], file=sys.stderr)
            return 2
    else:
        found = next_exercise(progress.passed)
        if found is None:
            print(f"Every exercise passes, so there is no next hint. To read the hints of one "
                  f"anyway: {spelling.command('hint', 'name')}, one of {', '.join(e.name for e in EXERCISES)}.")
            return 0
        exercise = found
    try:
        tiers = load_hints(exercise.name, root)
    except HintsError as error:  # before any tier is counted as opened
        print(f"The hints cannot be shown: {error}", file=sys.stderr)
        return 1
    reached = max(1, min(progress.hint_tiers.get(exercise.name, 0) + 1, TIERS))
    progress.hint_tiers[exercise.name] = reached
    progress.save(path)
    print(render(exercise, tiers, reached, spelling, named=bool(args.exercise)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
