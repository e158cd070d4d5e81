"""kata.learner.check: the report a learner reads after `make check`."""

import io
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from kata.core.cases import Case, CompareMode, Instance, Result, cases_of
from kata.core.compare import Row, Verdict
from kata.core.curriculum import EXERCISES, exercise_named
from kata.core.outcome import Outcome, Problem, ProblemKind
from kata.core.scoring import WAITING, ExerciseScore, plan, score
from kata.learner.check import as_text, explain, hyperlinked, report, wants_links
from kata.learner.commands import Spelling
from kata.repository import ROOT

RUNS = {
    "solutions value": ["--package", "solutions", "--exercise", "value"],
    "untouched exercises": [],
    "no such exercise": ["--exercise", "nosuch"],
    "untouched exercises, all": ["--all"],
    "core done, bonus untouched": ["--package", "core_done", "--summary", "{home}/summary.md"],
}

Reports = dict[str, subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    """Each command line of RUNS run once, side by side, from the repository root.

    KATA_HOME keeps the progress and cache these runs write away from the learner's own. The
    package core_done is a learner who has done the core and not started the bonus.
    """
    packages = tmp_path_factory.mktemp("packages")
    (packages / "core_done").mkdir()
    for e in EXERCISES:
        source = ROOT / ("exercises" if e.bonus else "solutions") / f"{e.name}.py"
        (packages / "core_done" / f"{e.name}.py").write_bytes(source.read_bytes())
    (packages / "core_done" / "__init__.py").write_bytes((ROOT / "exercises" / "__init__.py").read_bytes())

    def run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, KATA_HOME=str(home), PYTHONPATH=str(packages))
        return subprocess.run([sys.executable, "-m", "kata.learner.check", *(a.format(home=home) for a in args)],
                              cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)

    homes = {name: tmp_path_factory.mktemp("kata-home") for name in RUNS}  # mktemp is not thread-safe
    with ThreadPoolExecutor(len(RUNS)) as pool:
        futures = {name: pool.submit(run, args, homes[name]) for name, args in RUNS.items()}
        return {name: future.result() for name, future in futures.items()}


def test_the_solutions_pass_exercise_value_and_exit_0(reports: Reports) -> None:
    """The reference solutions agree with PyTorch on every value case."""
    report = reports["solutions value"]
    assert report.returncode == 0, report.stdout + report.stderr
    assert "1 of 1 exercises pass" in report.stdout
    assert "Every case agrees with PyTorch" in report.stdout
    assert "✗" not in report.stdout


def test_the_untouched_exercises_fail_with_exit_1_and_none_pass(reports: Reports) -> None:
    """Stubs pass nothing: exit status 1 and 0 of the exercises."""
    report = reports["untouched exercises"]
    assert report.returncode == 1, report.stdout + report.stderr
    core = [e for e in EXERCISES if not e.bonus]  # a bonus exercise is counted apart
    assert f"0 of {len(core)} exercises pass" in report.stdout
    assert "0.0 of 100 points" in report.stdout


def test_the_untouched_exercises_name_the_first_exercise_next_and_block_the_rest(
        reports: Reports) -> None:
    """The first exercise of the curriculum is next, in its file; each later one is blocked."""
    lines = reports["untouched exercises"].stdout.splitlines()
    first = EXERCISES[0]
    (next_line,) = [line for line in lines if line.startswith("Next:")]
    assert f"exercise {first.number} ({first.name})" in next_line
    assert f"exercises/{first.name}.py" in next_line
    for exercise in EXERCISES[1:]:
        number = "+" if exercise.bonus else exercise.number  # the bonus track is marked +
        (line,) = [line for line in lines if f" {number} {exercise.name} " in line]
        assert f"blocked: finish {first.name} first" in line
    (first_line,) = [line for line in lines if f" {first.number} {first.name} " in line]
    assert "blocked" not in first_line and "0 of" in first_line


def test_the_untouched_exercises_explain_the_first_failing_case_at_the_learners_line(
        reports: Reports) -> None:
    """The first case is shown with its code, what the stub raised, and where in exercises/."""
    first = EXERCISES[0].name
    first_case = cases_of(first)[0]
    out = reports["untouched exercises"].stdout
    assert f"✗ {first}: {first_case.title}" in out
    assert first_case.source.splitlines()[0] in out
    assert "Your code raised: NotImplementedError" in out
    assert f"at exercises/{first}.py, line " in out


def test_the_bonus_is_optional_a_finished_core_exits_0_and_shows_the_bonus(reports: Reports) -> None:
    """Every core exercise passes and the bonus is untouched: success, with the bonus still shown."""
    report = reports["core done, bonus untouched"]
    assert report.returncode == 0, report.stdout + report.stderr
    core = [e for e in EXERCISES if not e.bonus]
    assert f"{len(core)} of {len(core)} exercises pass, 100.0 of 100 points; bonus 0.0 of 10" in report.stdout
    assert "The bonus track is optional" in report.stdout
    assert "Next: the bonus exercise softmax" in report.stdout


