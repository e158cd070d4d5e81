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
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Sequence, TextIO

from kata.core.implementation import Implementation
from kata.learner.budget import BUDGET, PROBES, Plan, choose, describe, neuron_is_one_node, probe
from kata.learner.commands import Spelling
from kata.learner.plots import plot_history
from kata.learner.training import GRID, MOONS, TASKS, History, Task, build_model, score_grid, train
from kata.learner.unfinished import explain_failure, missing_package
from kata.repository import ROOT

DEFAULT_OUT = ROOT / "demo"

Stage = Callable[[str], None]


@dataclass
class Summary:
    history: History
    points: int  # the points trained on
    boundary: Path
    curves: Path
    plan: Optional[Plan] = None  # None when there was no budget, so no probe


def default_out(package: str) -> Path:
    """demo/ for the learner's exercises; demo/<package>/ for another, never overwriting theirs."""
    return DEFAULT_OUT if package == "exercises" else DEFAULT_OUT / package


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
    plot_history(history.losses, history.accuracies, curves, title, task.loss_name)
    return Summary(history, points, regions, curves, plan)


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
