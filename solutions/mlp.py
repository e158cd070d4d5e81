"""Exercise 5: a multi-layer perceptron, layers applied one after another."""

from __future__ import annotations

from typing import Sequence, Union

from .layer import Layer
from .neuron import Module
from .value import Value


class MLP(Module):
    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "tanh") -> None:
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        # The last layer is linear so that outputs are not squashed into a range.
        self.layers = [
            Layer(sizes[i], sizes[i + 1], activation if i < last else "linear")
            for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Union[Value, float]]) -> Union[Value, list[Value]]:
        outputs = self.layers[0](x)
        for layer in self.layers[1:]:
            outputs = layer(outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(map(repr, self.layers))}]"
