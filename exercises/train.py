"""Exercise 6: learning, by following the gradient of a loss downhill.

A loss is a single Value that measures how wrong the model is on some data:
zero when it is perfect, larger when it is worse. Taking the mean over the
examples, rather than the sum, keeps its size (and the size of its gradients)
the same whatever the number of examples, so one learning rate suits data
sets of any size.

After loss.backward(), each parameter's grad says which way the loss goes up
as that parameter grows. Stochastic gradient descent (SGD) moves each
parameter a small step, of size lr times its grad, the other way.

One training step always runs in this order:
1. forward: compute the predictions and the loss;
2. zero_grad: clear the parameters' old grads, since backward() adds to them;
3. backward: fill in the grads of this loss;
4. step: move every parameter against its grad.
"""

from __future__ import annotations

from typing import Sequence

from .mlp import MLP
from .value import Value


def mse_loss(predictions: Sequence[Value], targets: Sequence[float]) -> Value:
    """Return the mean squared error: the mean of (prediction - target)**2.

    Call `_check_pairs` first: it raises ValueError when the lengths differ
    or there are no predictions. Add the squares up as Values, so that the
    loss stays connected to the predictions, then divide by their count.
    """
    # TODO: check the inputs, then return the mean of the squared errors.
    raise NotImplementedError("exercise 6 (train): write mse_loss")


def hinge_loss(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """Return the mean of relu(1 - label * score), labels being -1 or +1.

    An example costs nothing once its score has the right sign by a margin of
    at least 1, and costs more the further it is from that. Call
    `_check_pairs` first, as in mse_loss.
    """
    # TODO: check the inputs, then return the mean hinge loss.
    raise NotImplementedError("exercise 6 (train): write hinge_loss")


def sgd_step(parameters: Sequence[Value], lr: float) -> None:
    """Move every parameter a step of size lr against its gradient.

    Change each parameter's data in place, by lr times its grad, downhill.
    Change data only: this step is not part of the graph to differentiate.
    """
    # TODO: update each parameter's data.
    raise NotImplementedError("exercise 6 (train): write sgd_step")


def fit(
    model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[float], steps: int, lr: float
) -> list[float]:
    """Run gradient descent on mse_loss over the whole data set; return each step's loss.

    Repeat `steps` times: predict every x with the model (pass each output
    through `_single_output`, which insists on a one-output model), compute
    mse_loss against ys, zero the model's grads, run backward on the loss,
    and take an sgd_step over the model's parameters with rate lr. Record the
    loss's data (a float, measured before that step's update).
    """
    # TODO: forward, zero_grad, backward, step; collect the losses.
    raise NotImplementedError("exercise 6 (train): write fit")


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
