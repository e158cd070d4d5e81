"""A page opened in the system's Chromium through Playwright, as the kata's page tests and README's
pictures do: every console error or warning, page error and request that leaves the page kept."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Page

needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None,
                                    reason="Chromium is not installed (apt-get install chromium)")


@contextlib.contextmanager
def opened(path: Path, width: int = 1280, height: int = 720, anchor: str = "") -> Iterator[tuple[Page, list[str]]]:
    """The page at path, and a list that gathers what went wrong while it was open."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("request", lambda r: problems.append(f"request: {r.url}") if not r.url.startswith("file:") else None)
        page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
        page.goto(path.resolve().as_uri() + anchor)
        try:
            yield page, problems
        finally:
            browser.close()


def screenshot(path: Path, png: Path, width: int = 1100, height: int = 1000, anchor: str = "") -> None:
    """README's picture of the page at path: its top, width by height."""
    with opened(path, width, height, anchor) as (page, _):
        page.screenshot(path=str(png), full_page=False)
