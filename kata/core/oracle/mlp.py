"""Exercise 5, by PyTorch: layers one after another, and on a batch."""

from __future__ import annotations

from typing import Sequence, Union

import torch

from kata.core.oracle.layer import Layer
from kata.core.oracle.neuron import Module
from kata.core.oracle.value import Operand, Value


class MLP(Module):
    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "tanh") -> None:
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else "linear")
                       for i in range(len(nouts))]

    def __call__(self, x: Sequence[Operand]) -> Union[Value, list[Value]]:
        outputs = self.layers[0](x)
        for layer in self.layers[1:]:
            outputs = layer(outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def on_batch(self, inputs: torch.Tensor, parameters: torch.Tensor) -> torch.Tensor:
        """The outputs for every row of inputs, with parameters laid out as parameters() lists them."""
        start = 0
        for layer in self.layers:
            count = len(layer.parameters())
            inputs = layer.on_batch(inputs, parameters[start:start + count])
            start += count
        return inputs

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]
