"""Exercise 3, by PyTorch: a neuron is one node whose forward is a dot product and an activation."""

from __future__ import annotations

import random
from typing import Sequence

import torch

from kata.core.oracle.value import Forward, Operand, Value


class Module:
    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


ACTIVATIONS: dict[str, Forward] = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}


class Neuron(Module):
    def __init__(self, nin: int, activation: str = "tanh") -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, not {activation!r}")
        # The labels are the kata's contract, as in solutions/neuron.py: draw_dot shows them.
        self.w = [Value(random.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.activation = activation

    def __call__(self, x: Sequence[Operand]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"this neuron takes {len(self.w)} inputs, not {len(x)}")
        inputs = [v if isinstance(v, Value) else Value(v) for v in x]
        n, act = len(self.w), ACTIVATIONS[self.activation]

        def forward(*t: torch.Tensor) -> torch.Tensor:  # operands: w..., x..., b
            return act(torch.dot(torch.stack(t[:n]), torch.stack(t[n:2 * n])) + t[-1])

        return Value(0.0, (*self.w, *inputs, self.b), f"neuron:{self.activation}", _forward=forward)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]
