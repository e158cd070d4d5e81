"""kata.demo: training an MLP on two moons with an implementation, and the two pictures."""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kata.demo import explain_failure, learning_rate, main, run
from kata.implementation import Implementation
from kata.runner import ROOT

PNG = b"\x89PNG\r\n\x1a\n"


def assert_picture(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG), path
    assert len(data) > 5_000, f"{path} is only {len(data)} bytes"


def test_the_learning_rate_falls_linearly_from_1_to_0_1() -> None:
    assert learning_rate(0, 100) == 1.0
    assert learning_rate(99, 100) == pytest.approx(0.1)
    assert learning_rate(1, 3) == pytest.approx(0.55)
    assert learning_rate(0, 1) == 1.0


def test_the_solutions_learn_and_both_pictures_are_written(tmp_path: Path) -> None:
    """A small data set and few steps, to keep the suite quick."""
    progress = io.StringIO()
    summary = run("solutions", steps=10, out=tmp_path / "out", points=40, grid=12, progress=progress)
    losses = summary.history.losses
    assert len(losses) == 10 == len(summary.history.accuracies)
    assert losses[-1] < 0.8 * losses[0], losses
    assert summary.history.accuracies[-1] >= 0.8
    assert summary.boundary == tmp_path / "out" / "decision_boundary.png"
    assert summary.curves == tmp_path / "out" / "loss.png"
    assert_picture(summary.boundary)
    assert_picture(summary.curves)


def test_the_progress_bar_is_one_line_rewritten_each_step(tmp_path: Path) -> None:
    progress = io.StringIO()
    run("solutions", steps=3, out=tmp_path, points=10, grid=4, progress=progress)
    text = progress.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    last = text.rstrip("\n").split("\r")[-1]
    assert re.fullmatch(r"\[#+\] step 3/3  loss \d+\.\d{4}  accuracy \d+%  \d+\.\d s *", last), last


def test_the_command_line_reports_the_training_and_where_the_pictures_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--impl", "solutions", "--steps", "2", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr()
    assert "for 2 steps" in printed.out and "accuracy" in printed.out
    assert "decision_boundary.png" in printed.out and "loss.png" in printed.out
    assert "step 2/2" in printed.err
    assert_picture(tmp_path / "decision_boundary.png")
    assert_picture(tmp_path / "loss.png")


def test_untouched_exercises_name_the_learners_file_and_exit_1_without_a_traceback(
    tmp_path: Path,
) -> None:
    """The committed stubs raise NotImplementedError."""
    out = tmp_path / "out"
    report = subprocess.run([sys.executable, "-m", "kata.demo", "--impl", "exercises",
                             "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert report.returncode == 1
    shown = report.stdout + report.stderr
    assert "Traceback" not in shown
    assert re.search(r"exercises/\w+\.py, line \d+", report.stderr), report.stderr
    assert "NotImplementedError" in report.stderr and "make check" in report.stderr
    assert not (out / "decision_boundary.png").exists()


@pytest.fixture
def learner_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An importable package under tmp_path, named after the test so that each is fresh."""
    name = "learner_" + re.sub(r"\W", "_", tmp_path.name)
    home = tmp_path / name
    home.mkdir()
    (home / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    return home


def test_a_syntax_error_is_reported_with_its_file_and_line(learner_package: Path) -> None:
    (learner_package / "mlp.py").write_text("class MLP:\n    def __init__(self\n")
    impl = Implementation(learner_package.name)
    with pytest.raises(SyntaxError) as raised:
        run(learner_package.name, steps=1, out=learner_package / "out", points=4, grid=3)
    message = explain_failure(raised.value, impl, "building MLP(2, [16, 16, 1])")
    assert f"{learner_package.name}/mlp.py, line 2" in " ".join(message.split())


def test_an_error_outside_the_learners_files_says_to_check_what_they_return(
    learner_package: Path,
) -> None:
    """Here MLP's parameters() returns None, and the demo's own code trips over it."""
    (learner_package / "mlp.py").write_text(
        "class MLP:\n"
        "    def __init__(self, nin, nouts):\n"
        "        pass\n"
        "    def parameters(self):\n"
        "        return None\n"
    )
    impl = Implementation(learner_package.name)
    with pytest.raises(TypeError) as raised:
        run(learner_package.name, steps=1, out=learner_package / "out", points=4, grid=3)
    message = " ".join(explain_failure(raised.value, impl, "building MLP(2, [16, 16, 1])").split())
    assert "outside your own files" in message and "TypeError" in message
