"""Exercise 4: a layer, several neurons that read the same inputs.

A layer of nout neurons is nout neurons side by side. Every neuron sees the
whole input and gives one number, so a layer turns nin inputs into nout
outputs. Because each neuron starts with its own random weights, each one
can learn to pick out something different.

A layer's parameters are simply all of its neurons' parameters, and
Module.zero_grad() then works for a layer without any new code.
"""

from __future__ import annotations

from typing import Sequence, Union

from .neuron import Module, Neuron
from .value import Value


class Layer(Module):
    # Set in __init__ (declared here so that __repr__ can use it).
    neurons: list[Neuron]

    def __init__(self, nin: int, nout: int, activation: str = "tanh") -> None:
        """Create `neurons`: a list of nout neurons, each taking nin inputs.

        Every neuron uses the activation given.
        """
        # TODO: create the list of neurons.
        raise NotImplementedError("exercise 4 (layer): write Layer.__init__")

    def __call__(self, x: Sequence[Union[Value, float]]) -> list[Value]:
        """Return a list with each neuron's output for the same inputs x, in order."""
        # TODO: call every neuron on x.
        raise NotImplementedError("exercise 4 (layer): write Layer.__call__")

    def parameters(self) -> list[Value]:
        """Return every neuron's parameters in one flat list, neuron by neuron."""
        # TODO: gather the neurons' parameters.
        raise NotImplementedError("exercise 4 (layer): write Layer.parameters")

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(map(repr, self.neurons))}]"
