"""Exercise 1: a scalar that remembers how it was made.

Each operation returns a new Value whose `_prev` holds its operands and whose
`_backward` adds, to each operand's grad, the local derivative times the
output's grad (the chain rule, one step).
"""

from __future__ import annotations

import math
from typing import Callable, Union

from .backward import backward

Number = Union[int, float]
Operand = Union["Value", int, float]


def _no_local_derivative() -> None:
    """A leaf has no operands, so there is nothing to pass its grad on to."""


class Value:
    """A scalar node in a computation graph."""

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_backward")

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
        self._prev = tuple(_children)
        self._op = _op
        self._backward: Callable[[], None] = _no_local_derivative

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    # Binary operations: forward value, then each operand's local derivative.

    def __add__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:  # d(a+b)/da = 1, d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:  # d(a*b)/da = b, d(a*b)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        other = _as_value(other)
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {self.data!r} / 0.0")
        out = Value(self.data / other.data, (self, other), "/")

        def _backward() -> None:  # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2
            self.grad += out.grad / other.data
            other.grad += -self.data / other.data**2 * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: Number) -> Value:
        if isinstance(exponent, Value) or not isinstance(exponent, (int, float)):
            raise TypeError(
                "Value ** exponent supports an int or float exponent only, "
                f"not {type(exponent).__name__}"
            )
        if self.data < 0 and not float(exponent).is_integer():
            raise ValueError(
                f"Value ** {exponent!r} of a negative number {self.data!r} is not real"
            )
        out = Value(self.data**exponent, (self,), f"**{exponent}")

        def _backward() -> None:  # d(x**k)/dx = k * x**(k-1)
            self.grad += exponent * self.data ** (exponent - 1) * out.grad

        out._backward = _backward
        return out

    # The rest of the arithmetic is built from the operations above.

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        return self + (-_as_value(other))

    def __radd__(self, other: Number) -> Value:  # other + self
        return self + other

    def __rmul__(self, other: Number) -> Value:  # other * self
        return self * other

    def __rsub__(self, other: Number) -> Value:  # other - self, not self - other
        if not isinstance(other, (int, float)):
            return NotImplemented
        return Value(other) - self

    def __rtruediv__(self, other: Number) -> Value:  # other / self
        if not isinstance(other, (int, float)):
            return NotImplemented
        return Value(other) / self

    # Functions of one operand.

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:  # d(e**x)/dx = e**x
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number: {self.data!r}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:  # d(ln x)/dx = 1/x
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        # math.tanh, not (e**2x - 1)/(e**2x + 1), which overflows near x = 1000.
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:  # d(tanh x)/dx = 1 - tanh(x)**2
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(0.0, self.data), (self,), "relu")

        def _backward() -> None:  # 1 where x > 0, else 0 (0 at x = 0, as PyTorch)
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        # Two forms so that math.exp only sees non-positive numbers: no overflow.
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1.0 + e)
        out = Value(s, (self,), "sigmoid")

        def _backward() -> None:  # d(sigmoid x)/dx = s * (1 - s)
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        """Fill in the grad of every node this Value depends on."""
        backward(self)


def _as_value(x: Operand) -> Value:
    return x if isinstance(x, Value) else Value(x)
