"""An independent correct submission, written from the exercises' docstrings in plain lecture
style (not from solutions/): the kata's tests use it to check the student copy end to end, and
the benchmarks to measure speed on a learner's own engine."""

from __future__ import annotations

import math
from typing import Callable, Union

from .backward import backward

Number = Union[int, float]
Operand = Union["Value", int, float]


class Value:
    """A scalar node in a computation graph."""

    def __init__(
        self,
        data: Number,
        _children: tuple[Value, ...] = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._backward: Callable[[], None] = lambda: None
        self._prev = tuple(_children)
        self._op = _op

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    def __add__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad
        out._backward = _backward
        return out

    def __mul__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __truediv__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        other = other if isinstance(other, Value) else Value(other)
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {self.data} / {other.data}")
        out = Value(self.data / other.data, (self, other), "/")

        def _backward() -> None:
            self.grad += (1.0 / other.data) * out.grad
            other.grad += (-self.data / other.data**2) * out.grad
        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        if not isinstance(exponent, (int, float)):
            raise TypeError("only an int or float exponent is supported")
        if self.data < 0 and not float(exponent).is_integer():
            raise ValueError(f"{self.data} ** {exponent} has no real result")
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward() -> None:
            self.grad += (exponent * self.data ** (exponent - 1)) * out.grad
        out._backward = _backward
        return out

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        return self + (-other)

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __rsub__(self, other: Number) -> Value:
        if not isinstance(other, (int, float)):
            return NotImplemented
        return Value(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        if not isinstance(other, (int, float)):
            return NotImplemented
        return Value(other) / self

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad
        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log is only defined for x > 0, not {self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += (1.0 / self.data) * out.grad
        out._backward = _backward
        return out

    def tanh(self) -> Value:
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward() -> None:
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad
        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1.0 + e)
        out = Value(s, (self,), "sigmoid")

        def _backward() -> None:
            self.grad += s * (1 - s) * out.grad
        out._backward = _backward
        return out

    def backward(self) -> None:
        backward(self)
