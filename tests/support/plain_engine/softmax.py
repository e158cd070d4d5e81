"""Bonus exercise 7: softmax and cross-entropy."""

from __future__ import annotations

from typing import Sequence

from .value import Value


def softmax(logits: Sequence[Value]) -> list[Value]:
    """e**z_i / sum_j e**z_j for each logit, shifted by the largest logit first."""
    if not logits:
        raise ValueError("softmax needs at least one logit")
    m = max(z.data for z in logits)
    counts = [(z - m).exp() for z in logits]
    total = sum(counts[1:], counts[0])
    return [c / total for c in counts]


def cross_entropy(logits: Sequence[Value], label: int) -> Value:
    """-log p_label, p being softmax(logits)."""
    _check_label(logits, label)
    probs = softmax(logits)
    return -probs[label].log()


def _check_label(logits: Sequence[Value], label: int) -> None:
    # The label is the index of the right class: 0, 1, ..., len(logits) - 1.
    if not 0 <= label < len(logits):
        raise ValueError(f"label {label} is not one of the {len(logits)} classes of these logits")
