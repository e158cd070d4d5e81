"""Helpers that scenarios share. Plain Python: they run beside the learner's code, without PyTorch."""

from __future__ import annotations

import contextlib
import math
import random
import sys
from typing import Any, Callable, Iterator

from kata.core.graph import nodes_in_order


def raised(action: Callable[[], object]) -> str:
    """The name of the exception that action raises, or "nothing raised"."""
    try:
        action()
    except Exception as error:
        return type(error).__name__
    return "nothing raised"


# Roots that the running scenario asked to be shown node by node if it fails,
# each with the grad its root was seeded with. kata.core.outcome reads and clears it.
TRACED: list[tuple[Any, float]] = []


def trace(root: Any, seed: float = 1.0) -> Any:
    """Mark root's graph for the node-by-node diagnosis of a failing case; returns root."""
    TRACED.append((root, seed))
    return root


def apply_local_derivatives(out: Any, out_grad: float) -> None:
    """Exercise 1's own chain rule: set out.grad, then call every node's _backward, users first.

    It stands in for backward() (exercise 2), so that each operation's local
    derivatives can be graded before backward() exists.
    """
    trace(out, out_grad)
    out.grad = out_grad
    for node in reversed(nodes_in_order(out)):
        node._backward()


@contextlib.contextmanager
def default_recursion_limit() -> Iterator[None]:
    """Python's default recursion limit, 1000, while the block runs.

    A learner's file may raise the limit to let a recursive walk through; a
    case about deep graphs puts it back so that only an explicit stack passes.
    """
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def set_parameters(model: Any, rng: random.Random) -> list[float]:
    """Give every parameter a value drawn from rng, the same for every implementation."""
    values = [rng.uniform(-1.0, 1.0) for _ in model.parameters()]
    for parameter, value in zip(model.parameters(), values):
        parameter.data = value
    return values


def parameter_places(nin: int, nouts: list[int]) -> tuple[str, ...]:
    """What each of MLP(nin, nouts).parameters() is, in order: "layer 0, neuron 1, w2", ..."""
    places = []
    for layer, (fan_in, size) in enumerate(zip([nin, *nouts], nouts)):
        for neuron in range(size):
            places += [f"layer {layer}, neuron {neuron}, w{i}" for i in range(fan_in)]
            places.append(f"layer {layer}, neuron {neuron}, b")
    return tuple(places)


def parameters_held(impl: Any, neurons: list[Any], parameters: list[Any]) -> dict[str, Any]:
    """How many Values the neurons hold (each w and b), and what kinds of thing parameters() gave:
    evidence a recogniser needs before it says parameters() leaves some out."""
    held = sum(len(neuron.w) + 1 for neuron in neurons)
    kinds = sorted({"Value" if isinstance(p, impl.Value) else type(p).__name__ for p in parameters})
    return {"parameters held": float(held), "kinds in parameters()": ", ".join(kinds)}


def grads(values: list[Any]) -> list[float]:
    return [v.grad for v in values]


# Operations for random graphs: each takes an implementation and one or two nodes,
# and stays finite and away from kinks whatever the inputs' signs.
_UNARY: list[Callable[[Any, Any], Any]] = [
    lambda impl, a: a.tanh(),
    lambda impl, a: a.sigmoid(),
    lambda impl, a: a.tanh().exp(),
    lambda impl, a: (a * a + 1).log(),
    lambda impl, a: a.relu() + a * 0.5,
    lambda impl, a: a**2,
    lambda impl, a: (a * a + 0.5) ** 0.5,
    lambda impl, a: -a,
    lambda impl, a: 1 - a,
    lambda impl, a: 2 * a,
    lambda impl, a: 1 / (a * a + 1),
]
_BINARY: list[Callable[[Any, Any, Any], Any]] = [
    lambda impl, a, b: a + b,
    lambda impl, a, b: a - b,
    lambda impl, a, b: a * b,
    lambda impl, a, b: a / (b * b + 1),
]


def random_expression(impl: Any, seed: int, size: int = 12) -> tuple[Any, list[Any]]:
    """A random graph of `size` operations over a few leaves; nodes are reused, so some
    are used many times. The draws never depend on computed numbers, so every
    implementation builds the same graph. Returns the root and the leaves."""
    rng = random.Random(seed)
    leaves = [impl.Value(rng.uniform(-2.0, 2.0), label=f"x{i}") for i in range(rng.randint(2, 4))]
    pool = list(leaves)
    for _ in range(size):
        if rng.random() < 0.5:
            node = rng.choice(_UNARY)(impl, rng.choice(pool))
        else:
            node = rng.choice(_BINARY)(impl, rng.choice(pool), rng.choice(pool))
        pool.append(node.tanh() if rng.random() < 0.3 else node)  # keep magnitudes tame
    root = pool[-1] + pool[-2] * pool[-3]
    return root, leaves


def random_primitive_graph(impl: Any, seed: int, size: int = 15) -> tuple[Any, list[Any], list[float]]:
    """A random graph made only of + and * between recorded nodes.

    Returns the root, every node (numbered by position), and the edges as a flat
    list [user, used, user, used, ...] of those numbers, known from construction.
    """
    rng = random.Random(seed)
    nodes = [impl.Value(rng.uniform(-1.0, 1.0)) for _ in range(3)]
    edges: list[float] = []
    for _ in range(size):
        i, j = rng.randrange(len(nodes)), rng.randrange(len(nodes))
        nodes.append(nodes[i] + nodes[j] if rng.random() < 0.5 else nodes[i] * nodes[j])
        edges += [len(nodes) - 1, i, len(nodes) - 1, j]
    # The root adds up every node so far, so that all of them are in its order.
    total = 0
    for k in range(1, len(nodes)):
        nodes.append(nodes[total] + nodes[k])
        edges += [len(nodes) - 1, total, len(nodes) - 1, k]
        total = len(nodes) - 1
    return nodes[-1], nodes, edges


def positions(order: list[Any], nodes: list[Any]) -> list[float]:
    """The numbers of the recorded nodes, in the order given; unrecorded helper nodes are skipped."""
    number = {id(node): i for i, node in enumerate(nodes)}
    return [float(number[id(node)]) for node in order if id(node) in number]


def moons(n: int, noise: float, seed: int) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles, labelled -1 and +1: n points in all."""
    rng = random.Random(seed)
    xs, ys = [], []
    for i in range(n):
        t = math.pi * (i // 2) / max(1, (n + 1) // 2 - 1)
        if i % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), -1.0
        else:
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        xs.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
        ys.append(label)
    return xs, ys


def spiral(per_class: int, noise: float, seed: int, classes: int = 3,
           turn: float = 4.0) -> tuple[list[list[float]], list[int]]:
    """`classes` arms winding out from the centre, labelled 0, 1, ...: per_class points on each,
    one from every arm in turn. Along an arm the radius grows from 1/per_class to 1 while the
    angle grows by `turn` radians; noise jitters the angle."""
    rng = random.Random(seed)
    xs, labels = [], []
    for i in range(per_class):
        radius = (i + 1) / per_class
        for arm in range(classes):
            angle = 2 * math.pi * arm / classes + turn * radius + rng.gauss(0.0, noise)
            xs.append([radius * math.cos(angle), radius * math.sin(angle)])
            labels.append(arm)
    return xs, labels
