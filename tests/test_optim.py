"""Bonus exercise 8: optimizers, checked against torch.optim.SGD (with momentum) and torch.optim.Adam
stepping the same parameters."""

import random
from typing import Any

from kata.core.cases import Result, graded
from kata.core.implementation import Implementation
from kata.core.misconceptions import adam_without_bias_correction, momentum_without_velocity, zero_grad_incomplete
from kata.core.scenario_tools import grads, raised, set_parameters, spiral


@graded()
def test_the_first_momentum_step_is_an_sgd_step(impl: Implementation) -> Result:
    """The velocity starts at 0, so the first step is v = grad, p <- p - lr * grad; the grads stay."""
    ps = [impl.Value(1.0), impl.Value(-2.0), impl.Value(0.5)]
    for p, g in zip(ps, (0.3, -1.5, 4.0)):
        p.grad = g  # an optimizer reads only data and grad: here the grads are set by hand
    impl.Momentum(ps, lr=0.1).step()
    return {"data": [p.data for p in ps], "grads": grads(ps)}


@graded(misconceptions=(momentum_without_velocity,))
def test_momentum_carries_the_past_grads_in_a_velocity(impl: Implementation) -> Result:
    """v <- 0.9 v + grad; p <- p - 0.05 v, five steps down a narrow valley: each step moves
    along the sum of the past grads, the older ones weighing less, not along this grad alone."""
    ps = [impl.Value(-1.0), impl.Value(1.0)]
    return _descend(impl.Momentum(ps, lr=0.05, momentum=0.9), ps, steps=5)


@graded(misconceptions=(adam_without_bias_correction,))
def test_adams_first_step_moves_every_parameter_by_about_lr(impl: Implementation) -> Result:
    """With bias correction, m_hat = grad and v_hat = grad**2 at t = 1: each parameter moves by
    lr * grad / (|grad| + eps), about lr against its grad, whether the grad is 0.01 or 50."""
    ps = [impl.Value(1.0), impl.Value(-2.0), impl.Value(0.5)]
    for p, g in zip(ps, (0.01, -1.5, 50.0)):
        p.grad = g  # an optimizer reads only data and grad: here the grads are set by hand
    before = [p.data for p in ps]
    impl.Adam(ps, lr=0.1).step()
    default = impl.Value(1.0)
    default.grad = 2.0
    impl.Adam([default]).step()  # lr left at its default, PyTorch's 0.001
    return {"moved by": [p.data - b for p, b in zip(ps, before)], "grads": grads(ps),
            "moved by, default lr": default.data - 1.0}


@graded()
def test_adam_corrects_the_bias_of_its_averages_at_every_step(impl: Implementation) -> Result:
    """m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g**2; p <- p - lr m/(1 - b1**t) /
    (sqrt(v/(1 - b2**t)) + eps), six steps down a narrow valley, with betas (0.8, 0.99) and eps 1e-6."""
    ps = [impl.Value(-1.0), impl.Value(1.0)]
    return _descend(impl.Adam(ps, lr=0.1, betas=(0.8, 0.99), eps=1e-6), ps, steps=6)


@graded(rel_tol=1e-7, abs_tol=1e-10)
def test_momentum_and_adam_train_an_mlp(impl: Implementation) -> Result:
    """MLP(2, [3, 1]) and mse_loss on four points, eight steps of each optimizer from the same
    start: both step every parameter of model.parameters(), and the loss falls."""
    results: Result = {}
    for name in ("momentum", "adam"):
        model = impl.MLP(2, [3, 1])
        set_parameters(model, random.Random(1))
        optimizer = (impl.Momentum(model.parameters(), lr=0.05) if name == "momentum"
                     else impl.Adam(model.parameters(), lr=0.05))
        xs = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, -0.5]]
        losses = []
        for _ in range(8):
            loss = impl.mse_loss([model(x) for x in xs], [1.0, -1.0, 0.5, 0.0])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.data)
        results[f"{name} losses"] = losses
        results[f"{name} parameters after"] = [p.data for p in model.parameters()]
    return results


