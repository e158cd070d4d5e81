"""The bonus track's own promises: its spiral, and a milestone that PyTorch itself reaches."""

from kata.cases import Instance, cases_of
from kata.curriculum import EXERCISES
from kata.outcome import oracle_outcome
from kata.scenario_tools import spiral


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
