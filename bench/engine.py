"""Two engines side by side: a million-node chain, memory per node, and the classic demo.

The engines are the reference (solutions/) and a plain lecture-style learner's
engine (tests/support/plain_engine: a closure per node, a neuron's sum as
2n + 1 nodes). The demo is MLP(2, [16, 16, 1]) on 100 two-moons points, hinge
loss plus 1e-4 L2, 100 SGD steps with the learning rate falling from 1.0 to 0.1.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]  # solutions, and plain_engine

from kata.core.implementation import Implementation  # noqa: E402
from kata.core.scenario_tools import moons  # noqa: E402
from kata.learner.training import DATA_SEED, NOISE, POINTS, build_model, train  # noqa: E402

ENGINES = {"reference": "solutions", "plain": "plain_engine"}

CHAIN = 1_000_000
MEASURED = 100_000  # nodes whose memory is measured


def chain(engine: str, impl: Implementation) -> None:
    limit = sys.getrecursionlimit()
    start = time.perf_counter()
    x, c = impl.Value(1.0), impl.Value(1.0000001)
    y = x
    for _ in range(CHAIN):
        y = y * c
    built = time.perf_counter()
    y.backward()
    done = time.perf_counter()
    assert sys.getrecursionlimit() == limit
    print(f"{engine} engine: chain of {CHAIN:,} products: built in {built - start:.2f} s, "
          f"backward in {done - built:.2f} s, "
          f"dy/dx = {x.grad:.6f}, recursion limit untouched ({limit})")


def memory_per_node(engine: str, impl: Implementation) -> None:
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    x, c = impl.Value(1.0), impl.Value(1.5)
    y = x
    for _ in range(MEASURED):
        y = (y * c).tanh()  # two nodes a step
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(f"{engine} engine: memory per node: {(after - before) / (2 * MEASURED):.0f} bytes")


def demo(engine: str, impl: Implementation) -> None:
    xs, ys = moons(POINTS, NOISE, DATA_SEED)
    history = train(impl, build_model(impl), xs, ys, steps=100)
    print(f"{engine} engine: classic demo, 100 steps: {history.seconds:.1f} s, final training accuracy "
          f"{history.accuracies[-1]:.0%} (target: 100% in at most 10 s)")


if __name__ == "__main__":
    for measure in (chain, memory_per_node, demo):
        for engine, package in ENGINES.items():
            measure(engine, Implementation(package))
