"""Exercise 3: a neuron, the first thing with parameters to learn.

A neuron computes activation(w . x + b). Its weights and bias are ordinary
Values, so backward() fills in how the loss changes with each of them.
"""

from __future__ import annotations

import random
from typing import Sequence, Union

from .value import Value, _result

ACTIVATIONS = ("tanh", "relu", "linear")


class Module:
    """Anything with parameters: a Neuron, a Layer, an MLP."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Forget old gradients: backward() adds to the grads of parameters."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    def __init__(self, nin: int, activation: str = "tanh") -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, not {activation!r}")
        self.w = [Value(random.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.activation = activation

    def __call__(self, x: Sequence[Union[Value, float]]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"this neuron takes {len(self.w)} inputs, not {len(x)}")
        inputs = [xi if isinstance(xi, Value) else Value(xi) for xi in x]
        # The textbook form, as the stub puts it, is one product and one sum per input:
        #     z = sum((wi * xi for wi, xi in zip(self.w, inputs)), self.b)
        # That is 2n + 1 nodes. Here the same number is one node, made as every operation makes
        # its node, through _result: its local derivatives are d/dw_i = x_i, d/dx_i = w_i and
        # d/db = 1, and training builds several times fewer nodes.
        z = _result(sum(wi.data * xi.data for wi, xi in zip(self.w, inputs)) + self.b.data,
                    (*self.w, *inputs, self.b), "w·x+b",
                    (*(xi.data for xi in inputs), *(wi.data for wi in self.w), 1.0))
        if self.activation == "tanh":
            return z.tanh()
        if self.activation == "relu":
            return z.relu()
        return z

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"
