"""grader.py --report: the class report, from a sample class graded for real and read in Chromium."""

import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kata.grading.class_report import ClassStats, _correlation
from kata.grading.results import DIFFERS, PASSED, CaseResult, SubmissionResult
from tests.support.browser import needs_chromium, opened
from tests.support.class_sample import COPIED, HOSTILE, SLIPS
from tests.support.class_sample import main as grade_sample_class

# The sample class is graded for real, with time limits: beside the other grader tests, on one worker.
pytestmark = pytest.mark.xdist_group("grader")



@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample class (classic slips, a copied pair, hostile work) graded with --report."""
    out = tmp_path_factory.mktemp("sample")
    assert grade_sample_class([str(out)]) == 0
    return out


def submissions(graded: Path) -> dict[str, dict[str, Any]]:
    return {s["submission"]: s for s in json.loads((graded / "grades.json").read_text())["submissions"]}


def named(submission: dict[str, Any]) -> set[str]:
    return {case["misconception"] for case in submission["cases"] if case["misconception"]}


def test_the_json_names_the_misconception_behind_each_planted_slip(graded: Path) -> None:
    found = submissions(graded)
    assert named(found["ada"]) == set()  # the reference: nothing to name
    assert "`=` instead of `+=`" in named(found["ben"])
    assert "order not reversed" in named(found["cleo"]) and "order not reversed" in named(found["jon"])
    assert "root not seeded with 1" in named(found["eli"])
    assert "`* out.grad` missing" in named(found["fay"])
    assert "`1 - x` computed as `x - 1` (__rsub__)" in named(found["gus"])
    assert "relu'(0) = 1" in named(found["hal"])
    passing = [c for s in found.values() for c in s["cases"] if c["status"] == "passed"]
    assert passing and all(c["misconception"] == "" for c in passing)


def test_the_markdown_counts_each_misconception_across_the_class(graded: Path) -> None:
    text = (graded / "report" / "report.md").read_text()
    rows = {line.split(" | ")[1]: line for line in text.splitlines()
            if line.startswith(("| backward | ", "| value | "))}
    total = len(SLIPS) + 1 + len(HOSTILE)
    unreversed = ["cleo", "ivy", "jon"]  # planted NOT_REVERSED, jon by copying cleo
    assert f"| {len(unreversed)} of {total} | {', '.join(unreversed)} |" in rows["order not reversed"]
    assert "ben" in rows["`=` instead of `+=`"]
    uphill = next(line for line in text.splitlines() if line.startswith("| train | SGD step uphill |"))
    assert uphill.endswith(f"| 1 of {total} | dev |")  # not those whose backward broke the grads


def test_hostile_submissions_are_listed_with_what_happened(graded: Path) -> None:
    text = (graded / "report" / "report.md").read_text()
    trouble = text.split("## Submissions that did not run plainly")[1].split("##")[0]
    lines = {line.split(":")[0].removeprefix("- "): line for line in trouble.strip().splitlines()}
    assert "timed out" in lines["kai"]
    assert "tripped the sandbox" in lines["lou"] and "/usr/escape.txt" in lines["lou"]
    assert "crashed" in lines["mia"]
    assert "refused: layer.py is larger than" in lines["ned"]
    assert not {"ada", "ben", "cleo"} & set(lines)


def test_the_copied_pair_is_reported_with_its_shared_code_side_by_side(graded: Path) -> None:
    """Every sample learner starts from the same reference, so many of their files are alike and
    reported too; what matters here is that the copy is among them, nearly all shared.
    (Independent work is not reported: tests/support/test_similarity.py.)"""
    similar = (graded / "report" / "report.md").read_text().split("## Similar submissions")[1]
    copier, original = sorted(COPIED)
    pair = similar.split(f"### {copier} and {original}\n")[1].split("###")[0]
    shares = re.search(r"backward\.py \((\d+)% and (\d+)% shared\)", pair)
    assert shares is not None and min(int(shares[1]), int(shares[2])) >= 90, pair
    assert pair.count("```python") >= 2  # the shared code, one side then the other


def test_discrimination_is_the_correlation_of_passing_with_the_rest_of_the_score() -> None:
    """Passing a case that the strong pass and the weak fail: near 1; one everyone passes: none."""
    def submission(name: str, score: float, passed: bool) -> SubmissionResult:
        case = CaseResult("value/t", "value", "test_t", "t", "1.1", None, False, 1.0 if passed else 0.0, 1.0,
                          PASSED if passed else DIFFERS, "")
        return SubmissionResult(name, score, 0.0, 0.1, [], [case, replace(case, kind=PASSED, points=1.0)])
    stats = ClassStats.of([submission("a", 91, True), submission("b", 81, True),
                           submission("c", 30, False), submission("d", 20, False)])
    splits, everyone = stats.cases
    rest = [90.0 - 1.0, 80.0 - 1.0, 30.0 - 1.0, 20.0 - 1.0]
    assert splits.passed_share == 0.5 and everyone.passed_share == 1.0
    expected = _correlation([1, 1, 0, 0], rest)
    assert splits.discrimination is not None and expected is not None
    assert math.isclose(splits.discrimination, expected) and splits.discrimination > 0.9
    assert everyone.discrimination is None
    assert stats.histogram()[9] == 1 and stats.histogram()[2] == 1 and sum(stats.histogram()) == 4


@needs_chromium
def test_the_page_loads_in_chromium_without_console_errors_and_its_pictures_render(graded: Path) -> None:
    with opened(graded / "report" / "index.html") as (page, problems):
        bars = page.eval_on_selector_all("svg rect.bar", "rects => rects.map(r => r.getBBox().height)")
        svg_box = page.eval_on_selector("svg", "s => [s.getBoundingClientRect().width, "
                                               "s.getBoundingClientRect().height]")
        headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
        requests = page.evaluate("performance.getEntriesByType('resource').length")
    assert problems == []
    assert sum(1 for height in bars if height > 0) >= 3 and svg_box[0] > 100 and svg_box[1] > 100
    assert "Misconceptions" in headings and "Similar submissions" in headings
    assert requests == 0  # self-contained: nothing fetched
