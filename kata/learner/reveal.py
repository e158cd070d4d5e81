"""make reveal: read the reference solution of an exercise you pass, or put an exercise back to its stub.

    python -m kata reveal NAME        print solutions/NAME.py, once exercises/NAME.py passes
    python -m kata reset NAME [--yes] restore exercises/NAME.py as committed (a backup is kept)

make reveal EX=NAME and make reset EX=NAME [YES=1] run these; without a NAME,
both print how to call them, spelled as they were called.

`show` runs the exercise's graded cases on your code, as make check does; what
.kata/progress.json says is not enough to open a solution.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable, Optional

from kata.core.curriculum import EXERCISES, Exercise, exercise_named
from kata.learner import progress as progress_file
from kata.learner.check import check, remember
from kata.learner.commands import Spelling

# The grading make check does (kata.learner.check), taken from where check.py takes it: mypy --strict
# does not let another module re-export names it only imports.
from kata.repository import ROOT, committed_stub

Ask = Callable[[str], str]  # shows a question, returns the answer typed


def show(exercise: Exercise, root: Path, progress_path: Path, spelling: Spelling) -> int:
    """Print solutions/NAME.py if every graded case of the exercise passes on exercises/; else refuse."""
    name = exercise.name
    solution = root / "solutions" / f"{name}.py"
    if not solution.is_file():
        print(f"There is no solutions/{name}.py in this copy of the kata (the student copy "
              "leaves the solutions out): ask your instructor for the reference.", file=sys.stderr)
        return 1
    print(f"Running the cases of exercise {exercise.number} ({name}) on exercises/{name}.py ...",
          file=sys.stderr, flush=True)
    (result,) = check([exercise], "exercises", search_path=root,
                      cache_path=root / ".kata" / "oracle-cache.json")  # as make check keeps it
    remember([result], progress_path)
    total = len(result.verdicts)
    if not result.passed:
        failing = total - result.passed_count
        first = result.first_failure
        lines = [f"Not yet: {failing} of {total} cases of exercise {exercise.number} ({name}) "
                 f"still fail, so solutions/{name}.py stays closed."]
        if first is not None:
            lines.append(f"The first that fails: {first.instance.case.title}.")
        lines.append(f"{spelling.command('check', name)} shows what went wrong; "
                     f"{spelling.command('hint')} gives a hint.")
        print("\n".join(lines), file=sys.stderr)
        return 1
    print(f"All {total} cases of exercise {exercise.number} ({name}) pass. "
          f"The reference, solutions/{name}.py:\n", file=sys.stderr, flush=True)
    sys.stdout.write(solution.read_text(encoding="utf-8"))
    sys.stdout.flush()
    return 0


def backup_path(name: str, root: Path, now: Optional[datetime] = None) -> Path:
    """A fresh .kata/backups/NAME-<timestamp>.py: a second reset in the same second gets -2, -3, ..."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    folder = root / ".kata" / "backups"
    path = folder / f"{name}-{stamp}.py"
    count = 1
    while path.exists():
        count += 1
        path = folder / f"{name}-{stamp}-{count}.py"
    return path


def reset(exercise: Exercise, root: Path, progress_path: Path, spelling: Spelling, *, yes: bool,
          ask: Optional[Ask]) -> int:
    """Restore exercises/NAME.py to the committed stub, after a backup and (unless yes) a question.

    ask is how to put the question; None means there is nobody to answer it,
    so without yes nothing is changed.
    """
    name = exercise.name
    relative = f"exercises/{name}.py"
    target = root / relative
    try:
        stub = committed_stub(name, root)
    except RuntimeError as error:
        print(f"Cannot reset {relative}: {error}", file=sys.stderr)
        return 1
    current = target.read_bytes() if target.is_file() else None
    if current == stub:
        print(f"{relative} is already the stub as committed: nothing to reset.")
        return 0
    backup = backup_path(name, root)
    shown_backup = backup.relative_to(root).as_posix()
    if not yes:
        if ask is None:
            print(f"{relative} was not reset: there is no terminal to ask you on. To reset it "
                  f"without the question: {spelling.command('reset', name, yes=True)} (your file is backed "
                  "up first).", file=sys.stderr)
            return 1
        if current is None:
            question = f"{relative} is missing. Restore it from the stub? [y/N] "
        else:
            question = (f"Reset {relative} to the stub? Your current file is kept in "
                        f"{shown_backup} [y/N] ")
        try:
            answer = ask(question)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print(f"Not reset: {relative} is unchanged.")
            return 0
    if current is not None:
        backup.parent.mkdir(parents=True, exist_ok=True)
        backup.write_bytes(current)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(stub)
    progress = progress_file.load(progress_path)
    if name in progress.passed:
        progress.passed.discard(name)
        progress.save(progress_path)
    kept = f" Your previous file is in {shown_backup}." if current is not None else ""
    print(f"{relative} is the stub again.{kept}")
    return 0


def usage(action: str, spelling: Spelling) -> str:
    """How to call command without an exercise name, spelled as the learner called it."""
    names = ", ".join(e.name for e in EXERCISES)
    if action == "show":
        return f"usage: {spelling.command('reveal', 'name')} (one of {names})"
    flag = "YES=1" if spelling is Spelling.MAKE else "--yes"
    return (f"usage: {spelling.command('reset', 'name')} [{flag}] (one of {names}); {flag} resets without "
            "asking")


def _terminal_ask() -> Optional[Ask]:
    return input if sys.stdin is not None and sys.stdin.isatty() else None


def main(argv: Optional[list[str]] = None, *, root: Optional[Path] = None,
         progress_path: Optional[Path] = None, ask: Optional[Ask] = None,
         spelling: Spelling = Spelling.PYTHON) -> int:
    """ask defaults to input() when stdin is a terminal, and to no question at all otherwise."""
    names = ", ".join(e.name for e in EXERCISES)
    parser = argparse.ArgumentParser(prog="python -m kata.learner.reveal", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{show,reset}")
    show_parser = commands.add_parser("show", help="print the reference solution of an exercise "
                                      "that passes")
    # The name is optional to argparse so that make reveal without EX= gets make's usage, not ours.
    show_parser.add_argument("name", nargs="?", help=f"the exercise: {names}")
    reset_parser = commands.add_parser("reset", help="restore an exercise to its committed stub")
    reset_parser.add_argument("name", nargs="?", help=f"the exercise: {names}")
    reset_parser.add_argument("--yes", action="store_true",
                              help="do not ask first (the backup is still written)")
    args = parser.parse_args(argv)
    if not args.name:
        print(usage(args.command, spelling), file=sys.stderr)
        return 2
    try:
        exercise = exercise_named(args.name)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    path = progress_path or (root / ".kata" / "progress.json" if root else progress_file.PATH)
    root = root or ROOT
    if args.command == "show":
        return show(exercise, root, path, spelling)
    return reset(exercise, root, path, spelling, yes=args.yes, ask=ask or _terminal_ask())


if __name__ == "__main__":
    sys.exit(main())
