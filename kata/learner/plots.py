"""The demo's pictures: the points over what the model says at each place, and the loss and
accuracy curves. matplotlib is imported inside each function, so that importing this stays cheap."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# One colour per class: light for its region, dark for its points.
REGION_COLOURS = ("#f4a582", "#92c5de", "#a6dba0")
POINT_COLOURS = ("#b2182b", "#2166ac", "#1b7837")


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


def plot_history(losses: Sequence[float], accuracies: Sequence[float], path: Path, title: str,
                 loss_name: str = "loss (hinge + L2)") -> Path:
    """The loss and the accuracy after each step, one above the other."""
    steps = list(range(1, len(losses) + 1))
    figure = _figure()
    loss_axes, accuracy_axes = figure.subplots(2, 1, sharex=True)
    loss_axes.plot(steps, losses, color="#b2182b")
    loss_axes.set_ylabel(loss_name)
    loss_axes.set_title(title, fontsize=10)
    loss_axes.grid(alpha=0.3)
    accuracy_axes.plot(steps, [100 * a for a in accuracies], color="#2166ac")
    accuracy_axes.set_ylabel("accuracy (%)")
    accuracy_axes.set_ylim(0, 105)
    accuracy_axes.set_xlabel("step")
    accuracy_axes.grid(alpha=0.3)
    figure.savefig(path, dpi=110)
    return path
