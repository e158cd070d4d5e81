"""Exercise 4: a layer, several neurons that read the same inputs."""

from __future__ import annotations

from typing import Sequence, Union

from .neuron import Module, Neuron
from .value import Value


class Layer(Module):
    neurons: list[Neuron]

    def __init__(self, nin: int, nout: int, activation: str = "tanh") -> None:
        self.neurons = [Neuron(nin, activation) for _ in range(nout)]

    def __call__(self, x: Sequence[Union[Value, float]]) -> list[Value]:
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(map(repr, self.neurons))}]"
