"""Bonus exercise 8: optimizers that remember, momentum and Adam, and a classifier's training.

sgd_step (exercise 6) moves each parameter by lr times its grad of this step
only. An optimizer object keeps something per parameter from one step to the
next: momentum a velocity, Adam two running averages. Each reads only its
parameters' data and grads, so it works with any model's parameters().
fit_classifier puts it all together: an MLP, cross-entropy and an optimizer.
"""

from __future__ import annotations

import math
from typing import Sequence, Union

from .mlp import MLP
from .softmax import cross_entropy
from .value import Value


class Momentum:
    """SGD with momentum, in PyTorch's form: v <- momentum * v + grad, then p <- p - lr * v."""

    def __init__(self, parameters: Sequence[Value], lr: float, momentum: float = 0.9) -> None:
        self.parameters = list(parameters)
        self.lr = lr
        self.momentum = momentum
        # A velocity per parameter: the sum of its past grads, each older one
        # weighed by one more factor of momentum. It starts at rest.
        self.velocities = [0.0] * len(self.parameters)

    def step(self) -> None:
        for i, p in enumerate(self.parameters):
            # Grads that keep their sign add up, so the steps grow along a long
            # slope; grads that flip from step to step cancel out, so the zigzag
            # across a narrow valley is damped.
            self.velocities[i] = self.momentum * self.velocities[i] + p.grad
            p.data -= self.lr * self.velocities[i]

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0


class Adam:
    """Adam: a step of about lr for each parameter, in the direction its recent grads agree on."""

    def __init__(self, parameters: Sequence[Value], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.parameters = list(parameters)
        self.lr = lr
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.m = [0.0] * len(self.parameters)  # running average of the grads
        self.v = [0.0] * len(self.parameters)  # running average of the squared grads
        self.t = 0  # the number of steps taken

    def step(self) -> None:
        self.t += 1
        # The averages start at 0, so early on they are too small: after t steps,
        # a constant grad g has m = (1 - beta1**t) * g. Dividing by that factor
        # (the bias correction) makes m and v unbiased from the first step.
        correction1 = 1 - self.beta1**self.t
        correction2 = 1 - self.beta2**self.t
        for i, p in enumerate(self.parameters):
            g = p.grad
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g
            m_hat = self.m[i] / correction1
            v_hat = self.v[i] / correction2
            # m_hat / sqrt(v_hat) is about +1 or -1 when the grads agree, whatever
            # their size, and smaller when they disagree: every parameter moves by
            # at most about lr. eps keeps the division finite when v_hat is 0.
            p.data -= self.lr * m_hat / (math.sqrt(v_hat) + self.eps)

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0


def fit_classifier(model: MLP, xs: Sequence[Sequence[float]], labels: Sequence[int],
                   optimizer: Union[Momentum, Adam], steps: int) -> list[float]:
    """Train model to give each x its label: each step's mean cross-entropy, before its update."""
    _check_data(xs, labels)
    losses = []
    for _ in range(steps):
        total = sum((cross_entropy(_logits(model(x)), label) for x, label in zip(xs, labels)),
                    Value(0.0))
        loss = total / len(xs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    return losses


def _check_data(xs: Sequence[Sequence[float]], labels: Sequence[int]) -> None:
    if len(xs) != len(labels):
        raise ValueError(f"{len(xs)} inputs but {len(labels)} labels")
    if not xs:
        raise ValueError("training needs at least one example")


def _logits(output: Union[Value, list[Value]]) -> list[Value]:
    if not isinstance(output, list):
        raise ValueError("a classifier needs a model with one output per class, not a single one")
    return output
