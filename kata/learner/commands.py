"""How a learner spells a command: `make check EX=value` at a make user's prompt, or its twin
`python -m kata check value` where there is no make (Windows, most notebooks).

The Makefile exports KATA_VIA=make, so a message printed during a make target names the make
target; kata.learner.notebook sets KATA_VIA=notebook, where a check is check("value") and the rest are
kata("hint"), run from any folder; anywhere else a message names the twin. Standard library only:
python -m kata imports this
before the environment with PyTorch exists.
"""

from __future__ import annotations

import os


def via_make() -> bool:
    return os.environ.get("KATA_VIA") == "make"


def command(target: str, exercise: str = "", *, yes: bool = False, every: bool = False) -> str:
    """The command a learner types for target, with the exercise (make's EX=), make's YES=1 and
    make's ALL=1 (every failing case in full)."""
    if os.environ.get("KATA_VIA") == "notebook":
        if target == "check":
            arguments = [f'"{exercise}"'] * bool(exercise) + ["every=True"] * every
            return f"check({', '.join(arguments)})"
        arguments = [target] + [exercise] * bool(exercise) + ["--yes"] * yes + ["--all"] * every
        return "kata(" + ", ".join('"' + word + '"' for word in arguments) + ")"
    if via_make():
        words = (["make", target] + ([f"EX={exercise}"] if exercise else []) + (["YES=1"] if yes else [])
                 + (["ALL=1"] if every else []))
        return " ".join(words)
    return command_without_make(target, exercise, yes, every)


def command_without_make(target: str, exercise: str, yes: bool, every: bool = False) -> str:
    return " ".join(["python -m kata", target] + ([exercise] if exercise else []) + (["--yes"] if yes else [])
                    + (["--all"] if every else []))
