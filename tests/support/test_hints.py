"""make hint: three tiers per exercise, opened one at a time and remembered in the progress file."""

import inspect
import re
from pathlib import Path

import pytest

from kata.core.cases import cases_of
from kata.core.curriculum import EXERCISES, Exercise
from kata.learner import hints
from kata.learner.progress import Progress, load
from kata.repository import ROOT

FIRST = EXERCISES[0].name  # where a learner who has passed nothing starts


@pytest.fixture
def progress_path(tmp_path: Path) -> Path:
    """A progress file of the test's own, never the learner's."""
    return tmp_path / ".kata" / "progress.json"


def ask_for_hint(progress_path: Path, capsys: pytest.CaptureFixture[str], *args: str,
                 root: Path = ROOT) -> tuple[int, str, str]:
    status = hints.main(list(args), root=root, progress_path=progress_path)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_every_exercise_has_a_nudge_a_concept_and_pseudo_code(exercise: Exercise) -> None:
    """exercises/<name>.hints.md: exactly the three tiers, in order, none of them empty."""
    tiers = hints.load_hints(exercise.name, ROOT)
    assert [(t.number, t.title) for t in tiers] == [
        (1, "Nudge"), (2, "Concept"), (3, "Pseudo-code")]
    assert all(t.body.strip() for t in tiers)
    assert len(tiers[0].body) < len(tiers[1].body), "the nudge is the short one"
    assert "```" in tiers[2].body, "the pseudo-code sits in a code block"


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.name)
def test_the_concept_tier_teaches_and_the_traps_wait_for_the_last_tier(exercise: Exercise) -> None:
    """Tier 2 explains the idea; the list of usual mistakes comes after the pseudo-code in tier 3.

    Read in advance, a list of traps gives away every mistake before the learner
    has made one: it helps most once their code does something odd.
    """
    concept, last = (t.body for t in hints.load_hints(exercise.name, ROOT)[1:])
    assert "trap" not in concept.lower()
    assert not re.search(r"^\s*[-*+] ", concept, re.MULTILINE), "tier 2 holds a bullet list"
    after_the_code = last[last.rindex("```"):]
    assert "\nThe usual traps:\n" in after_the_code
    assert re.search(r"^- \S", after_the_code, re.MULTILINE), "the traps are a list"


def graded_chain_length() -> int:
    """How many operations backward's deep-chain case builds: its name says, and its loop agrees."""
    (case, number), = [(c, int(m[1])) for c in cases_of("backward")
                       if (m := re.search(r"chain_of_(\d+)_operations", c.name))]
    (loop,) = re.findall(r"range\(([\d_]+)\)", inspect.getsource(case.scenario))
    assert int(loop) == number, f"{case.name} builds {int(loop)} operations"
    return number


@pytest.mark.parametrize("path", ["exercises/backward.hints.md", "exercises/backward.py"])
def test_the_hint_and_the_stub_give_the_graded_chains_true_length(path: str) -> None:
    """The learner is told how deep the graded chain really is, and no other depth."""
    text = (ROOT / path).read_text(encoding="utf-8")
    length = f"{graded_chain_length():,}"
    assert f"chain of {length}" in text or f"chain is {length}" in text
    assert set(re.findall(r"\d{1,3}(?:[,_]\d{3})+", text)) == {length}
    assert not re.search(r"(tens|hundreds) of thousands", text)