def test_the_summary_option_appends_the_table_in_markdown(reports: Reports) -> None:
    """--summary FILE (a CI job summary) gets the head line and one table row per exercise."""
    home = Path(reports["core done, bonus untouched"].args[-1]).parent
    summary = (home / "summary.md").read_text()
    lines = summary.splitlines()
    assert lines[0].startswith("### Backpropagation kata (core_done/): 7 of 7 exercises pass")
    assert lines[2:4] == ["| | Exercise | Points | Cases |", "|---|---|---|---|"]
    rows = [line for line in lines[4:] if line]
    assert len(rows) == len(EXERCISES)
    assert rows[0].startswith("| ✓ | 0 derivatives | 5.0 / 5 |")
    assert rows[-2].startswith("| ✗ | + softmax (bonus) | 0.0 / 5 | 0 of ")
    assert rows[-1] == "| · | + optim (bonus) | - / 5 | blocked: finish softmax first |"


def test_an_unknown_exercise_exits_2_and_lists_the_exercises(reports: Reports) -> None:
    """A typo in EX= is refused with the list of exercise names, before anything runs."""
    report = reports["no such exercise"]
    assert report.returncode == 2
    assert "nosuch" in report.stderr
    for exercise in EXERCISES:
        assert exercise.name in report.stderr
    assert report.stdout == ""


def _scenario(impl: Any) -> Result:
    """out = a + b; d(out)/da = 1."""
    a, b = impl.Value(2.0), impl.Value(-3.0)
    return {"out": (a + b).data}


CASE = Case("value", "test_a_small_sum", _scenario, (), 1e-9, 1e-12, 10.0, CompareMode.CLOSE)


def test_explain_shows_the_math_the_code_and_a_table_of_yours_against_pytorch() -> None:
    """Wrong numbers appear in a table, each row marked, with the learner's and PyTorch's numbers."""
    verdict = Verdict(Instance(CASE, None), False, rows=[
        Row("out", "-1", "-1", True),
        Row("a.grad", "0", "2", False),
    ], printed="debug line\n")
    text = explain(verdict, "exercises")
    lines = text.splitlines()
    assert lines[0] == "✗ value: a small sum"
    assert "  out = a + b; d(out)/da = 1." in lines
    assert "      a, b = impl.Value(2.0), impl.Value(-3.0)" in lines
    assert "yours" in text and "PyTorch" in text
    (header,) = [line for line in lines if "yours" in line]
    assert header.index("yours") < header.index("PyTorch")
    (good,) = [line for line in lines if "out " in line and line.lstrip().startswith("✓")]
    (bad,) = [line for line in lines if "a.grad" in line]
    assert bad.lstrip().startswith("✗")
    assert bad.split()[-2:] == ["0", "2"]
    assert good.split()[-2:] == ["-1", "-1"]
    assert "    | debug line" in lines


def test_explain_shows_a_problem_and_where_instead_of_a_table() -> None:
    """A case that raised is described by its problem and the learner's line, with the seed."""
    problem = Problem(ProblemKind.BAD_RESULT, "a.grad is a Value, not a float", "exercises/value.py, line 9")
    text = explain(Verdict(Instance(CASE, 7), False, problem), "exercises")
    assert text.splitlines()[0] == "✗ value: a small sum (seed 7)"
    assert "Your code returned something that is not a number: a.grad is a Value, not a float" in text
    assert "at exercises/value.py, line 9" in text
    assert "PyTorch" not in text


def test_a_place_in_the_learners_files_becomes_a_terminal_hyperlink_to_its_line() -> None:
    """OSC 8: ESC ] 8 ; ; URI ESC \\ text ESC ] 8 ; ; ESC \\, with a file:// URI naming the host."""
    text = "    at exercises/value.py, line 42, in __add__: out = Value(self.data + other.data)"
    linked = hyperlinked(text)
    path = (ROOT / "exercises" / "value.py").as_posix()
    start = f"\033]8;;file://{socket.gethostname()}{path}#42\033\\"
    assert linked == text.replace("exercises/value.py, line 42",
                                  f"{start}exercises/value.py, line 42\033]8;;\033\\")
    assert hyperlinked("no place here, line 3 of nothing") == "no place here, line 3 of nothing"


