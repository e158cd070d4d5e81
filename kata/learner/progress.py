"""What a learner has done, kept between runs in .kata/progress.json (git ignores it)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from kata.repository import HOME

PATH = HOME / "progress.json"


@dataclass
class Progress:
    passed: set[str] = field(default_factory=set)  # exercises that passed when last checked
    hint_tiers: dict[str, int] = field(default_factory=dict)  # exercise -> hint tiers opened

    def save(self, path: Path = PATH) -> None:
        path.parent.mkdir(exist_ok=True)
        data = {"passed": sorted(self.passed), "hint_tiers": self.hint_tiers}
        path.write_text(json.dumps(data, indent=1) + "\n")


def load(path: Path = PATH) -> Progress:
    """The saved progress; a missing or damaged file means a fresh start, never a crash."""
    try:
        data = json.loads(path.read_text())
        return Progress({str(name) for name in data["passed"]},
                        {str(k): int(v) for k, v in data["hint_tiers"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Progress()
