"""Exercise 1, by PyTorch: a Value wraps a scalar tensor; its local derivatives come from
torch.autograd."""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Union

import torch

from kata.core.oracle import leaf
from kata.core.oracle.backward import backward

Operand = Union["Value", int, float]
Forward = Callable[..., torch.Tensor]


class Value:
    def __init__(
        self,
        data: float,
        _children: tuple[Value, ...] = (),
        _op: str = "",
        label: str = "",
        *,
        _forward: Optional[Forward] = None,
    ) -> None:
        self.grad = 0.0
        self.label = label
        self._prev = tuple(_children)
        self._op = _op
        self._forward = _forward
        if _forward is None:
            self.tensor = leaf(data)
        else:
            self.tensor = _forward(*(child.tensor for child in self._prev))

    @property
    def data(self) -> float:
        return float(self.tensor.item())

    @data.setter
    def data(self, x: float) -> None:
        self.tensor = leaf(x)  # a new leaf: graphs built from now on use it

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    def _apply(self, op: str, forward: Forward, *others: Value) -> Value:
        return Value(0.0, (self, *others), op, _forward=forward)

    def _backward(self) -> None:
        """Add d(self)/d(operand) * self.grad to each operand, other operands held fixed."""
        if self._forward is None:
            return  # a leaf
        unique = list({id(child): child for child in self._prev}.values())
        # Detached copies: the local derivative only, not paths through earlier nodes.
        copies = {id(child): child.tensor.detach().requires_grad_() for child in unique}
        out = self._forward(*(copies[id(child)] for child in self._prev))
        # No grad_outputs tensor: passing one makes PyTorch import SymPy, half a second.
        local_grads = torch.autograd.grad(out, [copies[id(c)] for c in unique], allow_unused=True)
        for child, local in zip(unique, local_grads):
            child.grad += 0.0 if local is None else local.item() * self.grad

    def __add__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else self._apply("+", torch.add, o)

    def __mul__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else self._apply("*", torch.mul, o)

    def __sub__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else self._apply("-", torch.sub, o)

    def __truediv__(self, other: Operand) -> Value:
        o = _operand(other)
        if o is None:
            return NotImplemented
        if o.data == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {self.data!r} / 0.0")
        return self._apply("/", torch.div, o)

    def __radd__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else o + self

    def __rmul__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else o * self

    def __rsub__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else o - self

    def __rtruediv__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else o / self

    def __neg__(self) -> Value:
        return self._apply("neg", torch.neg)

    def __pow__(self, exponent: Any) -> Value:
        if type(exponent) not in (int, float):
            raise TypeError(f"Value ** {type(exponent).__name__} is not supported: int or float only")
        if self.data < 0 and not float(exponent).is_integer():
            raise ValueError(f"Value ** {exponent!r} of a negative number is not real")
        if self.data == 0 and exponent < 0:
            raise ZeroDivisionError(f"0.0 ** {exponent!r}")
        return self._apply(f"**{exponent}", lambda t: torch.pow(t, exponent))

    def exp(self) -> Value:
        if self.data > math.log(torch.finfo(torch.float64).max):
            raise OverflowError(f"exp({self.data!r}) is too large for a float")
        return self._apply("exp", torch.exp)

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number: {self.data!r}")
        return self._apply("log", torch.log)

    def tanh(self) -> Value:
        return self._apply("tanh", torch.tanh)

    def relu(self) -> Value:
        return self._apply("relu", torch.relu)

    def sigmoid(self) -> Value:
        return self._apply("sigmoid", torch.sigmoid)

    def backward(self) -> None:
        backward(self)


def _operand(x: object) -> Optional[Value]:
    if isinstance(x, Value):
        return x
    if type(x) in (int, float, bool):
        return Value(float(x))  # type: ignore[arg-type]
    return None
