"""The class report's journey, from a simulated class (tests/support/journey_class.py): learners
whose journals make check wrote as they worked through planted mistakes and fixes, handed in with
make submit and graded with --report. Each figure is checked against the learners' paths and the
times their journals recorded."""

import ast
import json
import statistics
from pathlib import Path
from typing import Any

import pytest

from kata.core import journal
from kata.core.cases import cases_of
from kata.core.cause import known_names
from kata.core.journal import Run
from kata.grading import class_journey
from kata.grading.class_journey import ClassJourney
from kata.grading.results import SubmissionResult
from kata.repository import ROOT
from tests.support.browser import needs_chromium, opened
from tests.support.journey_class import DAMAGED, EDITED, MARKUP, NO_JOURNAL, PATHS
from tests.support.journey_class import main as simulate_class

# The class is graded for real: beside the other grader tests, on one worker.
pytestmark = pytest.mark.xdist_group("grader")


STUB, RSUB = "NotImplementedError", "`1 - x` computed as `x - 1` (__rsub__)"
UNREVERSED, ASSIGNED = "order not reversed", "`=` instead of `+=`"
# What make check named at each step of each path, and the exercise it was on.
NAMED = {
    "amy": [("derivatives", STUB), ("value", RSUB), ("value", RSUB), ("backward", UNREVERSED), ("softmax", STUB)],
    "bo": [("value", STUB), ("value", ASSIGNED), ("value", ASSIGNED), ("value", ASSIGNED), ("neuron", STUB)],
    "cy": [("value", RSUB), ("backward", UNREVERSED), ("backward", UNREVERSED), ("softmax", STUB)],
    "fox": [("value", STUB), ("softmax", STUB)],
}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("journeys")
    assert simulate_class([str(out)]) == 0
    return out


def journal_of(simulated: Path, learner: str) -> list[Run]:
    return journal.runs(simulated / "class" / learner / ".kata" / "journal")


def table(simulated: Path, heading: str) -> dict[str, list[str]]:
    """A table of the report's Markdown, its rows by their first cell."""
    text = (simulated / "report" / "report.md").read_text()
    section = text.split(f"### {heading}\n\n")[1].split("\n\n")[0]
    rows = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in section.splitlines()[2:]]
    return {row[0]: row[1:] for row in rows}


