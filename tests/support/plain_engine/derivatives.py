"""Exercise 0: derivatives, numerically and by hand with the chain rule."""

from __future__ import annotations

import math
from typing import Callable, Sequence


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """df/dx at x by the central difference."""
    return (f(x + h) - f(x - h)) / (2 * h)


def one_sided_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """df/dx at x by the forward difference."""
    return (f(x + h) - f(x)) / h


def numerical_gradient(f: Callable[..., float], xs: Sequence[float], h: float = 1e-5) -> list[float]:
    """Every partial derivative of f(*xs), by central differences."""
    gradient = []
    for i in range(len(xs)):

        def f_i(xi: float) -> float:
            args = list(xs)
            args[i] = xi
            return f(*args)

        gradient.append(numerical_derivative(f_i, xs[i], h))
    return gradient


def chain_rule_by_hand(a: float, b: float, c: float, f: float) -> dict[str, float]:
    """L = (a*b + c) * f and its derivatives, by hand."""
    e = a * b
    d = e + c
    L = d * f
    dL_dd = f
    dL_df = d
    dL_de = dL_dd * 1.0
    dL_dc = dL_dd * 1.0
    dL_da = dL_de * b
    dL_db = dL_de * a
    return {"L": L, "dL/dd": dL_dd, "dL/de": dL_de, "dL/da": dL_da,
            "dL/db": dL_db, "dL/dc": dL_dc, "dL/df": dL_df}


def neuron_by_hand(x1: float, x2: float, w1: float, w2: float, b: float) -> dict[str, float]:
    """o = tanh(x1*w1 + x2*w2 + b) and its derivatives, by hand."""
    n = x1 * w1 + x2 * w2 + b
    o = math.tanh(n)
    do_dn = 1 - o**2
    return {"o": o, "do/dn": do_dn, "do/dx1": do_dn * w1, "do/dw1": do_dn * x1,
            "do/dx2": do_dn * w2, "do/dw2": do_dn * x2, "do/db": do_dn}
