"""How a learner spells a command: `make check EX=value` at a make user's prompt, its twin
`python -m kata check value` where there is no make (Windows, most notebooks), or `check("value")`
and `kata("hint")` in the notebook.

The spelling is chosen where the learner's command comes in (the Makefile passes `--via make`
to python -m kata, the notebook asks for its own) and handed to whatever prints a command.
Standard library only: python -m kata imports this before the environment with PyTorch exists.
"""

from __future__ import annotations

from enum import Enum


class Spelling(Enum):
    MAKE = "make"
    PYTHON = "python"  # python -m kata, the twin of every make target
    NOTEBOOK = "notebook"

    def command(self, target: str, exercise: str = "", *, yes: bool = False, every: bool = False,
                case: str = "") -> str:
        """The command a learner types for target, with the exercise (make's EX=), make's YES=1,
        make's ALL=1 (every failing case in full) and make's CASE= (make step's case)."""
        if self is Spelling.NOTEBOOK:
            if target in ("check", "step"):
                arguments = ([f'"{exercise}"'] * bool(exercise) + [f'"{case}"'] * bool(case)
                             + ["every=True"] * every)
                return f"{target}({', '.join(arguments)})"
            words = [target] + [exercise] * bool(exercise) + ["--yes"] * yes + ["--all"] * every
            return "kata(" + ", ".join('"' + word + '"' for word in words) + ")"
        if self is Spelling.MAKE:
            return " ".join(["make", target] + [f"EX={exercise}"] * bool(exercise) + ["YES=1"] * yes
                            + ["ALL=1"] * every + [f"CASE={case}"] * bool(case))
        return " ".join(["python -m kata", target] + [exercise] * bool(exercise) + ["--yes"] * yes
                        + ["--all"] * every + ["--case", case] * bool(case))
