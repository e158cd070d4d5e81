"""The demo's time budget: time the learner's engine on one step, then cut the run (the grid,
the steps, the points) until it fits, in speed classes so that the same code gets the same plan."""

from __future__ import annotations

import math
import textwrap
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from kata.core.diagnosis import WIDTH
from kata.learner.training import MOONS, Task

# The time budget: seconds of training and grid scoring (starting Python, importing
# matplotlib and drawing add about two more). Over it, the cuts come in this order:
BUDGET = 10.0
SPEED_CLASS = 2 ** 0.5  # a measured speed is rounded up to a power of this: a plan per class
PROBES = 3  # where the plan is cut: the fastest of this many probes (a busy machine only slows one)
SMALL_GRID = 30  # first the grid, a quarter of the forward passes and still a smooth boundary
ENOUGH_STEPS = 40  # then the steps down to 40: the full data set is learnt by then
FEWEST_POINTS = 30  # then the points down to 30, which still draw two moons (or three arms)
FEWEST_STEPS = 10  # then the steps again, down to 10


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