@graded(misconceptions=(zero_grad_incomplete,))
def test_zero_grad_sets_every_parameters_grad_to_0(impl: Implementation) -> Result:
    """optimizer.zero_grad() sets the grad of each parameter it was given to 0, like Module.zero_grad."""
    ps = [impl.Value(1.0), impl.Value(-2.0), impl.Value(0.5), impl.Value(3.0)]
    for p, g in zip(ps, (0.3, -1.5, 4.0, 2.0)):
        p.grad = g
    impl.Momentum(ps, lr=0.1).zero_grad()
    after_momentum = grads(ps)
    for p, g in zip(ps, (0.3, -1.5, 4.0, 2.0)):
        p.grad = g
    impl.Adam(ps).zero_grad()
    return {"after": after_momentum, "after Adam's": grads(ps), "data": [p.data for p in ps]}


@graded()
def test_fit_classifier_refuses_mismatched_or_empty_data_and_a_single_output(
        impl: Implementation) -> Result:
    """Two inputs and three labels, no data at all, or a model with one output (no classes to
    choose from) raise ValueError."""
    model, single = impl.MLP(2, [2, 3]), impl.MLP(2, [2, 1])
    xs = [[0.0, 1.0], [1.0, 0.0]]
    return {
        "2 inputs, 3 labels": raised(lambda: impl.fit_classifier(
            model, xs, [0, 1, 2], impl.Momentum(model.parameters(), lr=0.1), steps=1)),
        "no data": raised(lambda: impl.fit_classifier(
            model, [], [], impl.Momentum(model.parameters(), lr=0.1), steps=1)),
        "one output": raised(lambda: impl.fit_classifier(
            single, xs, [0, 1], impl.Momentum(single.parameters(), lr=0.1), steps=1)),
    }


@graded(rel_tol=1e-7, abs_tol=1e-10)
def test_fit_classifier_steps_down_the_mean_cross_entropy(impl: Implementation) -> Result:
    """L = (1/n) sum_k -log softmax(model(x_k))[label_k] over six points of three classes, five
    momentum steps of MLP(2, [4, 3]): the loss before each step, the parameters and grads after."""
    model = impl.MLP(2, [4, 3])
    set_parameters(model, random.Random(2))
    xs = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [-1.0, -0.5], [0.5, -1.0], [-0.5, 0.5]]
    optimizer = impl.Momentum(model.parameters(), lr=0.1)
    losses = impl.fit_classifier(model, xs, [0, 1, 2, 0, 1, 2], optimizer, steps=5)
    return {"losses": losses, "parameters after": [p.data for p in model.parameters()],
            "parameter grads": grads(model.parameters())}


@graded(rel_tol=1e-6, abs_tol=1e-9, timeout=30.0, milestone=True)
def test_milestone_adam_learns_a_three_armed_spiral(impl: Implementation) -> Result:
    """30 points on three spiral arms, which no straight line separates; MLP(2, [12, 3]) trained
    by fit_classifier with Adam(lr=0.1) for 60 steps gets at least 95% of them right."""
    xs, labels = spiral(10, noise=0.1, seed=1)
    model = impl.MLP(2, [12, 3])
    set_parameters(model, random.Random(1))
    losses = impl.fit_classifier(model, xs, labels, impl.Adam(model.parameters(), lr=0.1), steps=60)
    accuracy = sum(_predicted(model(x)) == label for x, label in zip(xs, labels)) / len(xs)
    return {"losses": losses, "accuracy": accuracy,
            "at least 95% right": "yes" if accuracy >= 0.95 else "no"}


def _predicted(logits: list[Any]) -> int:
    """The class the model picks: the one with the largest logit."""
    return max(range(len(logits)), key=lambda k: logits[k].data)


def _descend(optimizer: Any, ps: list[Any], steps: int) -> Result:
    """steps of forward, zero_grad, backward, step down a long, narrow valley (steep across b,
    gentle along a); the data at the start and after each step, and the grads each step used."""
    a, b = ps
    data, seen, losses = [a.data, b.data], [], []
    for _ in range(steps):
        loss = (a - 1) ** 2 + 10 * (b + 0.5) ** 2 + a * b
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
        seen += grads(ps)
        data += [a.data, b.data]
    return {"losses": losses, "data by step": data, "grads by step": seen}