def test_hyperlinks_only_on_a_terminal_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    class Stream(io.StringIO):
        def __init__(self, tty: bool) -> None:
            super().__init__()
            self.tty = tty

        def isatty(self) -> bool:
            return self.tty

    monkeypatch.delenv("KATA_HYPERLINKS", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    assert wants_links(Stream(tty=True)) == (os.name != "nt")
    assert not wants_links(Stream(tty=False))  # a pipe, a file, the grader, CI
    monkeypatch.setenv("TERM", "dumb")
    assert not wants_links(Stream(tty=True))
    monkeypatch.setenv("KATA_HYPERLINKS", "1")
    assert wants_links(Stream(tty=False))
    monkeypatch.setenv("KATA_HYPERLINKS", "0")
    monkeypatch.setenv("TERM", "xterm-256color")
    assert not wants_links(Stream(tty=True))


def test_make_checks_report_links_the_learners_line_when_asked_and_not_in_a_pipe(tmp_path: Path) -> None:
    env = dict(os.environ, KATA_HOME=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-m", "kata.learner.check", "--exercise", "derivatives"], cwd=ROOT,
                           capture_output=True, text=True, timeout=300,
                           env=dict(env, KATA_HYPERLINKS=wanted)) for wanted in ("1", "")]
    linked, plain = (run.stdout for run in runs)
    assert "\033]8;;file://" in linked and "exercises/derivatives.py#" in linked
    assert "\033" not in plain and "at exercises/derivatives.py, line" in plain


def test_the_other_failing_cases_of_the_exercise_follow_by_title_one_a_line(reports: Reports) -> None:
    """After the first failing case: every other case of that exercise, by title, and how to see each."""
    out = reports["untouched exercises"].stdout
    first = EXERCISES[0]
    titles = [i.case.title + ("" if i.seed is None else f" (seed {i.seed})")
              for i in (inst for case in cases_of(first.name) for inst in case.instances())]
    listed = out.split(f"Also failing in {first.name}:\n")[1].split("\nEach in full:")[0].splitlines()
    assert listed == [f"  ✗ {title}" for title in titles[1:]]
    assert f"Each in full: {Spelling.PYTHON.command('check', first.name, every=True)}" in out  # as python -m spells it


def test_all_shows_every_failing_case_in_full(reports: Reports) -> None:
    """--all (make's ALL=1) explains each failing case of the exercise, not only the first."""
    out = reports["untouched exercises, all"].stdout
    first = EXERCISES[0]
    instances = [inst for case in cases_of(first.name) for inst in case.instances()]
    assert out.count(f"✗ {first.name}: ") == len(instances)
    assert "Also failing" not in out


def _optim_scored(failing: str) -> tuple[ExerciseScore, list[str]]:
    """Exercise optim scored as make check scores it, on a candidate that agrees on every case but
    the one named failing; the cases it was asked to run, in order."""
    agreed, ran = Outcome(result={"n": 1.0}), list[str]()

    def candidate(instances: list[Instance]) -> dict[str, Outcome]:
        ran.extend(i.case.name for i in instances)
        return {i.key: Outcome(result={"n": 2.0}) if i.case.name == failing else agreed for i in instances}
    (optim,) = score(plan([exercise_named("optim")], hidden=False), candidate, stop_at_first_failure=True,
                     expected=lambda instance: agreed)
    return optim, ran


def test_a_milestone_waits_until_the_other_cases_of_its_exercise_pass() -> None:
    """A milestone trains a network, the slowest case there is: while another case of its exercise
    fails, make check does not run it and says so, rather than count it as a mistake."""
    (milestone,) = [c.name for c in cases_of("optim") if c.milestone]
    optim, ran = _optim_scored(failing="test_adams_first_step_moves_every_parameter_by_about_lr")
    assert milestone not in ran
    waiting = [v for v in optim.verdicts if v.waiting]
    assert [v.instance.case.name for v in waiting] == [milestone] and not optim.passed
    assert optim.first_failure is not None and optim.first_failure.instance.case.name in ran
    text = as_text(report([optim], "exercises", Spelling.PYTHON, narrowed=True))
    assert f"Not run yet in optim:\n  · {waiting[0].instance.case.title}: {WAITING}" in text
    assert "1 not run" in text

    optim, ran = _optim_scored(failing="")
    assert optim.passed and ran[-1] == milestone


def test_a_check_of_a_bonus_exercise_alone_speaks_of_the_bonus_only() -> None:
    """make check EX=optim scores no core exercise: its head line gives the bonus's points, not
    '0 of 0 exercises', and it never says the core agrees."""
    for failing in ("", "test_adams_first_step_moves_every_parameter_by_about_lr"):
        optim, _ = _optim_scored(failing)
        text = as_text(report([optim], "exercises", Spelling.MAKE, narrowed=True))
        head = text.splitlines()[0]
        assert head == f"Backpropagation kata (exercises/): bonus {optim.points:.1f} of 5", head
        assert "Every core exercise" not in text


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    """make check | head: what the reader no longer takes has nowhere to go, which is not an error.
    (true reads nothing and is gone long before the report is ready.)"""
    done = subprocess.run(f"{sys.executable} -m kata.learner.check | true", shell=True, cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, KATA_HOME=str(tmp_path)))
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
