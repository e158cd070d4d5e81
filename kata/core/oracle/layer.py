"""Exercise 4, by PyTorch: a layer's neurons, and the same layer on a batch as one matrix product."""

from __future__ import annotations

from typing import Sequence

import torch

from kata.core.oracle.neuron import ACTIVATIONS, Module, Neuron
from kata.core.oracle.value import Operand, Value


class Layer(Module):
    def __init__(self, nin: int, nout: int, activation: str = "tanh") -> None:
        self.neurons = [Neuron(nin, activation) for _ in range(nout)]
        self.activation = activation

    def __call__(self, x: Sequence[Operand]) -> list[Value]:
        return [neuron(x) for neuron in self.neurons]

    def on_batch(self, inputs: torch.Tensor, parameters: torch.Tensor) -> torch.Tensor:
        """Every row of inputs at once; parameters lists each neuron's w..., b as parameters() does."""
        table = parameters.view(len(self.neurons), -1)
        return ACTIVATIONS[self.activation](inputs @ table[:, :-1].T + table[:, -1])

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]
