"""Bonus exercise 7: softmax and cross-entropy, the loss of a classifier with several classes.

A classifier that tells k classes apart ends in k outputs, its logits
z_0 ... z_{k-1}: one score per class, any real numbers. Softmax turns them
into probabilities:

    p_i = e**z_i / (e**z_0 + e**z_1 + ... + e**z_{k-1})

Each p_i is positive, they add up to 1, and the largest logit gets the
largest share. The model's answer is the class with the largest logit.

Cross-entropy is the loss of one example whose right class is `label`:

    L = -log p_label

0 when the model gives the right class probability 1, and larger the less
probability it gives it. Its gradient is remarkably simple:
dL/dz_i = p_i - (1 if i == label else 0). Every logit is pushed down by its
probability and the right one is pulled up by 1, so the grads add up to 0.

Build both from Value operations (exp, log, +, -, /), so that backward()
finds these derivatives on its own.

Softmax does not change when the same number is subtracted from every logit:
e**(z_i - m) / sum_j e**(z_j - m) = e**z_i / sum_j e**z_j, since e**-m
cancels out. A float holds numbers up to about 1.8e308 = e**709.8, so e**1000
does not fit, while a classifier's logits can well be that large.
"""

from __future__ import annotations

from typing import Sequence

from .value import Value


def softmax(logits: Sequence[Value]) -> list[Value]:
    """Return the probabilities e**z_i / sum_j e**z_j, one Value per logit, in order.

    No logits at all raise ValueError. Subtract the largest logit's data (a
    plain float) from every logit before exp: the probabilities stay the same,
    and the largest exponent is e**0 = 1, so logits of 1000 work as well as
    logits of 0.
    """
    # TODO: shift by the largest logit, exp each, divide each by their sum.
    raise NotImplementedError("bonus exercise 7 (softmax): write softmax")


def cross_entropy(logits: Sequence[Value], label: int) -> Value:
    """Return -log p_label, p being softmax(logits): the loss of one example of class label.

    Call `_check_label` first: it raises ValueError unless label is one of
    0, 1, ..., len(logits) - 1. The result must be one Value connected to every
    logit, so that backward() gives each its grad p_i - (1 if i == label else 0).
    """
    # TODO: check the label, then return minus the log of the label's probability.
    raise NotImplementedError("bonus exercise 7 (softmax): write cross_entropy")


def _check_label(logits: Sequence[Value], label: int) -> None:
    # The label is the index of the right class: 0, 1, ..., len(logits) - 1.
    if not 0 <= label < len(logits):
        raise ValueError(f"label {label} is not one of the {len(logits)} classes of these logits")
