"""README's picture of make step: the reference with its order left unreversed, stepped through
in headless Chromium at the first call whose share differs from PyTorch's.

    .venv/bin/python -m tests.support.step_sample PNG
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from kata.learner import step
from kata.learner.commands import Spelling
from kata.learner.step_page import as_html
from tests.support.browser import screenshot
from tests.support.test_diagnosis import NOT_REVERSED

ROOT = Path(__file__).resolve().parents[2]
CASE = "test_a_node_used_by_two_nodes_waits_for_both"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("png", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        learner = Path(folder) / "unreversed"
        shutil.copytree(ROOT / "solutions", learner, ignore=shutil.ignore_patterns("__pycache__"))
        file, reference, slip = NOT_REVERSED
        (learner / file).write_text((learner / file).read_text().replace(reference, slip))
        instance = step.find_case(CASE, "unreversed", Spelling.MAKE).instance
        walk = step.walk_for(instance, step.run_recorded(instance, "unreversed", Path(folder)))
        page = Path(folder) / "step.html"
        page.write_text(as_html(walk, step.summary(walk, failing=True)))
        screenshot(page, args.png, height=860)
    return 0


if __name__ == "__main__":
    sys.exit(main())
