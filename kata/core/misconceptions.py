"""Misconceptions that show in a case's results rather than in a traced graph.

Each takes the learner's results and the expected ones (validated, named as
the case returns them) and names the misconception, or returns "". A suite
attaches them to its cases with @graded(misconceptions=...).
"""

from __future__ import annotations

import math

from kata.core.cases import Result
from kata.core.cause import Cause


def _numbers(result: Result, name: str) -> list[float]:
    value = result.get(name)
    if isinstance(value, float):
        return [value]
    return list(value) if isinstance(value, list) else []


def _step(yours: Result, expected: Result) -> tuple[list[float], list[float], list[float]]:
    """Each parameter's data before and after the learner's step, and its grad, where the grads are
    right (only the step can be blamed then, not a broken backward); empty lists otherwise."""
    before, after, grads = (_numbers(yours, "data before"), _numbers(yours, "data"),
                            _numbers(expected, "grads"))
    your_grads = _numbers(yours, "grads")
    if (not (len(before) == len(after) == len(grads) == len(your_grads)) or not any(grads)
            or not all(map(math.isclose, your_grads, grads))):
        return [], [], []
    return before, after, grads


def step_uphill(yours: Result, expected: Result) -> str:
    """p + lr * grad instead of p - lr * grad: every parameter moved, by one positive multiple of its grad."""
    before, after, grads = _step(yours, expected)
    factors = {round((a - b) / g, 9) for b, a, g in zip(before, after, grads) if g != 0.0}
    if len(factors) == 1 and factors.pop() > 0:
        return Cause("SGD step uphill",
                     "every parameter moved along its grad instead of against it: the loss grows. "
                     "A step is p.data -= lr * p.grad.")
    return ""


def step_moves_nothing(yours: Result, expected: Result) -> str:
    """An SGD step after which every parameter holds the data it had, though its grad is not 0."""
    before, after, grads = _step(yours, expected)
    if before and all(a == b for b, a in zip(before, after)):
        return Cause("SGD step that moves nothing",
                     "no parameter moved, though their grads are not 0. `p = p - lr * p.grad` makes a "
                     "new Value and points the name p at it, leaving the parameter as it was: change "
                     "the parameter itself, p.data -= lr * p.grad.")
    return ""


def missing_parameters(yours: Result, expected: Result) -> str:
    """parameters() leaves some out: it gives fewer Values than the model holds (its neurons' w and
    b), and fewer than are due. A model built too small, or a list of lists, is not this slip."""
    mine, right, held = (_numbers(yours, "parameters"), _numbers(expected, "parameters"),
                         _numbers(yours, "parameters held"))
    if mine and right and held and yours.get("kinds in parameters()") == "Value":
        count, want = mine[0], right[0]
        if count < want and count < held[0]:
            return Cause("a parameter missing from parameters()",
                         f"parameters() gives {count:g} of the {want:g} parameters: every weight and "
                         "every bias must be in it, or training never updates the ones left out.")
    return ""


def zero_grad_incomplete(yours: Result, expected: Result) -> str:
    """zero_grad() sets some grads back to 0 and forgets the others."""
    after, right = _numbers(yours, "after"), _numbers(expected, "after")
    left = [i for i, g in enumerate(after) if g != 0.0]
    # Some reset and some left: one that resets none (or sets data instead) is not this slip.
    if (after and len(after) == len(right) and all(math.isclose(g, 0.0) for g in right)
            and 0 < len(left) < len(after)):
        return Cause("zero_grad() resets only some grads",
                     f"zero_grad() left {len(left)} of {len(after)} grads as they were (parameters "
                     f"{', '.join(map(str, left))}): it must reset every parameter in parameters().")
    return ""


def softmax_not_shifted(yours: Result, expected: Result) -> str:
    """An exp overflowed on logits near 1000, where PyTorch's softmax did not: no max shift."""
    if yours.get("raised") == "OverflowError" and expected.get("raised") == "nothing raised":
        return Cause("softmax without the max shift",
                     "an exp overflowed: e**1000 is beyond a float (about e**709.8 at most). Subtract "
                     "the largest logit's data from every logit before exp: softmax(z) = softmax(z - max "
                     "z), and the largest exponent is then e**0 = 1.")
    return ""


def momentum_without_velocity(yours: Result, expected: Result) -> str:
    """Every step moved each parameter by one same multiple of that step's grad: nothing carried over.

    From the learner's own numbers: "data by step" (the parameters' data at the
    start, then after each step) and "grads by step" (the grads each step used).
    """
    data, grads = _numbers(yours, "data by step"), _numbers(yours, "grads by step")
    n = len(data) - len(grads)  # the number of parameters
    if n <= 0 or len(grads) < 2 * n or len(grads) % n:
        return ""
    moves = [data[i + n] - data[i] for i in range(len(grads))]
    factors = {round(-move / g, 9) for move, g in zip(moves, grads) if abs(g) > 1e-9}
    if len(factors) == 1 and factors.pop() > 0:
        return Cause("momentum on the raw grad",
                     "every step moved each parameter by the same multiple of that step's grad, so "
                     "nothing carried over from the steps before: momentum went to the raw grad "
                     "instead of the velocity. Keep one velocity per parameter across steps, "
                     "v = momentum * v + grad, and move by it: p.data -= lr * v.")
    return ""


# Adam's first step with the default betas (0.9, 0.999) is this many times the right one when
# part of the bias correction is missing: m is then (1 - beta1) * grad, v (1 - beta2) * grad**2.
_UNCORRECTED_FIRST_STEP = {
    "neither m nor v was divided by its 1 - beta**t": 0.1 / math.sqrt(0.001),
    "m was not divided by 1 - beta1**t": 0.1,
    "v was not divided by 1 - beta2**t": 1 / math.sqrt(0.001),
}


def adam_without_bias_correction(yours: Result, expected: Result) -> str:
    """Adam's first step ("moved by", default betas) is off, for every parameter, by a factor
    that a missing bias correction explains."""
    mine, right = _numbers(yours, "moved by"), _numbers(expected, "moved by")
    if not mine or len(mine) != len(right) or not all(right):
        return ""
    ratios = [m / r for m, r in zip(mine, right)]
    for what, factor in _UNCORRECTED_FIRST_STEP.items():
        if all(math.isclose(ratio, factor, rel_tol=1e-3) for ratio in ratios):
            return Cause("Adam without bias correction",
                         f"every parameter's first step is {factor:.3g} times PyTorch's: {what}. m and "
                         "v start at 0, so early on they are too small; dividing them by 1 - beta1**t "
                         "and 1 - beta2**t, with t = 1 at the first step, corrects that exactly.")
    return ""
