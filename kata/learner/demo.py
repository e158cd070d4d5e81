"""The reward at the end of the kata: your MLP learns to separate two moons, or three spiral arms.

    python -m kata.learner.demo [--impl exercises|solutions] [--data moons|spiral] [--steps N] [--full]
                        [--out DIR]

trains MLP(2, [16, 16, 1]) from the chosen package on 100 two-moons points,
with your own hinge_loss, backward, zero_grad and sgd_step, and draws two
pictures into DIR: decision_boundary.png, the points over the regions your
model calls -1 and +1, and loss.png, the loss and accuracy after each step.
By default DIR is demo/ at the top of the repository for your exercises, and
demo/solutions/ for the reference, so that its pictures never replace yours.

--data spiral draws the bonus track's milestone: MLP(2, [16, 16, 3]) learns 90
points on three spiral arms, with your cross_entropy (bonus exercise 7) and
your Adam (bonus exercise 8), its zero_grad and step. The pictures are
spiral_boundary.png, the points over the class your model picks at each place,
and spiral_loss.png, the mean cross-entropy and the accuracy after each step.

The demo should take seconds, not minutes. Before training it times one
forward and backward pass of your engine over all the points; if the whole run
would take longer than BUDGET seconds, it trains on fewer steps and then fewer
points, and says so with its estimate. (A neuron built as 2n + 1 small nodes
makes each step several times slower than one built as a single node.) --full
trains on everything, however long it takes.

On the moons, the loss is the mean hinge loss plus 1e-4 times the sum of the
squared parameters (L2 regularization, which keeps the weights small and the
boundary smooth). The learning rate falls linearly from 1.0 at the first step
to 0.1 at the last: big steps early, small ones once the model is close. On the
spiral, the loss is the mean cross-entropy, and Adam's learning rate is 0.1
throughout, as in the milestone's case.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import random
import sys
import textwrap
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Protocol, Sequence, TextIO

from kata.core.diagnosis import WIDTH
from kata.core.implementation import Implementation
from kata.core.outcome import learner_line
from kata.core.scenario_tools import moons, set_parameters, spiral
from kata.learner.commands import Spelling
from kata.repository import ROOT

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DEFAULT_OUT = ROOT / "demo"

POINTS = 100
NOISE = 0.1
DATA_SEED = 1
INIT_SEED = 0  # parameters come from set_parameters, so every implementation starts alike
LAYERS = (16, 16, 1)
L2 = 1e-4
LR_FIRST, LR_LAST = 1.0, 0.1
GRID = 60  # the decision boundary is the model's score sampled on GRID x GRID points

# The spiral: 30 points on each of three arms (the milestone's case has 10 on each, from
# the same seed), a second hidden layer for the picture's smoother regions, and Adam.
SPIRAL_POINTS = 90
SPIRAL_LAYERS = (16, 16, 3)
ADAM_LR = 0.1

# The time budget: seconds of training and grid scoring (starting Python, importing
# matplotlib and drawing add about two more). Over it, the cuts come in this order:
BUDGET = 10.0
SPEED_CLASS = 2 ** 0.5  # a measured speed is rounded up to a power of this: a plan per class
PROBES = 3  # where the plan is cut: the fastest of this many probes (a busy machine only slows one)
SMALL_GRID = 30  # first the grid, a quarter of the forward passes and still a smooth boundary
ENOUGH_STEPS = 40  # then the steps down to 40: the full data set is learnt by then
FEWEST_POINTS = 30  # then the points down to 30, which still draw two moons (or three arms)
FEWEST_STEPS = 10  # then the steps again, down to 10

# One colour per class: light for its region, dark for its points.
REGION_COLOURS = ("#f4a582", "#92c5de", "#a6dba0")
POINT_COLOURS = ("#b2182b", "#2166ac", "#1b7837")

Stage = Callable[[str], None]


@dataclass
class History:
    """What training gave: the loss and accuracy at each step (before its update), and the time."""

    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class Speed:
    """What the probe measured: seconds per data point of a forward pass, and of a whole step."""

    forward: float  # the model on one point
    step: float  # the model, the loss and backward, for one point

    def rounded_up(self) -> Speed:
        """Each figure rounded up to the next power of SPEED_CLASS: the same code gets the same plan
        run after run, where a figure measured on a busy machine would move it by a little."""
        def up(seconds: float) -> float:
            return SPEED_CLASS ** math.ceil(math.log(seconds, SPEED_CLASS)) if seconds > 0 else 0.0
        return Speed(up(self.forward), up(self.step))


@dataclass(frozen=True)
class Plan:
    """The run chosen: its sizes, and how long it and the run asked for are estimated to take."""

    steps: int
    points: int
    grid: int
    seconds: float  # the estimate for these sizes: training and scoring the grid
    asked_seconds: float  # the estimate for the sizes asked for

    @property
    def reduced(self) -> bool:
        return self.seconds < self.asked_seconds


@dataclass
class Summary:
    history: History
    points: int  # the points trained on
    boundary: Path
    curves: Path
    plan: Optional[Plan] = None  # None when there was no budget, so no probe


def learning_rate(step: int, steps: int) -> float:
    """LR_FIRST at step 0, falling linearly to LR_LAST at the last step."""
    if steps <= 1:
        return LR_FIRST
    return LR_FIRST + (LR_LAST - LR_FIRST) * step / (steps - 1)


def default_out(package: str) -> Path:
    """demo/ for the learner's exercises; demo/<package>/ for another, never overwriting theirs."""
    return DEFAULT_OUT if package == "exercises" else DEFAULT_OUT / package


