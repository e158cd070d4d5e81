"""Exercise 1: a scalar that remembers how it was made.

A Value is one node of a computation graph. It holds a number (`data`), the
gradient of the final result with respect to that number (`grad`, 0.0 until
backward() fills it in), the operands it was computed from (`_prev`), the
name of the operation that made it (`_op`), and, beside the operands, the
local derivative of this node with respect to each of them (`_local_grads`).

Every operation does two jobs. Going forward it computes the output number.
It also records the local derivatives: how much the output moves when one
operand moves a little, with the other operands held still. For out = a * b
they are d(out)/da = b and d(out)/db = a, so `__mul__` records (b, a).

Going backward, the chain rule says that the final result's gradient with
respect to an operand is that local derivative times out.grad. So one step
of backpropagation, `_backward`, is the same for every operation:

    for each operand with its local derivative:
        operand.grad += local derivative * out.grad

It is `+=`, never `=`, because one Value may be used more than once: in
a * a, or when x feeds two different neurons. Each use contributes its own
share of the gradient, and the shares add up. With `=` the last use would
overwrite the others.

The pattern for each operation: check the operand, then return
`_result(forward value, operands, op name, local derivatives)`. The helper
`_result` is written for you below.
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
    _local_grads: tuple[float, ...]  # set in __init__, filled in by _result

    def __init__(
        self,
        data: Number,
        _children: tuple[Value, ...] = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        """Store the node's fields.

        Set `data` to the number as a float, `grad` to 0.0, `label` as given,
        `_prev` to the operands as a tuple, `_op` as given, and `_local_grads`
        to the empty tuple (a new node is a leaf until `_result` records its
        local derivatives). Annotate it as `tuple[float, ...]`.

        The label is a name for drawings (`kata.learner.draw.draw_dot` shows it in the
        Value's box) and is graded: Value(2.0, label="x").label is "x". A
        Value made without one has label "", and so does every result of an
        operation (`_result` gives it none; the op name goes in `_op`).
        """
        # TODO: set data, grad, label, _prev, _op and _local_grads.
        raise NotImplementedError("exercise 1 (value): write Value.__init__")

    def __repr__(self) -> str:
        """Return the node as text, for example `Value(data=2.0, grad=0.0)`.

        Use the repr of the two floats, so that the text shows them exactly.
        """
        # TODO: return "Value(data=..., grad=...)".
        raise NotImplementedError("exercise 1 (value): write Value.__repr__")

    def _backward(self) -> None:
        """One step of the chain rule: pass this node's grad on to its operands.

        For each operand, paired with its local derivative from
        `_local_grads`, add local derivative * self.grad to operand.grad.
        Add, never assign: an operand used twice must get both shares.
        A leaf has no operands, so for it this does nothing.
        """
        # TODO: for operand, local in zip(...): operand.grad += ...
        raise NotImplementedError("exercise 1 (value): write Value._backward")

    # Binary operations: forward value, then each operand's local derivative.

    def __add__(self, other: Operand) -> Value:
        """Return self + other.

        Forward: a + b.  Local derivatives: d(a+b)/da = 1, d(a+b)/db = 1.

        If other is not a Value, int or float, return NotImplemented (do not
        raise): Python then tries the other operand and finally raises
        TypeError itself. Wrap a plain number with `_as_value` before use,
        then return `_result(...)` with the two local derivatives.
        """
        # TODO: return _result(...) with the sum and its two local derivatives.
        raise NotImplementedError("exercise 1 (value): write Value.__add__")

    def __mul__(self, other: Operand) -> Value:
        """Return self * other.

        Forward: a * b.  Local derivatives: d(a*b)/da = b, d(a*b)/db = a.

        Each operand's share uses the other operand's data. A non-number
        operand returns NotImplemented, as in `__add__`.
        """
        # TODO: return _result with the product and its two local derivatives.
        raise NotImplementedError("exercise 1 (value): write Value.__mul__")

    def __truediv__(self, other: Operand) -> Value:
        """Return self / other.

        Forward: a / b.  Local derivatives: d(a/b)/da = 1/b,
        d(a/b)/db = -a / b**2.

        A non-number operand returns NotImplemented. A divisor equal to 0.0
        (a number or a Value) raises ZeroDivisionError before anything is
        built, with a message that names the operation, for example
        "Value division by zero: 1.0 / 0.0".
        """
        # TODO: check for a zero divisor, then return _result with 1/b and -a/b**2.
        raise NotImplementedError("exercise 1 (value): write Value.__truediv__")

    def __pow__(self, exponent: Number) -> Value:
        """Return self ** exponent, for a constant exponent k.

        Forward: x ** k.  Local derivative: d(x**k)/dx = k * x**(k-1).
        The exponent is a constant, not a node, so it gets no grad and is not
        one of the output's operands; put it in the op name, such as "**2".

        Only an int or float exponent is supported: a Value (or anything else)
        raises TypeError with a message saying an int or float exponent is
        supported. A negative base with a non-integer exponent has no real
        result, so raise ValueError for it.
        """
        # TODO: check the exponent and the base, then return _result.
        raise NotImplementedError("exercise 1 (value): write Value.__pow__")

    # The rest of the arithmetic is built from the operations above.

    def __neg__(self) -> Value:
        """Return -self.

        Forward: -x.  Local derivative: -1. Multiplying by -1 reuses
        `__mul__`, which already records its derivatives, so nothing new is
        needed.
        """
        # TODO: express -self with an operation you already have.
        raise NotImplementedError("exercise 1 (value): write Value.__neg__")

    def __sub__(self, other: Operand) -> Value:
        """Return self - other.

        Forward: a - b.  Local derivatives: d(a-b)/da = 1, d(a-b)/db = -1.
        Write it as a + (-b) so that `__add__` and `__neg__` do the work.
        A non-number operand returns NotImplemented.
        """
        # TODO: express self - other with addition and negation.
        raise NotImplementedError("exercise 1 (value): write Value.__sub__")

    def __radd__(self, other: Number) -> Value:
        """Return other + self, for a plain number on the left, as in 2 + x.

        Python calls this when `int.__add__` gives up. Addition commutes, so
        this is self + other.
        """
        # TODO: reuse __add__.
        raise NotImplementedError("exercise 1 (value): write Value.__radd__")

    def __rmul__(self, other: Number) -> Value:
        """Return other * self, for a plain number on the left, as in 2 * x.

        Multiplication commutes, so this is self * other.
        """
        # TODO: reuse __mul__.
        raise NotImplementedError("exercise 1 (value): write Value.__rmul__")

    def __rsub__(self, other: Number) -> Value:
        """Return other - self, for a plain number on the left, as in 1 - x.

        Careful: this is other - self, not self - other (subtraction does not
        commute). Turn other into a Value and subtract self from it.
        If other is not an int or float, return NotImplemented.
        """
        # TODO: compute other - self.
        raise NotImplementedError("exercise 1 (value): write Value.__rsub__")

    def __rtruediv__(self, other: Number) -> Value:
        """Return other / self, for a plain number on the left, as in 1 / x.

        Careful: this is other / self, not self / other. Turn other into a
        Value and divide it by self, so that a zero self raises
        ZeroDivisionError exactly as in `__truediv__`. If other is not an int
        or float, return NotImplemented.
        """
        # TODO: compute other / self.
        raise NotImplementedError("exercise 1 (value): write Value.__rtruediv__")

    # Functions of one operand.

    def exp(self) -> Value:
        """Return e ** self.

        Forward: e**x (use math.exp).  Local derivative: d(e**x)/dx = e**x,
        which is the output's own data, so there is no need to compute it
        twice.
        """
        # TODO: return _result with the forward value and its local derivative.
        raise NotImplementedError("exercise 1 (value): write Value.exp")

    def log(self) -> Value:
        """Return the natural logarithm of self.

        Forward: ln x (use math.log).  Local derivative: d(ln x)/dx = 1/x.
        The logarithm is only defined for x > 0: zero or a negative number
        raises ValueError.
        """
        # TODO: check the domain, then return _result.
        raise NotImplementedError("exercise 1 (value): write Value.log")

    def tanh(self) -> Value:
        """Return the hyperbolic tangent of self.

        Forward: tanh x.  Local derivative: d(tanh x)/dx = 1 - tanh(x)**2,
        which reuses the output's data.

        Use math.tanh. Building it from exponentials, (e**2x - 1)/(e**2x + 1),
        overflows: tanh must return 1.0 at x = 1000, not raise.
        """
        # TODO: compute t = math.tanh(x), then return _result with 1 - t*t.
        raise NotImplementedError("exercise 1 (value): write Value.tanh")

    def relu(self) -> Value:
        """Return max(0, self), the rectified linear unit.

        Forward: x where x > 0, else 0.  Local derivative: 1 where x > 0,
        else 0. At exactly x = 0 the derivative is taken to be 0, as PyTorch
        does.
        """
        # TODO: return _result with the forward value and its local derivative.
        raise NotImplementedError("exercise 1 (value): write Value.relu")

    def sigmoid(self) -> Value:
        """Return the logistic sigmoid of self, 1 / (1 + e**-x).

        Forward: s = 1 / (1 + e**-x).  Local derivative: s * (1 - s).

        The formula as written overflows for a large negative x, because
        e**-x becomes huge. For a negative x use the equal form
        e**x / (1 + e**x) instead, so math.exp only ever sees a number that
        is zero or below.
        """
        # TODO: compute s without overflow, then return _result with s * (1 - s).
        raise NotImplementedError("exercise 1 (value): write Value.sigmoid")

    def backward(self) -> None:
        """Fill in the grad of every node this Value depends on.

        The work belongs to exercise 2: call the `backward` function
        imported from .backward, passing this Value as the root.
        """
        # TODO: hand this Value to backward() from backward.py.
        raise NotImplementedError("exercise 1 (value): write Value.backward")


def _result(data: float, operands: tuple[Value, ...], op: str,
            local_grads: tuple[float, ...]) -> Value:
    """A new node: its value, its operands, and d(node)/d(operand) for each operand."""
    out = Value(data, operands, op)
    out._local_grads = local_grads
    return out


def _as_value(x: Operand) -> Value:
    # Lets the operations treat 2 and Value(2.0) alike.
    return x if isinstance(x, Value) else Value(x)
