"""Exercise 5: a multi-layer perceptron, layers applied one after another.

An MLP feeds its input to the first layer, that layer's outputs to the
second, and so on; the last layer's outputs are the answer. MLP(3, [4, 4, 1])
has three layers: 3 inputs to 4, 4 to 4, and 4 to 1 output.

The hidden layers use the nonlinear activation, which is what lets the
network model more than a straight line. The last layer is linear: tanh
would squash every prediction into (-1, 1) and relu would forbid negative
ones, while a regression target may be any number.
"""

from __future__ import annotations

from typing import Sequence, Union

from .layer import Layer
from .neuron import Module
from .value import Value


class MLP(Module):
    # Set in __init__ (declared here so that __repr__ can use it).
    layers: list[Layer]

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "tanh") -> None:
        """Create `layers`, one Layer per entry of nouts.

        Layer i takes as many inputs as the layer before it has outputs (the
        first takes nin) and has nouts[i] outputs. Every layer uses the
        activation given, except the last, which is "linear".
        """
        # TODO: create the layers, the last one linear.
        raise NotImplementedError("exercise 5 (mlp): write MLP.__init__")

    def __call__(self, x: Sequence[Union[Value, float]]) -> Union[Value, list[Value]]:
        """Feed x through every layer in turn and return the last layer's outputs.

        When there is a single output, return that Value itself rather than a
        list of one, so that a one-output network reads like a function. With
        several outputs return them as a list.
        """
        # TODO: apply the layers in order, then unwrap a single output.
        raise NotImplementedError("exercise 5 (mlp): write MLP.__call__")

    def parameters(self) -> list[Value]:
        """Return every layer's parameters in one flat list, layer by layer."""
        # TODO: gather the layers' parameters.
        raise NotImplementedError("exercise 5 (mlp): write MLP.parameters")

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(repr, self.layers))}]"