def test_each_call_opens_one_more_tier_and_remembers_it(
        progress_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tier 1, then 2, then 3: the newest in full, the earlier ones in brief, the count in the file."""
    tiers = hints.load_hints(FIRST, ROOT)
    for k in (1, 2, 3):
        status, out, _ = ask_for_hint(progress_path, capsys)
        assert status == 0
        assert f"tier {k} of 3" in out
        assert tiers[k - 1].body in out
        for earlier in tiers[: k - 1]:
            assert f"{earlier.number}. {earlier.title} (opened before)" in out
            assert earlier.body.splitlines()[0] in out
        for later in tiers[k:]:
            assert later.body.splitlines()[0] not in out
        assert load(progress_path).hint_tiers == {FIRST: k}
    assert "Pseudo-code" in out and "no more hints" in out


def test_the_tier_reached_is_read_back_from_the_progress_file(
        progress_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A later run carries on where the file says, not from tier 1."""
    Progress(hint_tiers={FIRST: 2}).save(progress_path)
    _, out, _ = ask_for_hint(progress_path, capsys)
    assert "tier 3 of 3" in out
    assert load(progress_path).hint_tiers == {FIRST: 3}


def test_after_tier_3_there_is_nothing_more(progress_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Asking again shows tier 3 again, says there are no more, and the count stays at 3."""
    Progress(hint_tiers={FIRST: 3}).save(progress_path)
    for _ in range(2):
        status, out, _ = ask_for_hint(progress_path, capsys)
        assert status == 0
        assert "tier 3 of 3" in out and "no more hints" in out
        assert hints.load_hints(FIRST, ROOT)[2].body in out
        assert load(progress_path).hint_tiers == {FIRST: 3}


def test_the_exercise_is_the_first_not_passed_in_curriculum_order(
        progress_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With the first three passed, the hints are neuron's; each exercise keeps its own count."""
    Progress(passed={"derivatives", "value", "backward"}, hint_tiers={"value": 3}).save(progress_path)
    _, out, _ = ask_for_hint(progress_path, capsys)
    assert out.startswith("Hints for exercise 3 (neuron)")
    assert "tier 1 of 3" in out
    assert load(progress_path).hint_tiers == {"value": 3, "neuron": 1}


def test_a_later_exercise_passed_does_not_skip_an_earlier_one(
        progress_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Order comes from the curriculum: backward passed but value not means value's hints."""
    Progress(passed={"derivatives", "backward"}).save(progress_path)
    _, out, _ = ask_for_hint(progress_path, capsys)
    assert out.startswith("Hints for exercise 1 (value)")


def test_no_hint_when_every_exercise_passes(progress_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing is opened, and the way to read one exercise's hints anyway is given."""
    Progress(passed={e.name for e in EXERCISES}).save(progress_path)
    status, out, _ = ask_for_hint(progress_path, capsys)
    assert status == 0
    assert "Every exercise passes" in out and "python -m kata hint name" in out
    assert load(progress_path).hint_tiers == {}


def test_a_named_exercise_gets_its_hints_even_when_passed(
        progress_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--exercise picks the exercise; the next-tier instruction names it too."""
    Progress(passed={"value", "backward"}).save(progress_path)
    status, out, _ = ask_for_hint(progress_path, capsys, "--exercise", "backward")
    assert status == 0
    assert out.startswith("Hints for exercise 2 (backward)")
    assert "python -m kata hint backward" in out
    assert load(progress_path).hint_tiers == {"backward": 1}


def test_an_unknown_exercise_exits_2_and_lists_the_exercises(
        progress_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = ask_for_hint(progress_path, capsys, "--exercise", "nosuch")
    assert status == 2 and out == ""
    assert "nosuch" in err and all(e.name in err for e in EXERCISES)
    assert not progress_path.exists()


def test_a_malformed_hints_file_is_named_and_opens_no_tier(
        tmp_path: Path, progress_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two tiers instead of three: a clear error naming the file; the tier count does not move."""
    root = tmp_path / "repo"
    (root / "exercises").mkdir(parents=True)
    broken = root / "exercises" / f"{FIRST}.hints.md"
    broken.write_text("## 1. Nudge\n\nLook.\n\n## 2. Concept\n\nThink.\n")
    status, out, err = ask_for_hint(progress_path, capsys, root=root)
    assert status == 1 and out == ""
    assert str(broken) in err and "exactly 3 tiers" in err
    assert load(progress_path).hint_tiers == {}


def test_a_missing_hints_file_is_named(tmp_path: Path, progress_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = ask_for_hint(progress_path, capsys, root=tmp_path)
    assert status == 1
    assert str(tmp_path / "exercises" / f"{FIRST}.hints.md") in err


@pytest.mark.parametrize("text, problem", [
    ("## 1. Nudge\nA\n## 3. Concept\nB\n## 2. Pseudo-code\nC\n", "in order"),
    ("## 1. Nudge\nA\n## 2. Concept\nB\n## 3. Pseudo-code\nC\n## 4. More\nD\n", "exactly 3"),
    ("## 1. Nudge\nA\n## 2. Concept\n\n## 3. Pseudo-code\nC\n", "tier 2 (Concept) is empty"),
    ("## Nudge\nA\n## 2. Concept\nB\n## 3. Pseudo-code\nC\n", "'## <tier number>. <title>'"),
    ("no headings at all\n", "no '## ' headings"),
], ids=["out of order", "four tiers", "empty tier", "unnumbered", "no headings"])
def test_the_parser_rejects_what_is_not_three_numbered_tiers(text: str, problem: str) -> None:
    with pytest.raises(hints.HintsError, match="broken.md") as raised:
        hints.parse_hints(text, "broken.md")
    assert problem in str(raised.value)


def test_the_parser_keeps_a_title_out_and_code_blocks_whole() -> None:
    """Text before the first tier is a title; a `## ` line inside a code block is content."""
    text = ("# Hints\n\nintro\n\n## 1. Nudge\n\nLook here.\n\n## 2. Concept\n\nWhy.\n\n"
            "## 3. Pseudo-code\n\n```text\n## not a heading\nstep\n```\n")
    tiers = hints.parse_hints(text, "ok.md")
    assert [t.body for t in tiers] == ["Look here.", "Why.", "```text\n## not a heading\nstep\n```"]
    assert "intro" not in "".join(t.body for t in tiers)
