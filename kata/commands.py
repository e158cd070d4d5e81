"""How a learner spells a command: `make check EX=value` at a make user's prompt, or its twin
`python -m kata check value` where there is no make (Windows, most notebooks).

The Makefile exports KATA_VIA=make, so a message printed during a make target names the make
target; anywhere else it names the twin. Standard library only: python -m kata imports this
before the environment with PyTorch exists.
"""

from __future__ import annotations

import os


def via_make() -> bool:
    return os.environ.get("KATA_VIA") == "make"


def command(target: str, exercise: str = "", *, yes: bool = False) -> str:
    """The command a learner types for target, with the exercise (make's EX=) and make's YES=1."""
    if via_make():
        words = ["make", target] + ([f"EX={exercise}"] if exercise else []) + (["YES=1"] if yes else [])
    else:
        words = ["python -m kata", target] + ([exercise] if exercise else []) + (["--yes"] if yes else [])
    return " ".join(words)
