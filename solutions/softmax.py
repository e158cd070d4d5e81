"""Bonus exercise 7: softmax and cross-entropy, the loss of a classifier with several classes.

A classifier with k classes ends in k outputs, its logits z_0 ... z_{k-1}: one
score per class, any real numbers. Softmax turns them into probabilities,

    p_i = e**z_i / (e**z_0 + ... + e**z_{k-1}),

each positive and all adding up to 1, the largest logit getting the largest
share. Cross-entropy is the loss of one example whose right class is `label`:
L = -log p_label, 0 when the model is sure and right, large when it is sure and
wrong. Its gradient is simply p - onehot(label): each logit is pushed down by
its probability, and the right one pulled up by 1.
"""

from __future__ import annotations

from typing import Sequence

from .value import Value


def softmax(logits: Sequence[Value]) -> list[Value]:
    """The probabilities e**z_i / sum_j e**z_j, computed as e**(z_i - m) / sum_j e**(z_j - m)."""
    if not logits:
        raise ValueError("softmax needs at least one logit")
    # Shifting every logit by the same m changes nothing (e**-m cancels between
    # each term and the sum), but with m the largest logit every exponent is at
    # most e**0 = 1, so logits of 1000 do not overflow a float. m is a plain
    # float, a constant: the result does not depend on it, so it needs no grad.
    m = max(z.data for z in logits)
    exps = [(z - m).exp() for z in logits]
    total = sum(exps, Value(0.0))
    return [e / total for e in exps]


def cross_entropy(logits: Sequence[Value], label: int) -> Value:
    """-log softmax(logits)[label], computed as log(sum_j e**(z_j - m)) - (z_label - m)."""
    _check_label(logits, label)
    # -log(e**(z_label - m) / total) = log(total) - (z_label - m): the same number
    # as -softmax(logits)[label].log(), without ever taking the log of a
    # probability so small that it rounds to 0.
    m = max(z.data for z in logits)
    total = sum(((z - m).exp() for z in logits), Value(0.0))
    return total.log() - (logits[label] - m)


def _check_label(logits: Sequence[Value], label: int) -> None:
    # The label is the index of the right class: 0, 1, ..., len(logits) - 1.
    if not 0 <= label < len(logits):
        raise ValueError(f"label {label} is not one of the {len(logits)} classes of these logits")
