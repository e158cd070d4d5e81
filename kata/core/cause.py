"""A named misconception: the sentence a learner reads, and a short name that groups a class."""

from __future__ import annotations

import ast
import functools
from pathlib import Path


class Cause(str):
    """The explanation itself, so every report that prints a cause prints it unchanged; `name` is the
    short form a class report counts (the same misconception, whatever numbers the sentence holds)."""

    name: str

    def __new__(cls, name: str, text: str) -> Cause:
        cause = super().__new__(cls, text)
        cause.name = name
        return cause


class Misconception:
    """A misconception met in more than one place: its name and its lesson written once, each
    place giving only its own evidence."""

    def __init__(self, name: str, lesson: str) -> None:
        self.name, self.lesson = name, lesson

    def because(self, evidence: str) -> Cause:
        """The cause a learner reads: what the numbers show, then the lesson."""
        return Cause(self.name, f"{evidence} {self.lesson}")


RSUB = Misconception("`1 - x` computed as `x - 1` (__rsub__)",
                     "With a number on the left, 1 - x calls x.__rsub__(1), which must compute "
                     "other - self, not self - other.")
NO_OUT_GRAD = Misconception("`* out.grad` missing",
                            "_backward must multiply each local derivative by out.grad, the node's own grad.")


def name_of(cause: str) -> str:
    """The short name of a cause, or "" for none."""
    return cause.name if isinstance(cause, Cause) else ""


@functools.cache
def known_names() -> frozenset[str]:
    """Every short name a cause can have: the first argument of each Cause(...) and Misconception(...)
    in kata/core, each a literal (tests/support/test_class_journey.py holds them to it). A class report
    tells these from free text a learner typed into their journal."""
    names = set()
    for source in Path(__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("Cause", "Misconception") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                names.add(node.args[0].value)
    return frozenset(names)
