"""Exercise 4: a layer, several neurons that read the same inputs."""

from __future__ import annotations

from typing import Sequence, Union

from .neuron import Module, Neuron
from .value import Value


class Layer(Module):
    def __init__(self, nin: int, nout: int, activation: str = "tanh") -> None:
        self.neurons = [Neuron(nin, activation) for _ in range(nout)]

    def __call__(self, x: Sequence[Union[Value, float]]) -> list[Value]:
        return [neuron(x) for neuron in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(map(repr, self.neurons))}]"
