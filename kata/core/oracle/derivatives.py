"""Exercise 0, by PyTorch: the function is evaluated on tensors; the by-hand derivatives come
from torch.autograd."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

from kata.core.oracle import leaf


def _at(f: Callable[..., Any], *xs: float) -> torch.Tensor:
    return torch.as_tensor(f(*(torch.tensor(float(x), dtype=torch.float64) for x in xs)),
                           dtype=torch.float64)


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    return float((_at(f, x + h) - _at(f, x - h)) / (2 * h))


def one_sided_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    return float((_at(f, x + h) - _at(f, x)) / h)


def numerical_gradient(f: Callable[..., float], xs: Sequence[float], h: float = 1e-5) -> list[float]:
    def moved(i: int, by: float) -> list[float]:
        return [x + by if j == i else x for j, x in enumerate(xs)]
    return [float((_at(f, *moved(i, h)) - _at(f, *moved(i, -h))) / (2 * h)) for i in range(len(xs))]


def _derivatives(result: torch.Tensor, named: dict[str, torch.Tensor], of: str) -> dict[str, float]:
    grads = torch.autograd.grad(result, list(named.values()))
    return {f"d{of}/d{name}": float(g) for name, g in zip(named, grads)}


def chain_rule_by_hand(a: float, b: float, c: float, f: float) -> dict[str, float]:
    ta, tb, tc, tf = (leaf(x) for x in (a, b, c, f))
    e = ta * tb
    d = e + tc
    loss = d * tf
    found = _derivatives(loss, {"d": d, "e": e, "a": ta, "b": tb, "c": tc, "f": tf}, "L")
    return {"L": loss.item(), **found}


def neuron_by_hand(x1: float, x2: float, w1: float, w2: float, b: float) -> dict[str, float]:
    tx1, tx2, tw1, tw2, tb = (leaf(x) for x in (x1, x2, w1, w2, b))
    n = tx1 * tw1 + tx2 * tw2 + tb
    o = torch.tanh(n)
    found = _derivatives(o, {"n": n, "x1": tx1, "w1": tw1, "x2": tx2, "w2": tw2, "b": tb}, "o")
    return {"o": o.item(), **found}
