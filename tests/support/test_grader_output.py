"""What grader.py and the class report show, when a learner who has read their code chooses the text.

A learner chooses their submission's name, its file names and the messages
their code raises. None of it may drive the instructor's terminal, run as a
spreadsheet formula, or become markup in the class report; no name, message or
pile of files may make an output huge; and a full submission scores exactly 100.
These call the functions directly: nothing is graded in a subprocess.
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
import zipfile
from pathlib import Path

import pytest

from kata.core import sanitise
from kata.core.compare import Verdict
from kata.core.curriculum import EXERCISES
from kata.core.outcome import Problem, ProblemKind
from kata.core.scoring import ExerciseScore, plan
from kata.grading import class_report
from kata.grading.class_report import ClassStats, as_html, as_markdown
from kata.grading.exports import gradescope_results, render, write_csv
from kata.grading.grade import Report
from kata.grading.results import BONUS_POINTS, DIFFERS, IGNORED_SHOWN, CaseResult, SubmissionResult
from kata.grading.sandbox import Sandbox
from kata.grading.similarity import Pair, Region
from kata.grading.submission import FILE_LIMIT, IGNORED_KEPT, MEMBER_LIMIT, Submission, read_submission

# Clear the screen, put text on the clipboard (OSC 52), conceal what follows, and reverse the line.
ESCAPES = "\x1b[2J\x1b]52;c;cm0gLXJmIH4=\x07\x1b[8m\u202e"
# What no output may carry raw: C0 controls but newline and tab, DEL, C1, bidi overrides and isolates.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SCRIPT = "<script>alert(1)</script>"


def report(submission: Submission, message: str) -> SubmissionResult:
    """Every case passed but the very first, which failed with the message given."""
    grading_plan = plan(list(EXERCISES))
    first = grading_plan[0][1][0]
    return Report(submission, [ExerciseScore(e, [Verdict(i, False, Problem(ProblemKind.RAISED, message)) if i is first
                                                 else Verdict(i, True) for i in instances])
                               for e, instances in grading_plan], 0.1).result()


def solution_files() -> dict[str, bytes]:
    root = Path(__file__).resolve().parents[2]
    return {f"{e.name}.py": (root / "solutions" / f"{e.name}.py").read_bytes() for e in EXERCISES}


def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


# --- The terminal ------------------------------------------------------------------------------------


def test_render_shows_escape_sequences_rather_than_sending_them_to_the_terminal() -> None:
    submission = Submission(f"mallory{ESCAPES}", ignored=[f"notes{ESCAPES}.txt"],
                            refused=[f"value.py{ESCAPES} is not a regular file"])
    shown = render(report(submission, f"no{ESCAPES}pe"))
    assert RAW_CONTROL.search(shown) is None, repr(shown)
    assert "mallory\\x1b[2J\\x1b]52;c;cm0gLXJmIH4=\\x07\\x1b[8m\\u202e" in shown  # seen, not obeyed
    assert len(shown.splitlines()) == 1 + len(EXERCISES) + 2  # with ignored and refused: none forged


def test_a_newline_in_a_name_or_message_cannot_forge_a_line_of_the_table() -> None:
    """A learner's "\\nsol: 100.0 / 100" stays on the learner's own line, shown as an escape."""
    forged = "\nsol: 100.0 / 100, bonus 10.0 / 10 (graded; 0.4 s)"
    shown = render(report(Submission(f"mallory{forged}", refused=[f"x{forged}"]), f"no{forged}"))
    assert len(shown.splitlines()) == 1 + len(EXERCISES) + 1
    assert not any(line.startswith("sol:") for line in shown.splitlines())
    assert "\\nsol: 100.0" in shown


def test_a_huge_failure_reason_is_cut_with_a_note_of_how_much() -> None:
    shown = render(report(Submission("ada"), "x" * 200_000))
    assert len(shown) < 5_000
    assert re.search(r"\.\.\. \[\d+ more characters\]", shown)


# --- The gradebook -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://evil\",\"ok\")", "+1+1", "-2+3", "@SUM(A1:A9)",
                                  "\tinside", "\rback"])
def test_a_gradebook_cell_that_looks_like_a_formula_is_written_as_text(tmp_path: Path, name: str) -> None:
    write_csv([report(Submission(name), "wrong")], tmp_path / "grades.csv")
    with (tmp_path / "grades.csv").open(newline="") as gradebook:
        header, row = list(csv.reader(gradebook))
    assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))  # a tab or CR is shown as \t, \r
    assert row[0].removeprefix("'") == sanitise.visible(name)
    assert re.fullmatch(r"\d+\.\d\d", row[header.index("total")])  # the grader's numbers: as they are
    assert row[header.index("status")].startswith("graded")


def test_csv_cells_are_quoted_only_where_a_spreadsheet_would_compute() -> None:
    assert [sanitise.csv_cell(cell) for cell in ["=1", "ada", "1-2", "a=b"]] == ["'=1", "ada", "1-2", "a=b"]


# --- The class report --------------------------------------------------------------------------------

SHARED = "def f():\n    return '''\n```\n</pre><script>alert(2)</script>\n'''\n"  # a fence inside


def hostile_class(refused: str) -> tuple[ClassStats, list[Pair]]:
    """Two submissions with hostile names, one of them with the refusal given, sharing SHARED."""
    def record(name: str, refused: list[str]) -> SubmissionResult:
        case = CaseResult("value/t", "value", "test_t", "value: t", "1.1", None, False, 0.0, 1.0, DIFFERS,
                          "differs from PyTorch: grad", "`=` instead of `+=`")
        return SubmissionResult(name, 50.0, 0.0, 0.1, [], [case], refused=refused)
    first, second = f"[click](javascript:alert(1)) {SCRIPT}", f"| forged | cell |{ESCAPES}"
    stats = ClassStats.of([record(first, [refused]), record(second, [])])
    return stats, [Pair(first, second, "value.py", 1.0, 1.0, (Region(SHARED, SHARED),))]


def fenced_blocks(markdown: str) -> tuple[str, list[str]]:
    """The text outside fenced code blocks, and each block's content, as CommonMark reads them: a
    block ends at a line of at least as many backticks as opened it, and nothing else."""
    outside: list[str] = []
    blocks: list[str] = []
    block: list[str] = []
    fence = ""
    for line in markdown.split("\n"):
        run = re.match(r"`{3,}", line)
        if not fence and run:
            fence, block = run[0], []
        elif fence and re.fullmatch(r"`+\s*", line) and len(line.strip()) >= len(fence):
            blocks.append("\n".join(block))
            fence = ""
        elif fence:
            block.append(line)
        else:
            outside.append(line)
    assert not fence, "a code block is never closed"
    return "\n".join(outside), blocks


def unescaped(markdown: str, characters: str) -> list[str]:
    """Each of the characters found with no backslash of its own before it."""
    return re.findall(rf"(?<!\\)(?:\\\\)*([{re.escape(characters)}])", markdown)


def test_markdown_shows_html_links_and_a_fence_in_shared_code_as_text() -> None:
    stats, pairs = hostile_class(SCRIPT)
    text = as_markdown(stats, pairs)
    outside, blocks = fenced_blocks(text)
    assert blocks == [SHARED, SHARED]  # whole, the fence inside and all
    assert unescaped(outside, "<>[]") == [], outside
    assert RAW_CONTROL.search(text) is None
    (row,) = [line for line in outside.splitlines() if line.startswith("| value | `=` instead of `+=` |")]
    assert len(unescaped(row, "|")) == 5, row  # a | in a name adds no cell; the grader's code spans stay


def test_the_page_escapes_every_learner_string_through_one_escaper_and_wraps_long_words() -> None:
    stats, pairs = hostile_class(f"{SCRIPT} " + "A" * 200_000)
    page = as_html(stats, pairs)
    assert "<script" not in page and "&lt;script&gt;" in page  # nor any end of <pre> from the code
    assert RAW_CONTROL.search(page) is None
    assert len(page) < 50_000  # the 200 kB word is cut, and what is left wraps:
    rules = dict(re.findall(r"([^{}]+)\{([^{}]*)\}", class_report.STYLE))
    wrapping = {selector.strip() for selectors, body in rules.items() if "overflow-wrap: anywhere" in body
                for selector in selectors.split(",")}
    assert {"td", "th", "pre"} <= wrapping
    assert all(sanitise.html_text(name) in page for name in stats.names)
    assert not hasattr(class_report, "html")  # the standard library's escaper: not used beside it


# --- Reading submissions -----------------------------------------------------------------------------


def test_a_symlinked_submission_is_refused_and_nothing_is_taken_from_it(tmp_path: Path) -> None:
    real = write_files(tmp_path / "elsewhere", solution_files())
    (tmp_path / "mallory").symlink_to(real)
    submission = read_submission(tmp_path / "mallory")
    assert submission.files == {} and submission.name == "mallory"
    (refusal,) = submission.refused
    assert "symbolic link" in refusal


def test_a_symlinked_exercises_folder_is_refused_and_nothing_is_taken_from_it(tmp_path: Path) -> None:
    real = write_files(tmp_path / "elsewhere", solution_files())
    write_files(tmp_path / "mallory", {})
    (tmp_path / "mallory" / "exercises").symlink_to(real)
    for path in (tmp_path / "mallory", tmp_path / "mallory" / "exercises"):
        submission = read_submission(path)
        assert submission.files == {} and submission.name == "mallory"
        (refusal,) = submission.refused
        assert "symbolic link" in refusal


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_size_claimed(archive: bytes, size: int) -> bytes:
    """A one-member zip whose headers, local and central, claim the member unpacks to size bytes."""
    data = bytearray(archive)
    central = data.rindex(b"PK\x01\x02")
    assert data.startswith(b"PK\x03\x04") and data.count(b"PK\x01\x02") == 1
    struct.pack_into("<I", data, 22, size)  # the local header's uncompressed size
    struct.pack_into("<I", data, central + 24, size)  # the central directory's
    return bytes(data)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size asked of every read of a zip member."""
    asked: list[int] = []
    original = zipfile.ZipExtFile.read

    def read(self: zipfile.ZipExtFile, n: int | None = -1) -> bytes:
        asked.append(-1 if n is None else n)
        return original(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    return asked


@pytest.mark.parametrize("claimed", [100, FILE_LIMIT])
def test_a_zip_member_whose_header_understates_its_size_is_refused_after_a_bounded_read(
        tmp_path: Path, reads: list[int], claimed: int) -> None:
    packed = zipped({"value.py": b"#" * (FILE_LIMIT * 8)})  # 8 MB that pack into a few kB
    (tmp_path / "mallory.zip").write_bytes(with_size_claimed(packed, claimed))
    submission = read_submission(tmp_path / "mallory.zip")
    assert submission.files == {} and submission.refused, submission
    assert reads and all(0 <= n <= FILE_LIMIT + 1 for n in reads), reads


def test_a_zip_member_over_the_limit_is_refused_after_reading_one_byte_past_it(
        tmp_path: Path, reads: list[int]) -> None:
    (tmp_path / "ned.zip").write_bytes(zipped({"value.py": b"#" * (FILE_LIMIT + 1), "mlp.py": b"x = 1\n"}))
    submission = read_submission(tmp_path / "ned.zip")
    assert submission.files == {"mlp.py": b"x = 1\n"}
    assert submission.refused == [f"value.py is larger than {FILE_LIMIT} bytes"]
    assert all(0 <= n <= FILE_LIMIT + 1 for n in reads), reads


def test_only_so_many_zip_members_are_looked_at(tmp_path: Path) -> None:
    (tmp_path / "many.zip").write_bytes(zipped({f"junk/{i}.txt": b"" for i in range(MEMBER_LIMIT + 5)}))
    submission = read_submission(tmp_path / "many.zip")
    assert any(f"only the first {MEMBER_LIMIT}" in refusal for refusal in submission.refused)
    assert len(submission.ignored) + submission.unlisted == MEMBER_LIMIT


def test_a_thousand_ignored_names_are_summarised_wherever_they_are_shown(tmp_path: Path) -> None:
    folder = write_files(tmp_path / "mallory", {f"junk{i:04}.txt": b"" for i in range(1000)})
    submission = read_submission(folder)
    assert len(submission.ignored) == IGNORED_KEPT and submission.unlisted == 1000 - IGNORED_KEPT
    result = Report(submission, [], 0.1).result()
    gradescope = gradescope_results(result, Sandbox("none", "test sandbox"))
    for shown in (render(result), gradescope["output"]):
        (line,) = [line for line in shown.splitlines() if "ignored" in line]
        listed = line.split(": ", 1)[1].removesuffix(f" and {1000 - IGNORED_SHOWN} more")
        assert listed.count(", ") == IGNORED_SHOWN - 1 and listed.count("junk") == IGNORED_SHOWN, line


# --- Points ------------------------------------------------------------------------------------------


def test_a_correct_submission_scores_exactly_100_and_the_full_bonus() -> None:
    """Points are shared by cases (25 by 19, 10 by 11...), yet a full exercise makes its points exactly."""
    scores = [ExerciseScore(e, [Verdict(i, True) for i in instances]) for e, instances in plan(list(EXERCISES))]
    graded = json.loads(json.dumps(Report(Submission("ada"), scores, 0.1).result().to_json()))
    assert repr(graded["score"]) == "100.0"
    assert repr(graded["bonus"]) == repr(float(BONUS_POINTS))
    assert [x["points"] for x in graded["exercises"]] == [float(e.points) for e in EXERCISES]


def test_a_long_string_is_capped_with_a_note_of_how_much_was_cut() -> None:
    assert sanitise.capped("ab" * 100, 10) == "ababababab... [190 more characters]"
    assert sanitise.capped("short", 10) == "short"
