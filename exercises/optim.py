"""Bonus exercise 8: optimizers that remember, momentum and Adam.

sgd_step (exercise 6) moves each parameter by lr times its grad, the grad of
this step only. It struggles in two common landscapes: along a long, gentle
slope its steps stay small, and across a narrow valley it zigzags from one
side to the other. An optimizer object fixes both by keeping something for
each parameter from one step to the next.

Momentum keeps a velocity v per parameter, starting at 0. Each step:

    v <- momentum * v + grad
    p <- p - lr * v

v adds up the past grads, each older one weighed by one more factor of
momentum (0.9: a grad counts for about the last ten steps). Grads that keep
their sign pile up and the steps grow; grads that flip sign cancel out and the
zigzag is damped. This is PyTorch's form (torch.optim.SGD with momentum).

Adam keeps two running averages per parameter, m of the grads and v of the
squared grads, both starting at 0, and counts its steps t (1 at the first).
Each step:

    m <- beta1 * m + (1 - beta1) * grad
    v <- beta2 * v + (1 - beta2) * grad**2
    m_hat <- m / (1 - beta1**t)
    v_hat <- v / (1 - beta2**t)
    p <- p - lr * m_hat / (sqrt(v_hat) + eps)

m_hat / sqrt(v_hat) is about +1 or -1 when the recent grads agree, whatever
their size, and nearer 0 when they disagree, so each parameter moves by about
lr at most: large grads do not make huge steps, nor tiny grads tiny ones. The
divisions by 1 - beta**t are the bias correction: m and v start at 0, so for
the first steps they are much smaller than the grads they average (after one
step, m is a tenth of the grad), and dividing by 1 - beta**t makes up for it
exactly. eps keeps the division finite when v_hat is 0.

Both read only each parameter's data and grad, and change only its data, so
they work with any list of Values: a model's parameters(), for one. Training
with one looks like:

    optimizer = Adam(model.parameters(), lr=0.05)
    for each step:
        loss = ...               # forward
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

fit_classifier is that loop for a classifier: an MLP with one output per
class, the mean cross-entropy (bonus exercise 7) over the data as its loss,
and either optimizer. With Adam it learns a three-armed spiral, where no
straight line separates the classes, in a hundred steps.
"""

from __future__ import annotations

import math
from typing import Sequence, Union

from .mlp import MLP
from .softmax import cross_entropy
from .value import Value


class Momentum:
    def __init__(self, parameters: Sequence[Value], lr: float, momentum: float = 0.9) -> None:
        """Keep the parameters as a list, lr and momentum, and one velocity per parameter, 0.0."""
        # TODO: store the parameters, lr and momentum; every velocity starts at 0.0.
        raise NotImplementedError("bonus exercise 8 (optim): write Momentum.__init__")

    def step(self) -> None:
        """For each parameter: v = momentum * v + grad, then data -= lr * v.

        Change the parameters' data only; leave their grads as they are.
        """
        # TODO: update each velocity, then move each parameter by lr times its velocity.
        raise NotImplementedError("bonus exercise 8 (optim): write Momentum.step")

    def zero_grad(self) -> None:
        """Set the grad of every parameter to 0.0, as Module.zero_grad does."""
        # TODO: set each parameter's grad to 0.0.
        raise NotImplementedError("bonus exercise 8 (optim): write Momentum.zero_grad")


class Adam:
    def __init__(self, parameters: Sequence[Value], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        """Keep the parameters as a list, lr, both betas and eps; m and v at 0.0 for every
        parameter; and the count of steps taken, 0."""
        # TODO: store the settings; m, v and the step count start at 0.
        raise NotImplementedError("bonus exercise 8 (optim): write Adam.__init__")

    def step(self) -> None:
        """Count this step (t = 1 the first time), then for each parameter update m and v,
        correct their bias, and move the data by lr * m_hat / (sqrt(v_hat) + eps).

        `math.sqrt` takes the square root of a float. Change data only, as in Momentum.
        """
        # TODO: t += 1, then the five lines of the update above, for every parameter.
        raise NotImplementedError("bonus exercise 8 (optim): write Adam.step")

    def zero_grad(self) -> None:
        """Set the grad of every parameter to 0.0."""
        # TODO: set each parameter's grad to 0.0.
        raise NotImplementedError("bonus exercise 8 (optim): write Adam.zero_grad")


def fit_classifier(model: MLP, xs: Sequence[Sequence[float]], labels: Sequence[int],
                   optimizer: Union[Momentum, Adam], steps: int) -> list[float]:
    """Train model to give each x its label, for `steps` steps; return each step's loss.

    Call `_check_data` first: it raises ValueError when the lengths differ or
    there is no data. Then repeat `steps` times: the loss is the mean, over
    the data, of cross_entropy(logits, label), the logits being model(x)
    passed through `_logits` (which insists on one output per class); then
    optimizer.zero_grad(), backward on the loss, optimizer.step(). Record the
    loss's data, measured before that step's update, as fit does.
    """
    # TODO: check the data; forward, zero_grad, backward, step; collect the losses.
    raise NotImplementedError("bonus exercise 8 (optim): write fit_classifier")


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
