"""Exercise 0: derivatives, before any Value.

The derivative of f at x says how much f(x) moves when x moves a little:
f(x + h) is about f(x) + f'(x) * h for a small h. That gives two ways to get
it, and this exercise writes both:

- numerically: move x by a small h and watch f. The one-sided difference
  (f(x + h) - f(x)) / h is off by about h * f''(x) / 2. The central
  difference (f(x + h) - f(x - h)) / 2h is far better: writing out f(x + h)
  and f(x - h) to the h**2 term, the f'' terms cancel, and what is left is
  off by about h**2 * f'''(x) / 6. Divide h by 10 and the central error falls
  about a hundredfold, the one-sided only tenfold. (Too small an h loses to
  rounding instead: 1e-5 is a good compromise for float64.)
- exactly, with the chain rule: if L depends on a through e, then
  dL/da = dL/de * de/da. Work backwards from L, one step at a time, reusing
  what you already have. That is backpropagation, done by hand; from
  exercise 1 on, a program does it.

Every function here works on plain floats. Graded against PyTorch.
"""

from __future__ import annotations

import math
from typing import Callable, Sequence


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """Return df/dx at x by the central difference (f(x + h) - f(x - h)) / 2h."""
    # TODO: one line: evaluate f on both sides of x.
    raise NotImplementedError("exercise 0 (derivatives): write numerical_derivative")


def one_sided_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """Return df/dx at x by the forward difference (f(x + h) - f(x)) / h, to compare with."""
    # TODO: one line, as above but one-sided.
    raise NotImplementedError("exercise 0 (derivatives): write one_sided_derivative")


def numerical_gradient(f: Callable[..., float], xs: Sequence[float], h: float = 1e-5) -> list[float]:
    """Return every partial derivative of f(*xs): [df/dx0, df/dx1, ...].

    A partial derivative moves one input and holds the others still: for input
    i, take the central difference of the one-input function that puts its
    argument in place i of xs. numerical_derivative does the rest.
    """
    # TODO: one central difference per input.
    raise NotImplementedError("exercise 0 (derivatives): write numerical_gradient")


def chain_rule_by_hand(a: float, b: float, c: float, f: float) -> dict[str, float]:
    """Return L = (a*b + c) * f and its derivatives, computed by formulas you write.

    Name the steps e = a * b, d = e + c, L = d * f, and return a dict with the
    keys "L", "dL/dd", "dL/de", "dL/da", "dL/db", "dL/dc" and "dL/df". Start
    at the end: L = d * f gives dL/dd = f and dL/df = d. Then go back one step
    at a time: dL/de = dL/dd * dd/de, and so on. No numerical estimates here.
    """
    # TODO: the forward pass (e, d, L), then each derivative from the one after it.
    raise NotImplementedError("exercise 0 (derivatives): write chain_rule_by_hand")


def neuron_by_hand(x1: float, x2: float, w1: float, w2: float, b: float) -> dict[str, float]:
    """Return o = tanh(x1*w1 + x2*w2 + b) and its derivatives, by hand.

    With n = x1*w1 + x2*w2 + b, return a dict with the keys "o", "do/dn",
    "do/dx1", "do/dw1", "do/dx2", "do/dw2" and "do/db". d tanh(n)/dn is
    1 - tanh(n)**2, that is 1 - o**2: use math.tanh for o.
    """
    # TODO: o first, then do/dn, then the rest through n.
    raise NotImplementedError("exercise 0 (derivatives): write neuron_by_hand")
