"""Exercise 1: a scalar that remembers how it was made.

Each operation returns a new Value that keeps its operands in `_prev` and,
beside them in `_local_grads`, the local derivative of the result with
respect to each operand. `_backward` applies one step of the chain rule:
every operand's grad grows by its local derivative times the result's grad.
"""

from __future__ import annotations

import math
from typing import Union

from .backward import backward

Number = Union[int, float]
Operand = Union["Value", int, float]


class Value:
    """A scalar node in a computation graph."""

    # Slots keep each node small. A node refers only to its operands, never to
    # itself, so a graph is freed as soon as it is unused: no reference cycles.
    __slots__ = ("data", "grad", "label", "_prev", "_op", "_local_grads")

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
        # A tuple, in order: a * a lists a twice, and _local_grads pairs with the operands one
        # by one. A set would keep a once and lose the pairing.
        self._prev = tuple(_children)
        self._op = _op
        self._local_grads: tuple[float, ...] = ()  # d(self)/d(operand), one per operand

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    def _backward(self) -> None:
        """The chain rule, one step: += because an operand may be used more than once."""
        for operand, local_grad in zip(self._prev, self._local_grads):
            operand.grad += local_grad * self.grad

    # Each operation: the forward value, then the local derivative for each operand.

    def __add__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        other = _as_value(other)
        return _result(self.data + other.data, (self, other), "+",
                       (1.0, 1.0))  # d(a+b)/da = 1, d(a+b)/db = 1

    def __mul__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        other = _as_value(other)
        return _result(self.data * other.data, (self, other), "*",
                       (other.data, self.data))  # d(a*b)/da = b, d(a*b)/db = a

    def __truediv__(self, other: Operand) -> Value:
        if not isinstance(other, (Value, int, float)):
            return NotImplemented
        other = _as_value(other)
        if other.data == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {self.data!r} / 0.0")
        return _result(self.data / other.data, (self, other), "/",
                       (1.0 / other.data, -self.data / other.data**2))  # 1/b, -a/b**2

    def __pow__(self, exponent: Number) -> Value:
        if not isinstance(exponent, (int, float)):  # a Value among them: x ** y needs ln x in its grad
            raise TypeError(
                "Value ** exponent supports an int or float exponent only, "
                f"not {type(exponent).__name__}"
            )
        if self.data < 0 and not float(exponent).is_integer():
            raise ValueError(
                f"Value ** {exponent!r} of a negative number {self.data!r} is not real"
            )
        return _result(self.data**exponent, (self,), f"**{exponent}",
                       (exponent * self.data ** (exponent - 1),))  # d(x**k)/dx = k x**(k-1)

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
        e = math.exp(self.data)
        return _result(e, (self,), "exp", (e,))  # d(e**x)/dx = e**x

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number: {self.data!r}")
        return _result(math.log(self.data), (self,), "log", (1.0 / self.data,))  # 1/x

    def tanh(self) -> Value:
        # math.tanh, not (e**2x - 1)/(e**2x + 1), which overflows near x = 1000.
        t = math.tanh(self.data)
        return _result(t, (self,), "tanh", (1.0 - t * t,))  # 1 - tanh(x)**2

    def relu(self) -> Value:
        # The derivative at exactly 0 is taken as 0, as PyTorch does.
        return _result(max(0.0, self.data), (self,), "relu", (1.0 if self.data > 0 else 0.0,))

    def sigmoid(self) -> Value:
        # Two forms so that math.exp only sees non-positive numbers: no overflow.
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1.0 + e)
        return _result(s, (self,), "sigmoid", (s * (1.0 - s),))  # s * (1 - s)

    def backward(self) -> None:
        """Fill in the grad of every node this Value depends on."""
        backward(self)


def _result(data: float, operands: tuple[Value, ...], op: str,
            local_grads: tuple[float, ...]) -> Value:
    """A new node: its value, its operands, and d(node)/d(operand) for each operand."""
    out = Value(data, operands, op)
    out._local_grads = local_grads
    return out


def _as_value(x: Operand) -> Value:
    return x if isinstance(x, Value) else Value(x)