def build_model(impl: Any, layers: Sequence[int] = LAYERS) -> Any:
    model = impl.MLP(2, list(layers))
    set_parameters(model, random.Random(INIT_SEED))
    return model


def score(output: Any) -> Any:
    """The model's one output: a Value (a one-element list is accepted too)."""
    if isinstance(output, list) and len(output) == 1:
        return output[0]
    return output


# What the demo learns. The probe, the budget, the training loop, the progress bar and the
# messages are the same for every task; a Task says what differs.


class Optimizer(Protocol):
    def zero_grad(self) -> None: ...

    def step(self) -> None: ...


class Task(ABC):
    """A data set, the model that learns it, its loss and optimizer, and its pictures."""

    name: str  # what --data calls it
    points_name: str  # what the report calls its points
    layers: tuple[int, ...]
    points: int  # how many, unless asked otherwise
    group: int  # the labels take turns, one point of each: the budget cuts a whole group at a time
    pictures: tuple[str, str]  # file names: the regions with the points, then the curves
    loss_name: str  # the loss curve's axis
    needs: str  # the learner's code it runs, for a failure's message

    @property
    def model_name(self) -> str:
        return f"MLP(2, {list(self.layers)})"

    @abstractmethod
    def data(self, points: int) -> tuple[list[list[float]], Sequence[float]]:
        """About points points and their labels (the spiral rounds down to whole groups)."""

    @abstractmethod
    def loss(self, impl: Any, outputs: list[Any], ys: Sequence[float]) -> Any:
        """The loss over the data, as the probe times it."""

    def objective(self, impl: Any, model: Any, outputs: list[Any], ys: Sequence[float]) -> Any:
        """What a training step minimizes: the loss, unless the task adds to it."""
        return self.loss(impl, outputs, ys)

    @abstractmethod
    def optimizer(self, impl: Any, model: Any, steps: int) -> Optimizer:
        """What clears the grads before backward() and moves the parameters after it."""

    @abstractmethod
    def answer(self, output: Any) -> float:
        """What the model says of one point, as a number to draw and to compare with its label."""

    @abstractmethod
    def right(self, answer: float, label: float) -> bool:
        """Whether that answer gives the point its label."""

    @abstractmethod
    def draw(self, xs: Sequence[Sequence[float]], ys: Sequence[float], gx: list[float],
             gy: list[float], answers: list[list[float]], path: Path, title: str) -> Path:
        """The points over the model's answers on the grid, saved to path."""