def shown(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def test_each_journal_holds_what_make_check_named_at_each_step_of_the_path(simulated: Path) -> None:
    for learner, named in NAMED.items():
        assert [(r.current, r.cause) for r in journal_of(simulated, learner)] == named, learner
    assert len(journal_of(simulated, EDITED)) == len(PATHS[EDITED])
    assert not (simulated / "class" / NO_JOURNAL / ".kata" / "journal").exists()  # KATA_JOURNAL=0


def test_each_cause_met_is_counted_with_the_checks_and_time_it_took_to_get_past(simulated: Path) -> None:
    causes = table(simulated, "Causes met")
    at = {learner: [r.at for r in journal_of(simulated, learner)] for learner in ("amy", "bo", "cy")}
    # The checks that named it in a row; the time from the first of them to the check after.
    rsub = [(2, at["amy"][3] - at["amy"][1]), (1, at["cy"][1] - at["cy"][0])]
    unreversed = [(1, at["amy"][4] - at["amy"][3]), (2, at["cy"][3] - at["cy"][1])]
    assigned = [(3, at["bo"][4] - at["bo"][1])]
    for name, met, who in ((RSUB, rsub, "amy.zip, cy.zip"), (UNREVERSED, unreversed, "amy.zip, cy.zip"),
                           (ASSIGNED, assigned, "bo.zip")):
        row = causes[name.replace("_", r"\_")]
        median_checks = statistics.median(c for c, _ in met)
        median_time = shown(statistics.median(s for _, s in met))
        assert row == ["named cause", f"{len(met)} of 4", f"{len(met)}", f"{median_checks:g}".replace(".", r"\."),
                       median_time, who], name
    assert not any(STUB in name for name in causes)  # a stub not yet written is no struggle
    # Text the kata never names is counted, never shown: a journal can hold any words.
    assert causes[r"other text (not shown: no cause the kata names)"][:2] == ["free text", "1 of 4"]
    assert causes[r"other text (not shown: no cause the kata names)"][-1] == "eve.zip"
    for page in ("report.md", "index.html"):
        assert "onerror" not in (simulated / "report" / page).read_text()


def test_every_cause_the_kata_names_is_known_to_the_report() -> None:
    """known_names() reads the literal first argument of each Cause and Misconception in kata/core:
    every one is a literal, or a cause could be named that the class report would hide."""
    calls = [node for source in (ROOT / "kata" / "core").glob("*.py")
             for node in ast.walk(ast.parse(source.read_text())) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id in ("Cause", "Misconception")]
    literal = [c for c in calls if c.args and isinstance(c.args[0], ast.Constant)]
    assert len(calls) - len(literal) == 1  # Misconception.because: Cause(self.name, ...), a literal's name
    assert {RSUB, UNREVERSED, ASSIGNED, "SGD step uphill"} <= known_names()


def test_each_exercise_has_the_checks_and_time_to_pass_and_where_the_class_stalled(simulated: Path) -> None:
    exercises = table(simulated, "Exercises")
    journals = {learner: journal_of(simulated, learner) for learner in ("amy", "bo", "cy", EDITED)}
    # value: amy passes it at her 4th check, two after it first ran; bo at his 5th; cy and eve at their 2nd.
    assert exercises["value"][:3] == ["4", "4", r"2\.5"]
    assert exercises["neuron"][:2] == ["4", "3"]  # bo is still on it
    held: dict[str, dict[str, float]] = {}  # case -> learner -> time with it the first failure
    for learner, runs in journals.items():
        for run, after in zip(runs, runs[1:]):
            if run.first_failure.startswith("value::") and run.cause != STUB:
                case = run.first_failure.split("::")[1].split("[")[0]
                held.setdefault(case, {})[learner] = held.get(case, {}).get(learner, 0.0) + after.at - run.at
    longest = max(held, key=lambda case: (len(held[case]), statistics.median(held[case].values())))
    title = next(case.title for case in cases_of("value") if case.name == longest)
    learners, each = len(held[longest]), shown(statistics.median(held[longest].values()))
    assert exercises["value"][4] == f"{title} ({learners} learners, {each} each, the median)"


def test_a_journal_never_changes_a_score_and_a_bad_one_is_refused_with_a_reason(simulated: Path) -> None:
    graded = {s["submission"]: s for s in json.loads((simulated / "grades.json").read_text())["submissions"]}
    same_files = [graded[f"{learner}.zip"] for learner in ("amy", NO_JOURNAL, EDITED, DAMAGED)]
    assert {s["score"] for s in same_files} == {100.0}
    assert len({json.dumps([c["status"] for c in s["cases"]]) for s in same_files}) == 1
    assert graded[f"{NO_JOURNAL}.zip"]["journal"] is None and graded[f"{NO_JOURNAL}.zip"]["journal_refused"] == ""
    assert graded[f"{DAMAGED}.zip"]["journal"] is None
    assert graded[f"{DAMAGED}.zip"]["journal_refused"] == "SQLite cannot read it (file is not a database)"
    assert [Run.from_json(r) for r in graded["amy.zip"]["journal"]] == journal_of(simulated, "amy")
    text = (simulated / "report" / "report.md").read_text()
    assert "- fox.zip: SQLite cannot read it (file is not a database)" in text
    assert "4 of 6 submissions handed in a journal that was read; 1 not read" in text
    learners = table(simulated, "Each learner's checks")
    # Exercises passing at the journal's last check, and as graded: eve's edited journal claims the bonus.
    assert {name: row[2:] for name, row in learners.items()} == {
        "amy.zip": ["7", "7"], "bo.zip": ["3", "3"], "cy.zip": ["7", "7"], "eve.zip": ["9", "7"]}
    assert [row[1] for row in learners.values()] == ["3", "3", "3", "0"]  # causes named: eve's are free text
    assert "it can be edited. These figures inform teaching and are never graded." in text


@needs_chromium
def test_the_page_shows_a_strip_per_learner_and_loads_without_errors_or_requests(simulated: Path) -> None:
    with opened(simulated / "report" / "index.html") as (page, problems):
        strips: list[dict[str, Any]] = page.eval_on_selector_all(
            "svg.strip", "svgs => svgs.map(s => ({dots: s.querySelectorAll('circle[r=\"3.5\"]').length, "
                         "rings: s.querySelectorAll('circle[fill=none]').length, "
                         "width: s.getBoundingClientRect().width}))")
        images = page.eval_on_selector_all("img", "imgs => imgs.length")
        markup_shown = page.get_by_text(MARKUP).count()
        requests = page.evaluate("performance.getEntriesByType('resource').length")
    assert problems == [] and requests == 0 and images == 0 and markup_shown == 0  # counted, never shown
    checks = {learner: journal_of(simulated, learner) for learner in ("amy", "bo", "cy", EDITED)}
    assert [s["dots"] for s in strips] == [len(runs) for runs in checks.values()]
    named = {RSUB, UNREVERSED, ASSIGNED}  # eve's free text gets no ring
    assert [s["rings"] for s in strips] == [sum(r.cause in named for r in runs) for runs in checks.values()]
    assert all(s["width"] > 300 for s in strips)


def test_submissions_of_one_name_and_an_empty_journal_are_each_counted() -> None:
    """Journals are kept per submission, not per name: two folders called carol are two learners."""
    def carol(cause: str) -> SubmissionResult:
        runs = [Run(1, 1.79e9, 0.5, "value", {"value": (0, 3)}, "value::x", cause),
                Run(2, 1.79e9 + 60, 0.5, "backward", {"value": (3, 3)}, "", "")]
        return SubmissionResult("carol", 0.0, 0.0, 1.0, [], [], journal=runs)

    empty = SubmissionResult("dan", 0.0, 0.0, 1.0, [], [], journal=[])
    journey = ClassJourney.of([carol(RSUB), carol(ASSIGNED), empty])
    assert [name for name, _ in journey.kept] == ["carol", "carol", "dan"]
    assert {c.cause: c.learners for c in journey.causes} == {RSUB: ["carol"], ASSIGNED: ["carol"]}
    assert "3 of 3 submissions handed in a journal that was read." in "\n".join(class_journey.as_markdown(journey))
