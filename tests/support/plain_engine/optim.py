"""Bonus exercise 8: optimizers that remember, momentum and Adam."""

from __future__ import annotations

import math
from typing import Sequence, Union

from .mlp import MLP
from .softmax import cross_entropy
from .value import Value


class Momentum:
    def __init__(self, parameters: Sequence[Value], lr: float, momentum: float = 0.9) -> None:
        self.parameters = list(parameters)
        self.lr = lr
        self.momentum = momentum
        self.velocities = [0.0 for _ in self.parameters]

    def step(self) -> None:
        for i, p in enumerate(self.parameters):
            self.velocities[i] = self.momentum * self.velocities[i] + p.grad
            p.data -= self.lr * self.velocities[i]

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0


class Adam:
    def __init__(self, parameters: Sequence[Value], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.parameters = list(parameters)
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = [0.0 for _ in self.parameters]
        self.v = [0.0 for _ in self.parameters]
        self.t = 0

    def step(self) -> None:
        self.t += 1
        for i, p in enumerate(self.parameters):
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * p.grad
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * p.grad**2
            m_hat = self.m[i] / (1 - self.beta1**self.t)
            v_hat = self.v[i] / (1 - self.beta2**self.t)
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0


def fit_classifier(model: MLP, xs: Sequence[Sequence[float]], labels: Sequence[int],
                   optimizer: Union[Momentum, Adam], steps: int) -> list[float]:
    """Train model on the mean cross-entropy; each step's loss, before its update."""
    _check_data(xs, labels)
    losses = []
    for _ in range(steps):
        total = sum((cross_entropy(_logits(model(x)), y) for x, y in zip(xs, labels)), Value(0.0))
        loss = total / len(xs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    return losses


def _check_data(xs: Sequence[Sequence[float]], labels: Sequence[int]) -> None:
    # One label per input, and at least one example to average over.
    if len(xs) != len(labels):
        raise ValueError(f"{len(xs)} inputs but {len(labels)} labels")
    if not xs:
        raise ValueError("training needs at least one example")


def _logits(output: Union[Value, list[Value]]) -> list[Value]:
    # A classifier needs one logit per class: a model with a single output returns a bare Value.
    if not isinstance(output, list):
        raise ValueError("a classifier needs a model with one output per class, not a single one")
    return output