class Moons(Task):
    """Two moons, labelled -1 and +1: a score whose sign is the class, hinge loss plus L2, SGD."""

    name = "moons"
    points_name = "two-moons points"
    layers = LAYERS
    points = POINTS
    group = 2
    pictures = ("decision_boundary.png", "loss.png")
    loss_name = "loss (hinge + L2)"
    needs = "every core exercise working"

    def data(self, points: int) -> tuple[list[list[float]], Sequence[float]]:
        return moons(points, NOISE, DATA_SEED)

    def loss(self, impl: Any, outputs: list[Any], ys: Sequence[float]) -> Any:
        return impl.hinge_loss([score(output) for output in outputs], list(ys))

    def objective(self, impl: Any, model: Any, outputs: list[Any], ys: Sequence[float]) -> Any:
        penalty = sum((p * p for p in model.parameters()), impl.Value(0.0)) * L2
        return self.loss(impl, outputs, ys) + penalty

    def optimizer(self, impl: Any, model: Any, steps: int) -> Optimizer:
        return FallingSGD(impl, model, steps)

    def answer(self, output: Any) -> float:
        return float(score(output).data)

    def right(self, answer: float, label: float) -> bool:
        return (answer > 0) == (label > 0)

    def draw(self, xs: Sequence[Sequence[float]], ys: Sequence[float], gx: list[float],
             gy: list[float], answers: list[list[float]], path: Path, title: str) -> Path:
        return plot_boundary(xs, ys, gx, gy, answers, path, title)


class FallingSGD:
    """The learner's sgd_step and zero_grad, the learning rate falling as learning_rate says."""

    def __init__(self, impl: Any, model: Any, steps: int) -> None:
        self.sgd_step, self.model, self.steps = impl.sgd_step, model, steps
        self.taken = 0

    def zero_grad(self) -> None:
        self.model.zero_grad()

    def step(self) -> None:
        self.sgd_step(self.model.parameters(), learning_rate(self.taken, self.steps))
        self.taken += 1


