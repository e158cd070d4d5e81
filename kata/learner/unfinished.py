"""What the learner reads when a tool (the demo, the drawing) meets code that is not ready."""

from __future__ import annotations

import importlib.util
import textwrap
from typing import Any

from kata.core.diagnosis import WIDTH
from kata.core.outcome import learner_line
from kata.learner.commands import Spelling


def missing_package(package: str) -> str:
    """A message if package cannot be found (the student copy has no solutions/), else ""."""
    if importlib.util.find_spec(package) is None:
        return (f"There is no {package}/ package here to run (the student copy has only "
                "exercises/); try --impl exercises.")
    return ""


def explain_failure(error: BaseException, impl: Any, doing: str, spelling: Spelling,
                    needs: str = "every exercise working") -> str:
    """One paragraph: what raised, in which of the learner's files and lines, and what to do."""
    package = impl.package
    where = learner_line(error, impl)
    message = str(error)
    raised = f"{type(error).__name__}: {message}" if message else type(error).__name__
    if where:
        place = f"Your {package}/ code raised {raised}, at {where}."
    else:
        place = (f"{raised} was raised while using your {package}/ code, outside your own files: "
                 "check what your functions return.")
    text = (f"Stopped while {doing}. {place} This needs {needs}; "
            f"`{spelling.command('check')}` shows which exercise to finish next.")
    return textwrap.fill(text, width=WIDTH)
