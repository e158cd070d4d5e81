"""Exercise 5: a multi-layer perceptron; the last layer is linear."""

from __future__ import annotations

from typing import Sequence, Union

from .layer import Layer
from .neuron import Module
from .value import Value


class MLP(Module):
    layers: list[Layer]

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "tanh") -> None:
        sz = [nin] + list(nouts)
        self.layers = [Layer(sz[i], sz[i + 1], activation if i < len(nouts) - 1 else "linear")
                       for i in range(len(nouts))]

    def __call__(self, x: Sequence[Union[Value, float]]) -> Union[Value, list[Value]]:
        out = self.layers[0](x)
        for layer in self.layers[1:]:
            out = layer(out)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(repr, self.layers))}]"
