"""kata.learner.demo: training an MLP on two moons with an implementation, and the two pictures."""

import io
import itertools
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from kata.core.implementation import Implementation
from kata.core.scenario_tools import moons
from kata.learner import budget, demo, training
from kata.learner.budget import SPEED_CLASS, Plan, Speed, choose, estimate, neuron_is_one_node, probe
from kata.learner.commands import Spelling
from kata.learner.demo import main, run
from kata.learner.training import SPIRAL, build_model, learning_rate
from kata.learner.unfinished import explain_failure
from kata.repository import ROOT

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
    report = subprocess.run([sys.executable, "-m", "kata.learner.demo", "--impl", "exercises",
                             "--out", str(out)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert report.returncode == 1
    shown = report.stdout + report.stderr
    assert "Traceback" not in shown
    assert re.search(r"exercises/\w+\.py, line \d+", report.stderr), report.stderr
    assert "NotImplementedError" in report.stderr and "python -m kata check" in report.stderr
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
    message = explain_failure(raised.value, impl, "building MLP(2, [16, 16, 1])", Spelling.PYTHON)
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
    message = " ".join(explain_failure(raised.value, impl, "building MLP(2, [16, 16, 1])", Spelling.PYTHON).split())
    assert "outside your own files" in message and "TypeError" in message


# How long the demo takes. No assertion here reads a real clock: the machine is shared, so the
# timings come from a fake clock, and what is checked is what the demo chose from them.

PLAIN_NEURON = """\
import random

from .value import Value

ACTIVATIONS = ("tanh", "relu", "linear")


class Module:
    def parameters(self):
        return []

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    def __init__(self, nin, activation="tanh"):
        self.w = [Value(random.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.activation = activation

    def __call__(self, x):
        z = self.b
        for wi, xi in zip(self.w, x):
            z = z + wi * xi
        if self.activation == "tanh":
            return z.tanh()
        if self.activation == "relu":
            return z.relu()
        return z

    def parameters(self):
        return self.w + [self.b]
"""


@pytest.fixture
def plain_learner(learner_package: Path) -> str:
    """A correct learner's package whose Neuron is the natural sum of products: 2n + 1 nodes."""
    for module in ("value", "backward", "layer", "mlp", "train"):
        shutil.copy(ROOT / "solutions" / f"{module}.py", learner_package / f"{module}.py")
    (learner_package / "neuron.py").write_text(PLAIN_NEURON)
    return learner_package.name


def ticking(seconds: float) -> Callable[[], float]:
    """A fake clock that moves on by seconds each time it is read."""
    counter = itertools.count()
    return lambda: next(counter) * seconds


# Speeds per data point as measured here (2 cores) with solutions/ and with the plain neuron.
ONE_NODE = Speed(forward=0.0002, step=0.00065)
PLAIN = Speed(forward=0.0009, step=0.003)


def test_a_run_that_fits_the_budget_is_left_as_asked() -> None:
    plan = choose(ONE_NODE, 100, 100, 60, budget=10.0)
    assert (plan.steps, plan.points, plan.grid) == (100, 100, 60)
    assert not plan.reduced and plan.seconds == estimate(ONE_NODE, 100, 100, 60) < 10.0


def test_without_a_budget_nothing_is_cut() -> None:
    slow = Speed(forward=1.0, step=1.0)
    assert choose(slow, 100, 100, 60, budget=None) == Plan(100, 100, 60, *[estimate(slow, 100, 100, 60)] * 2)


def test_a_plain_neuron_trains_40_steps_on_fewer_points_within_the_budget() -> None:
    """The plain engine would take about 30 s: the grid, then the steps down to 40, then the points."""
    assert estimate(PLAIN, 100, 100, 60) > 30
    plan = choose(PLAIN, 100, 100, 60, budget=10.0)
    assert plan.reduced and plan.grid == budget.SMALL_GRID
    assert plan.steps == budget.ENOUGH_STEPS
    assert budget.FEWEST_POINTS <= plan.points < 100 and plan.points % 2 == 0
    assert plan.seconds <= 10.0
    assert estimate(PLAIN, plan.steps, plan.points + 2, plan.grid) > 10.0, "as many points as fit"


def test_a_little_over_the_budget_cuts_only_the_steps() -> None:
    speed = Speed(forward=0.0002, step=0.0013)  # 100 steps on 100 points: about 14 s
    plan = choose(speed, 100, 100, 60, budget=10.0)
    assert (plan.points, plan.grid) == (100, budget.SMALL_GRID)
    assert budget.ENOUGH_STEPS < plan.steps < 100 and plan.seconds <= 10.0
    assert estimate(speed, plan.steps + 1, 100, plan.grid) > 10.0


def test_a_very_slow_engine_stops_at_the_floors_and_says_how_long_that_takes() -> None:
    slow = Speed(forward=0.01, step=0.05)
    plan = choose(slow, 100, 100, 60, budget=10.0)
    assert (plan.steps, plan.points, plan.grid) == (budget.FEWEST_STEPS, budget.FEWEST_POINTS,
                                                   budget.SMALL_GRID)
    assert plan.seconds == estimate(slow, plan.steps, plan.points, plan.grid) > 10.0


def test_no_cut_raises_a_size_asked_for() -> None:
    plan = choose(Speed(forward=0.01, step=0.05), 5, 20, 10, budget=1.0)
    assert (plan.steps, plan.points, plan.grid) == (5, 20, 10)


def test_the_probe_times_a_pass_over_every_point_and_leaves_the_parameters(
        plain_learner: str) -> None:
    """The clock reads 0, 1, 2: one second forward, one for the loss and backward, per 10 points."""
    impl = Implementation(plain_learner)
    model = build_model(impl)
    before = [p.data for p in model.parameters()]
    xs, ys = moons(10, training.NOISE, training.DATA_SEED)
    assert probe(impl, model, xs, ys, ticking(1.0)) == Speed(forward=0.1, step=0.2)
    assert [p.data for p in model.parameters()] == before


def test_the_plain_neuron_is_told_apart_from_one_node(plain_learner: str) -> None:
    assert not neuron_is_one_node(Implementation(plain_learner))
    assert neuron_is_one_node(Implementation("solutions"))


def test_a_slow_engine_trains_less_and_the_learner_is_told_what_and_why(
        plain_learner: str, tmp_path: Path) -> None:
    """By the fake clock a pass takes 2 s: asked for 20 steps on 40 points, it runs 10 on 30."""
    progress = io.StringIO()
    summary = run(plain_learner, steps=20, out=tmp_path, points=40, grid=8, progress=progress,
                  budget=10.0, clock=ticking(1.0))
    assert summary.plan is not None
    assert (summary.plan.steps, summary.plan.points) == (10, 30)
    assert len(summary.history.losses) == 10
    told = " ".join(progress.getvalue().split())
    assert "takes 2.05 s a step on 40 points" in told
    assert f"20 steps would take about {summary.plan.asked_seconds:.0f} s" in told
    assert f"Training 10 steps on 30 points instead, about {summary.plan.seconds:.0f} s" in told
    assert "--full" in told
    assert f"Neuron.__call__ in {plain_learner}/neuron.py" in told, "the way to a faster neuron"


def test_an_engine_within_the_budget_trains_as_asked_and_nothing_is_said(
        plain_learner: str, tmp_path: Path) -> None:
    progress = io.StringIO()
    summary = run(plain_learner, steps=3, out=tmp_path, points=10, grid=4, progress=progress,
                  budget=10.0, clock=ticking(0.001))
    assert summary.plan is not None and not summary.plan.reduced
    assert len(summary.history.losses) == 3
    assert "instead" not in progress.getvalue()


def test_the_references_pictures_go_to_their_own_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """make demo IMPL=solutions never overwrites the learner's demo/ pictures, and says where."""
    monkeypatch.setattr(demo, "DEFAULT_OUT", tmp_path / "demo")
    assert main(["--impl", "solutions", "--steps", "2"]) == 0
    out = capsys.readouterr().out
    assert_picture(tmp_path / "demo" / "solutions" / "decision_boundary.png")
    assert_picture(tmp_path / "demo" / "solutions" / "loss.png")
    assert not (tmp_path / "demo" / "decision_boundary.png").exists()
    assert str(tmp_path / "demo" / "solutions" / "decision_boundary.png") in out
    assert f"yours go to {tmp_path / 'demo'}/" in out


# The bonus milestone drawn: three spiral arms, learnt with cross_entropy and Adam.


def test_the_solutions_learn_the_spiral_and_its_pictures_are_written(tmp_path: Path) -> None:
    """10 points on each arm, the milestone's data, and 20 steps of Adam."""
    summary = run("solutions", steps=20, out=tmp_path, points=30, grid=12, task=SPIRAL)
    losses = summary.history.losses
    assert summary.points == 30 and len(losses) == 20
    assert losses[-1] < 0.5 * losses[0], losses
    assert summary.history.accuracies[-1] >= 0.8
    assert summary.boundary == tmp_path / "spiral_boundary.png"
    assert summary.curves == tmp_path / "spiral_loss.png"
    assert_picture(summary.boundary)
    assert_picture(summary.curves)


def test_data_spiral_on_the_command_line_reports_the_accuracy_and_its_own_pictures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--impl", "solutions", "--data", "spiral", "--steps", "3",
                 "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr()
    assert "MLP(2, [16, 16, 3])" in printed.out and "spiral points" in printed.out
    assert re.search(r"for 3 steps .* training accuracy \d+%\.", printed.out), printed.out
    assert "spiral_boundary.png" in printed.out and "spiral_loss.png" in printed.out
    assert "step 3/3" in printed.err
    assert_picture(tmp_path / "spiral_boundary.png")
    assert_picture(tmp_path / "spiral_loss.png")
    assert not (tmp_path / "decision_boundary.png").exists(), "the moons' pictures are left alone"


def committed_stub(name: str) -> str:
    """exercises/<name>.py as committed: a learner's edits in the working tree do not count."""
    shown = subprocess.run(["git", "show", f"HEAD:exercises/{name}.py"], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    return shown.stdout


@pytest.mark.parametrize("stubs, named", [
    (("softmax", "optim"), "bonus exercise 7 (softmax): write cross_entropy"),
    (("optim",), "bonus exercise 8 (optim): write Adam.__init__"),
])
def test_a_bonus_exercise_not_written_yet_is_named_without_a_traceback(
    tmp_path: Path, stubs: tuple[str, ...], named: str
) -> None:
    """A learner with the core done: exercises/ holds the solutions, but for the bonus stubs."""
    learner = tmp_path / "exercises"
    learner.mkdir()
    (learner / "__init__.py").write_text("")
    for module in ("value", "backward", "neuron", "layer", "mlp", "train", "softmax", "optim"):
        stub = module in stubs
        (learner / f"{module}.py").write_text(
            committed_stub(module) if stub else (ROOT / "solutions" / f"{module}.py").read_text())
    out = tmp_path / "out"
    # Run from tmp_path, so that its exercises/ is the one found; the kata comes from ROOT.
    report = subprocess.run([sys.executable, "-m", "kata.learner.demo", "--data", "spiral",
                             "--out", str(out)],
                            cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 1
    told = " ".join(report.stderr.split())
    assert "Traceback" not in report.stdout + report.stderr, report.stderr
    assert named in told
    assert re.search(rf"exercises/{stubs[0]}\.py, line \d+", told), told
    assert "bonus exercises 7 (softmax) and 8 (optim)" in told and "python -m kata check" in told
    assert not (out / "spiral_boundary.png").exists()


def test_a_speed_measured_a_little_slower_or_faster_gets_the_same_plan() -> None:
    """The probe's figures are rounded up to a class (powers of the square root of 2), so noise
    within a class cannot change the plan: 0.0111 and 0.0150 s a step are one class."""
    quick, slower = Speed(forward=0.0040, step=0.0111), Speed(forward=0.0045, step=0.0150)
    assert quick.rounded_up() == slower.rounded_up()
    assert choose(quick.rounded_up(), 100, 100, 60, budget=10.0) == choose(slower.rounded_up(), 100, 100, 60,
                                                                             budget=10.0)
    assert quick.rounded_up().step >= quick.step and quick.rounded_up().step < quick.step * SPEED_CLASS
