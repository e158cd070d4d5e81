"""Exercise 0: derivatives, before any Value.

A derivative says how much a result moves when an input moves a little. It
can be estimated by moving the input and watching the result (numerically),
or computed exactly with the chain rule, by hand. Backpropagation is the
chain rule done by a program; these estimates are how you check it.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """df/dx at x by the central difference (f(x + h) - f(x - h)) / 2h.

    Its error shrinks like h**2: the h**2 terms of f(x + h) and f(x - h) cancel.
    """
    return (f(x + h) - f(x - h)) / (2 * h)


def one_sided_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """df/dx at x by the forward difference (f(x + h) - f(x)) / h, whose error shrinks only like h."""
    return (f(x + h) - f(x)) / h


def numerical_gradient(f: Callable[..., float], xs: Sequence[float], h: float = 1e-5) -> list[float]:
    """Every partial derivative of f at xs: move one input at a time, the others held still."""
    gradient = []
    for i in range(len(xs)):
        def along_i(xi: float, i: int = i) -> float:
            return f(*xs[:i], xi, *xs[i + 1:])
        gradient.append(numerical_derivative(along_i, xs[i], h))
    return gradient


def chain_rule_by_hand(a: float, b: float, c: float, f: float) -> dict[str, float]:
    """L = (a*b + c) * f, through e = a*b and d = e + c: L and every dL/d(...), by hand."""
    e = a * b
    d = e + c
    loss = d * f
    dl_dd = f  # L = d * f
    dl_df = d
    dl_de = dl_dd * 1.0  # d = e + c: dd/de = 1
    dl_dc = dl_dd * 1.0  # dd/dc = 1
    dl_da = dl_de * b  # e = a * b: de/da = b
    dl_db = dl_de * a  # de/db = a
    return {"L": loss, "dL/dd": dl_dd, "dL/de": dl_de, "dL/da": dl_da, "dL/db": dl_db,
            "dL/dc": dl_dc, "dL/df": dl_df}


def neuron_by_hand(x1: float, x2: float, w1: float, w2: float, b: float) -> dict[str, float]:
    """o = tanh(x1*w1 + x2*w2 + b): o and do/d(each input, weight and the bias), by hand."""
    n = x1 * w1 + x2 * w2 + b
    o = math.tanh(n)
    do_dn = 1.0 - o * o  # d tanh(n)/dn = 1 - tanh(n)**2
    return {"o": o, "do/dn": do_dn, "do/dx1": do_dn * w1, "do/dw1": do_dn * x1,
            "do/dx2": do_dn * w2, "do/dw2": do_dn * x2, "do/db": do_dn}
