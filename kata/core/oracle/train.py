"""Exercise 6, by PyTorch: the losses, an SGD step, and fit on tensors."""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from kata.core.oracle.mlp import MLP
from kata.core.oracle.value import Value


def _mean_loss(name: str, per_item: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
               outputs: Sequence[Value], targets: Sequence[float]) -> Value:
    if len(outputs) != len(targets):
        raise ValueError(f"{len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("a loss needs at least one output")
    target = torch.tensor([float(t) for t in targets], dtype=torch.float64)
    return Value(0.0, tuple(outputs), name,
                 _forward=lambda *t: per_item(torch.stack(t), target).mean())


def mse_loss(predictions: Sequence[Value], targets: Sequence[float]) -> Value:
    return _mean_loss("mse", lambda p, t: (p - t) ** 2, predictions, targets)


def hinge_loss(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    return _mean_loss("hinge", lambda s, y: torch.relu(1 - y * s), scores, labels)


def sgd_step(parameters: Sequence[Value], lr: float) -> None:
    for p in parameters:
        p.data = p.data - lr * p.grad


def fit(model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[float], steps: int,
        lr: float) -> list[float]:
    """The kata's gradient descent on mse_loss, with the data and parameters as tensors.

    A layer is one matrix product rather than a graph of scalars: the same
    arithmetic, and about fifty times faster here.
    """
    nin, nout = len(model.layers[0].neurons[0].w), len(model.layers[-1].neurons)
    if nout != 1:
        raise ValueError(f"fit needs a model with one output, not {nout}")
    if len(xs) != len(ys):
        raise ValueError(f"{len(xs)} outputs but {len(ys)} targets")
    if not xs:
        raise ValueError("a loss needs at least one output")
    for x in xs:
        if len(x) != nin:
            raise ValueError(f"this neuron takes {nin} inputs, not {len(x)}")
    inputs = torch.tensor([[float(v) for v in x] for x in xs], dtype=torch.float64)
    targets = torch.tensor([float(y) for y in ys], dtype=torch.float64)
    parameters = model.parameters()
    flat = torch.tensor([p.data for p in parameters], dtype=torch.float64)
    grad = torch.tensor([p.grad for p in parameters], dtype=torch.float64)
    losses = []
    for _ in range(steps):
        flat.requires_grad_()
        loss = ((model.on_batch(inputs, flat)[:, 0] - targets) ** 2).mean()
        (grad,) = torch.autograd.grad(loss, [flat])
        flat = (flat - lr * grad).detach()
        losses.append(loss.item())
    for p, data, g in zip(parameters, flat.tolist(), grad.tolist()):
        p.data, p.grad = data, g
    return losses
