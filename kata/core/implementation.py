"""The kata's public names, taken from one package: exercises, solutions or the oracle."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from kata.core.curriculum import exercise_exporting


class Implementation:
    """`impl.Value`, `impl.MLP`, ...: each name imported from its exercise's module on first use.

    Importing lazily keeps exercises apart: a scenario for exercise 1 never
    imports the module of exercise 3, so a broken later stub cannot fail it.
    """

    def __init__(self, package: str) -> None:
        self.package = package

    def __getattr__(self, public_name: str) -> Any:
        exercise = exercise_exporting(public_name)
        package = importlib.import_module(self.package)
        found = getattr(package, public_name, None)
        # A name the package itself holds; `backward` there may be the submodule, not the function.
        if found is not None and not isinstance(found, ModuleType):
            return found
        module = importlib.import_module(f"{self.package}.{exercise.name}")
        return getattr(module, public_name)

    def __repr__(self) -> str:
        return f"Implementation({self.package!r})"
