"""Exercise 6: losses, a gradient-descent step, and a loop that learns."""

import random
from typing import Any

from kata.core.cases import Result, graded
from kata.core.implementation import Implementation
from kata.core.misconceptions import step_moves_nothing, step_uphill
from kata.core.scenario_tools import grads, moons, raised, set_parameters


@graded()
def test_mse_loss_is_the_mean_squared_error(impl: Implementation) -> Result:
    """L = (1/n) sum (p_i - t_i)**2; dL/dp_i = 2 (p_i - t_i) / n."""
    ps = [impl.Value(0.5), impl.Value(-1.0), impl.Value(2.0)]
    loss = impl.mse_loss(ps, [1.0, -1.0, 0.0])
    loss.backward()
    return {"loss": loss.data, "grads": grads(ps)}


@graded()
def test_hinge_loss_is_the_mean_of_relu_of_one_minus_margin(impl: Implementation) -> Result:
    """L = (1/n) sum relu(1 - y_i s_i): a score beyond the margin (y s > 1) adds nothing, not even grad."""
    ss = [impl.Value(2.0), impl.Value(0.3), impl.Value(-0.5), impl.Value(-3.0)]
    loss = impl.hinge_loss(ss, [1.0, 1.0, 1.0, -1.0])
    loss.backward()
    return {"loss": loss.data, "grads": grads(ss)}


@graded()
def test_losses_refuse_mismatched_or_empty_inputs(impl: Implementation) -> Result:
    """Two predictions and three targets, or none at all, raise ValueError."""
    two = [impl.Value(1.0), impl.Value(2.0)]
    return {"mse 2 vs 3": raised(lambda: impl.mse_loss(two, [1.0, 2.0, 3.0])),
            "hinge 2 vs 3": raised(lambda: impl.hinge_loss(two, [1.0, 1.0, -1.0])),
            "mse empty": raised(lambda: impl.mse_loss([], []))}


@graded(misconceptions=(step_uphill, step_moves_nothing))
def test_an_sgd_step_moves_each_parameter_against_its_grad(impl: Implementation) -> Result:
    """p <- p - lr * dL/dp, and the grads are left as they were."""
    ps = [impl.Value(1.0), impl.Value(-2.0), impl.Value(0.5)]
    loss = ps[0] * ps[1] + ps[2] ** 2
    loss.backward()
    before = [p.data for p in ps]
    impl.sgd_step(ps, 0.1)
    return {"data before": before, "data": [p.data for p in ps], "grads": grads(ps)}


@graded()
def test_fit_returns_the_loss_before_each_step(impl: Implementation) -> Result:
    """Three steps of gradient descent on mse_loss over four points: the losses fall."""
    model = impl.MLP(2, [3, 1])
    set_parameters(model, random.Random(1))
    xs = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, -0.5]]
    losses = impl.fit(model, xs, [1.0, -1.0, 0.5, 0.0], steps=3, lr=0.1)
    return {"losses": losses, "parameters after": [p.data for p in model.parameters()]}


@graded(seeds=(3,), rel_tol=1e-6, abs_tol=1e-9, timeout=30.0, milestone=True)
def test_fit_learns_two_moons(impl: Implementation, seed: int) -> Result:
    """MLP(2, [8, 1]) fit on 16 noisy two-moons points for 30 steps: whatever share it got right
    before (3 of 16 with seed 3), at least 3 in 4 right after."""
    xs, ys = moons(16, noise=0.1, seed=seed)
    model = impl.MLP(2, [8, 1])
    set_parameters(model, random.Random(seed))
    before = _share_right(model, xs, ys)
    losses = impl.fit(model, xs, ys, steps=30, lr=0.2)
    after = _share_right(model, xs, ys)
    return {"losses": losses, "share right before": before, "share right after": after,
            "at least 75% right after": "yes" if after >= 0.75 else "no"}


def _share_right(model: Any, xs: list[list[float]], ys: list[float]) -> float:
    """The share of points whose output has the sign of their label."""
    right: int = sum((model(x).data > 0) == (y > 0) for x, y in zip(xs, ys))
    return right / len(xs)
