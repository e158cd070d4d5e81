"""Exercise 6: learning, by following the gradient of a loss downhill."""

from __future__ import annotations

from typing import Sequence

from .mlp import MLP
from .value import Value


def mse_loss(predictions: Sequence[Value], targets: Sequence[float]) -> Value:
    """Mean of (prediction - target)**2."""
    _check_pairs(predictions, targets)
    total = sum(((p - t) ** 2 for p, t in zip(predictions, targets)), Value(0.0))
    return total / len(predictions)


def hinge_loss(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """Mean of relu(1 - label * score), labels being -1 or +1."""
    _check_pairs(scores, labels)
    total = sum(((1 - y * s).relu() for s, y in zip(scores, labels)), Value(0.0))
    return total / len(scores)


def sgd_step(parameters: Sequence[Value], lr: float) -> None:
    """One step of stochastic gradient descent (SGD): every parameter moves lr times its
    gradient, against it, downhill."""
    for p in parameters:
        p.data -= lr * p.grad


def fit(
    model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[float], steps: int, lr: float
) -> list[float]:
    """Gradient descent on mse_loss over the whole data set; each step's loss."""
    losses = []
    for _ in range(steps):
        predictions = [_single_output(model(x)) for x in xs]
        loss = mse_loss(predictions, ys)
        model.zero_grad()
        loss.backward()
        sgd_step(model.parameters(), lr)
        losses.append(loss.data)
    return losses


def _check_pairs(outputs: Sequence[Value], targets: Sequence[float]) -> None:
    if len(outputs) != len(targets):
        raise ValueError(f"{len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("a loss needs at least one output")


def _single_output(output: Value | list[Value]) -> Value:
    if isinstance(output, list):
        raise ValueError(f"fit needs a model with one output, not {len(output)}")
    return output
