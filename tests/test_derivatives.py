"""Exercise 0: derivatives estimated numerically, and the chain rule by hand (no Value yet)."""

import random

from kata.core.cases import Result, graded
from kata.core.implementation import Implementation


def _cubic(x: float) -> float:
    return x**3 - 2 * x + 1


def _slope_of_cubic(x: float) -> float:
    """The exact derivative of _cubic, by the power rule: 3x**2 - 2."""
    return 3 * x**2 - 2


@graded(rel_tol=1e-9)
def test_the_central_difference_estimates_a_derivative(impl: Implementation) -> Result:
    """f(x) = x**3 - 2x + 1 at x = 1.5: (f(x + h) - f(x - h)) / 2h with h = 1e-5, close to f'(x) = 4.75."""
    return {"estimate": impl.numerical_derivative(_cubic, 1.5),
            "with h = 1e-3": impl.numerical_derivative(_cubic, 1.5, h=1e-3)}


@graded(rel_tol=1e-6)
def test_the_central_error_shrinks_like_h_squared_the_one_sided_like_h(impl: Implementation) -> Result:
    """Error = |estimate - f'(x)|. Dividing h by 10 divides the central error by about 100 (h**2)
    and the one-sided error, (f(x + h) - f(x)) / h, only by about 10 (h). Its own h is 1e-5."""
    x = 1.5

    def error(estimate: float) -> float:
        return abs(estimate - _slope_of_cubic(x))

    central = [error(impl.numerical_derivative(_cubic, x, h)) for h in (0.1, 0.01)]
    one_sided = [error(impl.one_sided_derivative(_cubic, x, h)) for h in (0.1, 0.01)]
    return {"central errors": central, "one-sided errors": one_sided,
            "central shrinks by": central[0] / central[1],
            "one-sided shrinks by": one_sided[0] / one_sided[1],
            "one-sided estimate with its own h": impl.one_sided_derivative(_cubic, x)}


@graded(rel_tol=1e-8)
def test_a_numerical_gradient_has_one_partial_derivative_per_input(impl: Implementation) -> Result:
    """f(a, b, c) = a*b + c**2 / a at (2, 3, 4): df/da = b - c**2/a**2, df/db = a, df/dc = 2c/a.
    With h = 0.5 given, each estimate moves its input by 0.5: less close, as the h given says."""
    def f(a: float, b: float, c: float) -> float:
        return a * b + c**2 / a

    return {"gradient": impl.numerical_gradient(f, [2.0, 3.0, 4.0]),
            "gradient with h = 0.5": impl.numerical_gradient(f, [2.0, 3.0, 4.0], h=0.5)}


@graded()
def test_the_chain_rule_by_hand_through_a_product_a_sum_and_a_product(impl: Implementation) -> Result:
    """L = (a*b + c) * f with e = a*b, d = e + c: dL/dd = f, dL/de = dL/dd * 1, dL/da = dL/de * b."""
    by_hand: Result = impl.chain_rule_by_hand(2.0, -3.0, 10.0, -2.0)
    return by_hand


@graded(seeds=(1, 2, 3))
def test_the_chain_rule_by_hand_at_random_numbers(impl: Implementation, seed: int) -> Result:
    """The same L = (a*b + c) * f at four numbers drawn from the seed."""
    rng = random.Random(seed)
    by_hand: Result = impl.chain_rule_by_hand(*(rng.uniform(-3, 3) for _ in range(4)))
    return by_hand


@graded()
def test_a_tanh_neuron_by_hand(impl: Implementation) -> Result:
    """o = tanh(n), n = x1*w1 + x2*w2 + b: do/dn = 1 - o**2, do/dw1 = do/dn * x1, do/dx1 = do/dn * w1."""
    by_hand: Result = impl.neuron_by_hand(2.0, 0.0, -3.0, 1.0, 6.8813735870195432)
    return by_hand


@graded(seeds=(1, 2))
def test_a_tanh_neuron_by_hand_at_random_numbers(impl: Implementation, seed: int) -> Result:
    """The same neuron at five numbers drawn from the seed."""
    rng = random.Random(seed)
    by_hand: Result = impl.neuron_by_hand(*(rng.uniform(-2, 2) for _ in range(5)))
    return by_hand
