"""Bonus exercise 7: softmax and cross-entropy, checked against torch.softmax and
torch.nn.functional.cross_entropy."""

import random
from typing import Callable

from kata.core.cases import Result, graded
from kata.core.implementation import Implementation
from kata.core.misconceptions import softmax_not_shifted
from kata.core.scenario_tools import grads, raised, trace


@graded()
def test_softmax_turns_logits_into_probabilities_that_add_up_to_1(impl: Implementation) -> Result:
    """p_i = e**z_i / sum_j e**z_j for z = [0, 3, -2, 1]: the largest logit gets the largest share."""
    logits = [impl.Value(z) for z in (0.0, 3.0, -2.0, 1.0)]
    probabilities = impl.softmax(logits)
    return {"probabilities": [p.data for p in probabilities],
            "their sum": sum(p.data for p in probabilities)}


@graded()
def test_softmax_sends_grads_back_to_every_logit(impl: Implementation) -> Result:
    """out = sum_i c_i p_i: every p_i depends on every logit, dout/dz_j = p_j (c_j - sum_i c_i p_i)."""
    logits = [impl.Value(z, label=f"z{i}") for i, z in enumerate((0.5, -1.0, 2.0, 0.0))]
    p = impl.softmax(logits)
    out = trace(p[0] * 1.0 + p[1] * -2.0 + p[2] * 0.5 + p[3] * 3.0)
    out.backward()
    return {"out": out.data, "grads": grads(logits)}


@graded()
def test_cross_entropy_is_minus_the_log_of_the_labels_probability(impl: Implementation) -> Result:
    """L = -log p_3 for z = [0, 3, -2, 1] and label 3: dL/dz_i = p_i - (1 if i == 3 else 0),
    grads that add up to 0."""
    logits = [impl.Value(z, label=f"z{i}") for i, z in enumerate((0.0, 3.0, -2.0, 1.0))]
    loss = trace(impl.cross_entropy(logits, 3))
    loss.backward()
    return {"loss": loss.data, "grads": grads(logits)}


@graded(seeds=(1, 2, 3))
def test_cross_entropy_of_random_logits(impl: Implementation, seed: int) -> Result:
    """Two to six logits drawn in [-4, 4] and a random label: L = -log p_label, dL/dz = p - onehot."""
    rng = random.Random(seed)
    logits = [impl.Value(rng.uniform(-4.0, 4.0)) for _ in range(rng.randint(2, 6))]
    loss = impl.cross_entropy(logits, rng.randrange(len(logits)))
    loss.backward()
    return {"loss": loss.data, "grads": grads(logits)}


@graded(misconceptions=(softmax_not_shifted,))
def test_softmax_of_logits_near_1000_does_not_overflow(impl: Implementation) -> Result:
    """e**1000 is too large for a float, but softmax(z) = softmax(z - max z): shifted by the
    largest logit, these are the probabilities of [0, 1, -1, 0.5]."""
    logits = [impl.Value(z) for z in (1000.0, 1001.0, 999.0, 1000.5)]
    return _unless_it_overflows(lambda: {"probabilities": [p.data for p in impl.softmax(logits)]})


@graded(misconceptions=(softmax_not_shifted,))
def test_cross_entropy_of_logits_near_1000_does_not_overflow(impl: Implementation) -> Result:
    """L = -log p_0 for z = [1000, 1001, 999, 1000.5]: the same loss and grads as for
    z - 1000 = [0, 1, -1, 0.5]."""
    logits = [impl.Value(z) for z in (1000.0, 1001.0, 999.0, 1000.5)]

    def loss_and_grads() -> Result:
        loss = impl.cross_entropy(logits, 0)
        loss.backward()
        return {"loss": loss.data, "grads": grads(logits)}

    return _unless_it_overflows(loss_and_grads)


@graded()
def test_a_label_that_is_not_a_class_raises_value_error(impl: Implementation) -> Result:
    """With 4 logits the classes are 0, 1, 2, 3: label 4 or -1 is refused, and so is an empty list."""
    logits = [impl.Value(z) for z in (0.0, 3.0, -2.0, 1.0)]
    return {"label 4": raised(lambda: impl.cross_entropy(logits, 4)),
            "label -1": raised(lambda: impl.cross_entropy(logits, -1)),
            "cross_entropy of no logits": raised(lambda: impl.cross_entropy([], 0)),
            "softmax of no logits": raised(lambda: impl.softmax([]))}


def _unless_it_overflows(compute: Callable[[], Result]) -> Result:
    """compute()'s numbers, and "raised": "nothing raised"; or, if an exp overflowed, only that."""
    try:
        return {"raised": "nothing raised", **compute()}
    except OverflowError:
        return {"raised": "OverflowError"}
