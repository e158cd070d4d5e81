"""Exercise 6: losses, a gradient-descent step, and a loop that learns."""

from __future__ import annotations

from typing import Sequence

from .mlp import MLP
from .value import Value


def mse_loss(predictions: Sequence[Value], targets: Sequence[float]) -> Value:
    """The mean of (prediction - target)**2."""
    _check_pairs(predictions, targets)
    total = sum(((p - t) ** 2 for p, t in zip(predictions, targets)), Value(0.0))
    return total / len(predictions)


def hinge_loss(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """The mean of relu(1 - label * score)."""
    _check_pairs(scores, labels)
    total = sum(((1 - y * s).relu() for s, y in zip(scores, labels)), Value(0.0))
    return total / len(scores)


def sgd_step(parameters: Sequence[Value], lr: float) -> None:
    """p.data -= lr * p.grad for every parameter."""
    for p in parameters:
        p.data -= lr * p.grad


def fit(
    model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[float], steps: int, lr: float
) -> list[float]:
    """Gradient descent on mse_loss over the whole data set; each step's loss."""
    losses = []
    for _ in range(steps):
        ypred = [_single_output(model(x)) for x in xs]
        loss = mse_loss(ypred, ys)
        model.zero_grad()
        loss.backward()
        sgd_step(model.parameters(), lr)
        losses.append(loss.data)
    return losses


def _check_pairs(outputs: Sequence[Value], targets: Sequence[float]) -> None:
    # A loss needs one target per output and at least one pair to average.
    if len(outputs) != len(targets):
        raise ValueError(f"{len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("a loss needs at least one output")


def _single_output(output: Value | list[Value]) -> Value:
    # fit's loss compares one number per example, so the model needs one output.
    if isinstance(output, list):
        raise ValueError(f"fit needs a model with one output, not {len(output)}")
    return output
