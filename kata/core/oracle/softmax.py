"""Exercise 7 (bonus), by PyTorch: softmax and cross-entropy as nodes over every logit."""

from __future__ import annotations

from typing import Sequence

import torch

from kata.core.oracle.value import Forward, Value


def softmax(logits: Sequence[Value]) -> list[Value]:
    """torch.softmax, one node per probability, each connected to every logit."""
    if not logits:
        raise ValueError("softmax needs at least one logit")

    def probability(i: int) -> Forward:
        return lambda *t: torch.softmax(torch.stack(t), 0)[i]

    return [Value(0.0, tuple(logits), "softmax", _forward=probability(i)) for i in range(len(logits))]


def cross_entropy(logits: Sequence[Value], label: int) -> Value:
    """torch.nn.functional.cross_entropy of one example: -log softmax(logits)[label]."""
    if not 0 <= label < len(logits):
        raise ValueError(f"label {label} is not one of the {len(logits)} classes of these logits")
    target = torch.tensor([label])
    return Value(0.0, tuple(logits), "cross_entropy",
                 _forward=lambda *t: torch.nn.functional.cross_entropy(torch.stack(t)[None], target))
