"""What the demo learns: two moons (hinge loss, SGD) or three spiral arms (cross-entropy, Adam),
trained with the learner's own pieces. The probe, the budget, the progress bar and the messages
are the same for every task; a Task says what differs."""

from __future__ import annotations

import random
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Protocol, Sequence

from kata.core.scenario_tools import moons, set_parameters, spiral
from kata.learner.plots import plot_boundary, plot_regions

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


@dataclass
class History:
    """What training gave: the loss and accuracy at each step (before its update), and the time."""

    losses: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    seconds: float = 0.0


def learning_rate(step: int, steps: int) -> float:
    """LR_FIRST at step 0, falling linearly to LR_LAST at the last step."""
    if steps <= 1:
        return LR_FIRST
    return LR_FIRST + (LR_LAST - LR_FIRST) * step / (steps - 1)


def build_model(impl: Any, layers: Sequence[int] = LAYERS) -> Any:
    model = impl.MLP(2, list(layers))
    set_parameters(model, random.Random(INIT_SEED))
    return model


def score(output: Any) -> Any:
    """The model's one output: a Value (a one-element list is accepted too)."""
    if isinstance(output, list) and len(output) == 1:
        return output[0]
    return output


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
