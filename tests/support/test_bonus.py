"""The bonus track's own promises: its spiral, a milestone that PyTorch itself reaches, and
optimizers that step exactly as torch.optim's."""

import math
import random
from pathlib import Path

import pytest

from kata.core.cases import Instance, cases_of
from kata.core.curriculum import EXERCISES
from kata.core.outcome import oracle_outcome
from kata.core.scenario_tools import spiral


def test_the_bonus_exercises_come_after_the_core() -> None:
    """make check and the grader run exercises in curriculum order: the bonus track unlocks last."""
    bonus = [e.bonus for e in EXERCISES]
    assert any(bonus) and bonus == sorted(bonus)


def test_spiral_gives_per_class_points_on_each_arm_in_turn() -> None:
    """10 points per arm, labelled 0, 1, 2 in turn, all within the unit disc (plus the noise)."""
    xs, labels = spiral(10, noise=0.1, seed=1)
    assert len(xs) == len(labels) == 30
    assert labels == [0, 1, 2] * 10
    assert all(len(x) == 2 and all(type(c) is float for c in x) for x in xs)
    assert all(x * x + y * y <= 1.0 + 1e-12 for x, y in xs)  # the noise turns, never stretches


def test_spiral_is_reproducible_by_seed() -> None:
    assert spiral(10, 0.1, seed=3) == spiral(10, 0.1, seed=3)
    assert spiral(10, 0.1, seed=3) != spiral(10, 0.1, seed=4)


def test_the_spiral_milestone_is_reached_by_pytorch() -> None:
    """The case compares the learner's training with PyTorch's: PyTorch's must reach 95%, or a
    learner whose training matches it would pass without learning the spiral."""
    (case,) = [c for c in cases_of("optim") if "spiral" in c.name]
    result = oracle_outcome(Instance(case, None)).result
    assert result is not None
    accuracy = result["accuracy"]
    assert isinstance(accuracy, float) and accuracy >= 0.95
    assert result["at least 95% right"] == "yes"


@pytest.mark.parametrize("name", ["Momentum", "Adam"])
def test_the_oracles_optimizers_step_as_the_torch_optim_classes(
        name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The oracle calls torch.optim's functional update over one tensor; torch.optim.SGD (with
    momentum) and torch.optim.Adam, each over a tensor per parameter, give the same numbers."""
    # The classes import torch._dynamo, which makes a cache folder: here, not in the temp directory.
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path))
    import torch

    from kata.core.oracle.optim import Adam, Momentum
    from kata.core.oracle.value import Value

    rng = random.Random(7)
    start = [rng.uniform(-2.0, 2.0) for _ in range(5)]
    ps = [Value(x) for x in start]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    ours: Momentum | Adam
    theirs: torch.optim.Optimizer
    if name == "Momentum":
        ours, theirs = Momentum(ps, lr=0.05), torch.optim.SGD(tensors, lr=0.05, momentum=0.9)
    else:
        ours = Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-6)
        theirs = torch.optim.Adam(tensors, lr=0.1, betas=(0.8, 0.99), eps=1e-6)
    for _ in range(8):
        for p, t in zip(ps, tensors):
            p.grad = rng.uniform(-3.0, 3.0)
            t.grad = torch.tensor(p.grad, dtype=torch.float64)
        ours.step()
        theirs.step()
        for p, t in zip(ps, tensors):
            assert math.isclose(p.data, t.item(), rel_tol=1e-13, abs_tol=1e-15)
