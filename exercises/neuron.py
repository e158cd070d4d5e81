"""Exercise 3: a neuron, the first thing with parameters to learn.

A neuron takes n inputs x, multiplies each by its own weight, adds them up
with a bias b, and passes the sum through an activation:
activation(w . x + b). The activation ("tanh" or "relu") bends the straight
line, so that stacking neurons can model curves; "linear" leaves the sum as
it is.

The weights and the bias are the neuron's parameters: the numbers training
will change. They are ordinary Values, so after loss.backward() each one's
grad says how the loss moves when that parameter moves.

backward() adds to the grads of leaves; it never clears them. Parameters are
leaves, so before each new backward pass their grads must be set back to
zero, or the gradients of earlier steps would pile up. That is zero_grad().
"""

from __future__ import annotations

import random
from typing import Sequence, Union

from .value import Value

ACTIVATIONS = ("tanh", "relu", "linear")


class Module:
    """Anything with parameters: a Neuron, a Layer, an MLP."""

    def parameters(self) -> list[Value]:
        # No parameters by default; subclasses list theirs.
        return []

    def zero_grad(self) -> None:
        """Forget old gradients: backward() adds to the grads of parameters.

        Set the grad of every Value in self.parameters() to 0.0. Written once
        here, it works for every subclass that lists its parameters.
        """
        # TODO: set each parameter's grad to 0.0.
        raise NotImplementedError("exercise 3 (neuron): write Module.zero_grad")


class Neuron(Module):
    # Set in __init__ (declared here so that __repr__ can use them).
    w: list[Value]
    b: Value
    activation: str

    def __init__(self, nin: int, activation: str = "tanh") -> None:
        """Create a neuron with nin inputs.

        An activation not in ACTIVATIONS raises ValueError. Then set:
        - `w`: nin weights, each a Value drawn with random.uniform(-1, 1) and
          labelled "w0", "w1", ... (random weights make neurons differ; equal
          weights would all learn the same thing);
        - `b`: the bias, Value(0.0) labelled "b";
        - `activation`: the name given.
        The labels are graded: Neuron(3)'s are "w0", "w1", "w2" and "b", the
        names `kata.learner.draw.draw_dot` shows for them.
        """
        # TODO: check the activation, then create w, b and activation.
        raise NotImplementedError("exercise 3 (neuron): write Neuron.__init__")

    def __call__(self, x: Sequence[Union[Value, float]]) -> Value:
        """Return activation(w . x + b) for the inputs x.

        x must have exactly one entry per weight, else raise ValueError.
        Build the sum as Values (the inputs may be plain floats: Value
        arithmetic accepts them), starting from the bias; then apply tanh or
        relu, or return the sum unchanged for "linear".

        Once that works, a faster way: w . x + b is a function whose local
        derivatives you know (d/dw_i = x_i, d/dx_i = w_i, d/db = 1), so it can
        be a single node, with the weights, the inputs and the bias as its
        operands. One node instead of 2n + 1 makes training several times faster.
        """
        # TODO: check the input length, compute w . x + b, apply the activation.
        raise NotImplementedError("exercise 3 (neuron): write Neuron.__call__")

    def parameters(self) -> list[Value]:
        """Return the weights in order, then the bias, as a new list."""
        # TODO: list the weights, then the bias.
        raise NotImplementedError("exercise 3 (neuron): write Neuron.parameters")

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"