class Spiral(Task):
    """Three spiral arms, labelled 0, 1, 2: one logit per class, mean cross-entropy, Adam."""

    name = "spiral"
    points_name = "spiral points (three arms)"
    layers = SPIRAL_LAYERS
    points = SPIRAL_POINTS
    group = 3
    pictures = ("spiral_boundary.png", "spiral_loss.png")
    loss_name = "loss (mean cross-entropy)"
    needs = "every core exercise and the bonus exercises 7 (softmax) and 8 (optim) working"

    def data(self, points: int) -> tuple[list[list[float]], Sequence[float]]:
        return spiral(points // self.group, NOISE, DATA_SEED, classes=self.group)

    def loss(self, impl: Any, outputs: list[Any], ys: Sequence[float]) -> Any:
        losses = (impl.cross_entropy(logits, int(label)) for logits, label in zip(outputs, ys))
        return sum(losses, impl.Value(0.0)) / len(ys)

    def optimizer(self, impl: Any, model: Any, steps: int) -> Optimizer:
        adam: Optimizer = impl.Adam(model.parameters(), lr=ADAM_LR)
        return adam

    def answer(self, output: Any) -> float:
        """The class picked: the one with the largest logit."""
        return float(max(range(len(output)), key=lambda k: output[k].data))

    def right(self, answer: float, label: float) -> bool:
        return answer == label

    def draw(self, xs: Sequence[Sequence[float]], ys: Sequence[float], gx: list[float],
             gy: list[float], answers: list[list[float]], path: Path, title: str) -> Path:
        return plot_regions(xs, ys, gx, gy, answers, path, title)


MOONS, SPIRAL = Moons(), Spiral()
TASKS = {task.name: task for task in (MOONS, SPIRAL)}


def train(
    impl: Any,
    model: Any,
    xs: Sequence[Sequence[float]],
    ys: Sequence[float],
    steps: int,
    on_step: Optional[Callable[[int, float, float], None]] = None,
    task: Task = MOONS,
) -> History:
    """Full-batch training with the implementation's own pieces: the task's loss and optimizer.

    on_step(step, loss, accuracy) is called after each step, step counting from 1.
    """
    optimizer = task.optimizer(impl, model, steps)
    history = History()
    start = time.perf_counter()
    for step in range(steps):
        outputs = [model(list(x)) for x in xs]
        loss = task.objective(impl, model, outputs, ys)
        optimizer.zero_grad()
        loss.backward()  # Value.backward hands the root to the package's backward()
        optimizer.step()
        right = sum(task.right(task.answer(output), y) for output, y in zip(outputs, ys))
        history.losses.append(float(loss.data))
        history.accuracies.append(right / len(ys))
        # Free this step's graph now rather than once the next one is built: two graphs alive
        # at once give the garbage collector twice as much to walk, and slow a step by a third.
        del outputs, loss
        if on_step is not None:
            on_step(step + 1, history.losses[-1], history.accuracies[-1])
    history.seconds = time.perf_counter() - start
    return history


def probe(impl: Any, model: Any, xs: Sequence[Sequence[float]], ys: Sequence[float],
          clock: Callable[[], float] = time.perf_counter, task: Task = MOONS) -> Speed:
    """Time the model on every point, then the task's loss and backward: a step without its update.

    All the points, not a few: a bigger graph costs more per node (the garbage
    collector walks more of it), so a small probe would promise too much. The
    parameters are left as they were; their grads are not, and training clears them.
    """
    start = clock()
    outputs = [model(list(x)) for x in xs]
    forward = clock()
    loss = task.loss(impl, outputs, ys)
    model.zero_grad()
    loss.backward()
    del outputs, loss  # freeing the graph is part of a step's cost too
    end = clock()
    return Speed(forward=(forward - start) / len(xs), step=(end - start) / len(xs))


def estimate(speed: Speed, steps: int, points: int, grid: int) -> float:
    """Seconds to train steps steps on points points, then score a grid x grid grid.

    A step costs one point more than its points: the update (and the moons' L2
    penalty) touch every parameter, about as many nodes as one point's forward pass.
    """
    return steps * (points + 1) * speed.step + grid * grid * speed.forward


def choose(speed: Speed, steps: int, points: int, grid: int, budget: Optional[float],
           group: int = 2) -> Plan:
    """The sizes to run: those asked for if they fit the budget, else cut in the order above.

    Each cut goes only as far as it needs to; a cut never goes below its floor (nor
    raises a size asked for), so a very slow engine may still take longer than the budget.
    """
    asked = estimate(speed, steps, points, grid)
    if budget is None or asked <= budget:
        return Plan(steps, points, grid, asked, asked)
    grid = min(grid, SMALL_GRID)
    left = budget - grid * grid * speed.forward
    affordable = max(0.0, left / speed.step) if speed.step > 0 else float("inf")  # point-steps

    def fit(wanted: float, floor: int, ceiling: int) -> int:
        return max(min(floor, ceiling), int(min(float(ceiling), wanted)))

    steps = fit(affordable / (points + 1), ENOUGH_STEPS, steps)
    # Whole groups of points: the labels take turns, so there are as many of each.
    points = fit(group * ((affordable / steps - 1) // group), FEWEST_POINTS, points)
    steps = fit(affordable / (points + 1), FEWEST_STEPS, steps)
    return Plan(steps, points, grid, estimate(speed, steps, points, grid), asked)


def neuron_is_one_node(impl: Any) -> bool:
    """Whether impl's Neuron makes w . x + b a single node, whose operands are the 2n + 1 leaves.

    Anything that goes wrong counts as yes: this only decides whether to suggest it.
    """
    try:
        out = impl.Neuron(3, "linear")([1.0, 2.0, 3.0])
        return len(getattr(out, "_prev", ())) >= 7
    except Exception:
        return True


def describe(plan: Plan, speed: Speed, package: str, steps: int, points: int,
             one_node: bool = True) -> str:
    """What the learner reads when the demo cut the run down to fit the budget."""
    text = (f"Your {package}/ engine takes {(points + 1) * speed.step:.2f} s a step on {points} "
            f"points, so {steps} steps would take about {plan.asked_seconds:.0f} s. Training "
            f"{plan.steps} steps on {plan.points} points instead, about {plan.seconds:.0f} s "
            "(.venv/bin/python -m kata.learner.demo --full trains on everything, however long it takes).")
    if not one_node:
        text += (f" Your Neuron builds w . x + b from 2n + 1 small nodes: as one node, as the "
                 f"docstring of Neuron.__call__ in {package}/neuron.py shows, each step is several "
                 "times faster.")
    return textwrap.fill(text, width=WIDTH)


def score_grid(
    model: Any, xs: Sequence[Sequence[float]], size: int, task: Task = MOONS
) -> tuple[list[float], list[float], list[list[float]]]:
    """The task's answer over a size x size grid that covers the points with a margin."""
    def axis(values: list[float]) -> list[float]:
        low, high = min(values) - 0.5, max(values) + 0.5
        return [low + (high - low) * i / (size - 1) for i in range(size)]

    gx, gy = axis([x[0] for x in xs]), axis([x[1] for x in xs])
    answers = [[task.answer(model([a, b])) for a in gx] for b in gy]
    return gx, gy, answers


class ProgressBar:
    """One line, rewritten in place with a carriage return after each step."""

    def __init__(self, total: int, stream: TextIO, width: int = 24) -> None:
        self.total, self.stream, self.width = total, stream, width
        self.start = time.perf_counter()
        self.shown = 0  # the length of the line on screen, to blank out a longer old one

    def update(self, step: int, loss: float, accuracy: float) -> None:
        filled = self.width * step // self.total
        line = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] step {step}/{self.total}"
            f"  loss {loss:.4f}  accuracy {accuracy:.0%}"
            f"  {time.perf_counter() - self.start:.1f} s"
        )
        self.stream.write("\r" + line.ljust(self.shown))
        self.stream.flush()
        self.shown = len(line)

    def close(self) -> None:
        """End the line, if one was drawn, so that what follows starts on a line of its own."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = 0


def run(
    package: str,
    steps: int = 100,
    out: Optional[Path] = None,
    points: Optional[int] = None,
    grid: int = GRID,
    progress: Optional[TextIO] = None,
    stage: Optional[Stage] = None,
    budget: Optional[float] = None,
    clock: Callable[[], float] = time.perf_counter,
    task: Task = MOONS,
) -> Summary:
    """Train package's MLP on the task and draw both pictures into out; the learner's exceptions
    propagate.

    points defaults to the task's own; out defaults to default_out(package). With a
    budget (seconds), the engine is timed first with clock and the run cut down to fit
    (see choose), and what was chosen is written to progress. stage(text) is told what
    the demo is doing, so that a failure can say so.
    """
    if steps < 1:
        raise ValueError(f"the demo needs at least 1 step, not {steps}")
    out = default_out(package) if out is None else out
    tell: Stage = stage or (lambda text: None)
    impl = Implementation(package)
    xs, ys = task.data(task.points if points is None else points)
    points = len(xs)
    tell(f"building {task.model_name}")
    model = build_model(impl, task.layers)
    plan = None
    if budget is not None:
        tell("timing a forward and backward pass over every point")
        speed = probe(impl, model, xs, ys, clock, task)
        plan = choose(speed.rounded_up(), steps, points, grid, budget, task.group)
        if plan.reduced:  # more looks, in case the first pass was slowed by something else
            looks = [speed] + [probe(impl, model, xs, ys, clock, task) for _ in range(PROBES - 1)]
            speed = min(looks, key=lambda measured: measured.step)
            plan = choose(speed.rounded_up(), steps, points, grid, budget, task.group)
        if plan.reduced:
            if progress is not None:
                progress.write(describe(plan, speed, package, steps, points,
                                        neuron_is_one_node(impl)) + "\n")
                progress.flush()
            steps, grid = plan.steps, plan.grid
            if plan.points != points:
                points = plan.points
                xs, ys = task.data(points)
    bar = ProgressBar(steps, progress) if progress is not None else None
    tell("training")
    try:
        history = train(impl, model, xs, ys, steps, bar.update if bar else None, task)
    finally:
        if bar is not None:
            bar.close()
    tell("scoring the grid for the decision boundary")
    gx, gy, answers = score_grid(model, xs, grid, task)
    tell("drawing")
    out.mkdir(parents=True, exist_ok=True)
    title = f"{package}/: {task.model_name} on {points} points after {steps} steps"
    regions, curves = out / task.pictures[0], out / task.pictures[1]
    task.draw(xs, ys, gx, gy, answers, regions, f"{title}, accuracy {history.accuracies[-1]:.0%}")
    plot_history(history, curves, title, task.loss_name)
    return Summary(history, points, regions, curves, plan)


# Pictures. matplotlib is imported here, not at the top, so that importing this module stays cheap.


def plot_boundary(
    xs: Sequence[Sequence[float]],
    ys: Sequence[float],
    gx: list[float],
    gy: list[float],
    scores: list[list[float]],
    path: Path,
    title: str,
) -> Path:
    """The points over the regions where the score is below and above 0, and the line between."""
    import numpy as np

    z = np.nan_to_num(np.array(scores, dtype=float), nan=0.0, posinf=1e6, neginf=-1e6)
    reach = float(np.abs(z).max()) + 1.0
    figure = _figure()
    axes = figure.add_subplot()
    axes.contourf(gx, gy, z, levels=[-reach, 0.0, reach], colors=REGION_COLOURS[:2], alpha=0.6)
    if z.min() < 0.0 < z.max():
        axes.contour(gx, gy, z, levels=[0.0], colors="#333333", linewidths=1.0)
    return _save_map(figure, axes, xs, ys, (-1.0, 1.0), ("label -1", "label +1"), path, title)


def plot_regions(
    xs: Sequence[Sequence[float]],
    ys: Sequence[float],
    gx: list[float],
    gy: list[float],
    classes: list[list[float]],
    path: Path,
    title: str,
) -> Path:
    """The points over the class the model picks at each place, each region outlined."""
    import numpy as np

    z = np.array(classes, dtype=float)
    labels = range(len(REGION_COLOURS))
    figure = _figure()
    axes = figure.add_subplot()
    axes.contourf(gx, gy, z, levels=[k - 0.5 for k in range(len(labels) + 1)],
                  colors=REGION_COLOURS, alpha=0.6)
    for k in labels:
        inside = (z == k).astype(float)
        if 0.0 < inside.mean() < 1.0:  # an outline only where the region begins and ends
            axes.contour(gx, gy, inside, levels=[0.5], colors="#333333", linewidths=1.0)
    return _save_map(figure, axes, xs, ys, tuple(labels), tuple(f"class {k}" for k in labels),
                     path, title)


def _figure() -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 5.2), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save_map(figure: Figure, axes: Axes, xs: Sequence[Sequence[float]], ys: Sequence[float],
              labels: Sequence[float], names: Sequence[str], path: Path, title: str) -> Path:
    """The points of each label, in its colour, over the regions drawn; then the figure saved."""
    for label, colour, name in zip(labels, POINT_COLOURS, names):
        chosen = [x for x, y in zip(xs, ys) if y == label]
        axes.scatter([x[0] for x in chosen], [x[1] for x in chosen], c=colour, s=22,
                     edgecolors="black", linewidths=0.5, label=name)
    axes.set_title(title, fontsize=10)
    axes.set_xlabel("x[0]")
    axes.set_ylabel("x[1]")
    axes.legend(loc="upper right", fontsize=8)
    figure.savefig(path, dpi=110)
    return path


def plot_history(history: History, path: Path, title: str,
                 loss_name: str = "loss (hinge + L2)") -> Path:
    steps = list(range(1, len(history.losses) + 1))
    figure = _figure()
    loss_axes, accuracy_axes = figure.subplots(2, 1, sharex=True)
    loss_axes.plot(steps, history.losses, color="#b2182b")
    loss_axes.set_ylabel(loss_name)
    loss_axes.set_title(title, fontsize=10)
    loss_axes.grid(alpha=0.3)
    accuracy_axes.plot(steps, [100 * a for a in history.accuracies], color="#2166ac")
    accuracy_axes.set_ylabel("accuracy (%)")
    accuracy_axes.set_ylim(0, 105)
    accuracy_axes.set_xlabel("step")
    accuracy_axes.grid(alpha=0.3)
    figure.savefig(path, dpi=110)
    return path


# What the learner reads when their code is not ready.


def missing_package(package: str) -> str:
    """A message if package cannot be found (the student copy has no solutions/), else ""."""
    if importlib.util.find_spec(package) is None:
        return (f"There is no {package}/ package here to run (the student copy has only "
                "exercises/); try --impl exercises.")
    return ""


def explain_failure(error: BaseException, impl: Any, doing: str, spelling: Spelling,
                    needs: str = "every exercise working") -> str:
    """One paragraph: what raised, in which of the learner's files and lines, and what to do."""
    package = impl.package
    where = learner_line(error, impl)
    message = str(error)
    raised = f"{type(error).__name__}: {message}" if message else type(error).__name__
    if where:
        place = f"Your {package}/ code raised {raised}, at {where}."
    else:
        place = (f"{raised} was raised while using your {package}/ code, outside your own files: "
                 "check what your functions return.")
    text = (f"Stopped while {doing}. {place} This needs {needs}; "
            f"`{spelling.command('check')}` shows which exercise to finish next.")
    return textwrap.fill(text, width=WIDTH)


def main(argv: Optional[Sequence[str]] = None, *, spelling: Spelling = Spelling.PYTHON) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kata.learner.demo",
        description="Train an MLP on two moons (or three spiral arms) with your own code, and "
                    "draw what it learned.",
    )
    parser.add_argument("--impl", choices=("exercises", "solutions"), default="exercises",
                        help="whose code to train with (default: your exercises)")
    parser.add_argument("--data", choices=tuple(TASKS), default=MOONS.name,
                        help="what to learn: two moons (the default), or the bonus track's "
                             "spiral, with your cross_entropy and Adam")
    parser.add_argument("--steps", type=_positive, default=100, help="training steps (default 100)")
    parser.add_argument("--full", action="store_true",
                        help=f"train on every point for every step, even if that takes longer "
                             f"than {BUDGET:.0f} s")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the pictures (default: demo/ in the repository, "
                             "demo/solutions/ for the reference)")
    args = parser.parse_args(argv)
    problem = missing_package(args.impl)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    task = TASKS[args.data]
    doing = ["starting"]

    def stage(text: str) -> None:
        doing[0] = text

    try:
        summary = run(args.impl, args.steps, args.out, progress=sys.stderr, stage=stage,
                      budget=None if args.full else BUDGET, task=task)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except (Exception, SystemExit) as error:  # a stray exit() in the learner's code too
        if doing[0] == "drawing":
            raise  # the demo's own pictures failed: not the learner's fault, show everything
        print(explain_failure(error, Implementation(args.impl), doing[0], spelling, task.needs),
              file=sys.stderr)
        return 1
    history = summary.history
    print(
        f"Trained {args.impl}/ {task.model_name} on {summary.points} {task.points_name} for "
        f"{len(history.losses)} steps in {history.seconds:.1f} s: loss {history.losses[0]:.4f} -> "
        f"{history.losses[-1]:.4f}, training accuracy {history.accuracies[-1]:.0%}."
    )
    whose = "" if args.impl == "exercises" or args.out else (
        f" (the reference's pictures: yours go to {_shown(default_out('exercises'))}/)")
    print(f"Wrote {_shown(summary.boundary)} and {_shown(summary.curves)}{whose}")
    return 0


def _positive(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def _shown(path: Path) -> str:
    """The path relative to the current directory when it is under it, else as it is."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
