"""A named misconception: the sentence a learner reads, and a short name that groups a class."""

from __future__ import annotations


class Cause(str):
    """The explanation itself, so every report that prints a cause prints it unchanged; `name` is the
    short form a class report counts (the same misconception, whatever numbers the sentence holds)."""

    name: str

    def __new__(cls, name: str, text: str) -> Cause:
        cause = super().__new__(cls, text)
        cause.name = name
        return cause


def name_of(cause: str) -> str:
    """The short name of a cause, or "" for none."""
    return cause.name if isinstance(cause, Cause) else ""
