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
        instance = step.find_case(CASE, "unreversed", Spelling.MAKE)
        page = Path(folder) / "step.html"
        page.write_text(as_html(step.walk_for(instance, step.run_recorded(instance, "unreversed", Path(folder)))))
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
            shown = browser.new_page(viewport={"width": 1100, "height": 860})
            shown.goto(page.resolve().as_uri())
            shown.screenshot(path=str(args.png), full_page=False)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
