"""The ordered list of exercises: make check, the suites and the grader all read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    number: int
    name: str  # the module in exercises/ and solutions/; its suite is tests/test_<name>.py
    title: str
    exports: tuple[str, ...]  # the public names that scenarios take from this module
    points: int  # out of 100 for the whole kata (apart, for a bonus), shared equally by its cases
    bonus: bool = False  # after the core, outside its 100 points: the instructor decides


EXERCISES = (
    Exercise(0, "derivatives", "Derivatives: estimated numerically, and the chain rule by hand",
             ("numerical_derivative", "one_sided_derivative", "numerical_gradient",
              "chain_rule_by_hand", "neuron_by_hand"), 5),
    Exercise(1, "value", "Value: operations and their local derivatives", ("Value",), 25),
    Exercise(2, "backward", "backward(): the chain rule over a whole graph",
             ("topological_order", "backward"), 25),
    Exercise(3, "neuron", "Neuron: weights, a bias and an activation", ("Module", "Neuron"), 10),
    Exercise(4, "layer", "Layer: neurons side by side", ("Layer",), 10),
    Exercise(5, "mlp", "MLP: layers one after another", ("MLP",), 10),
    Exercise(6, "train", "Training: losses, SGD and a loop that learns",
             ("mse_loss", "hinge_loss", "sgd_step", "fit"), 15),
    # The bonus track: after the core, outside its 100 points.
    Exercise(7, "softmax", "Softmax and cross-entropy: a loss for several classes",
             ("softmax", "cross_entropy"), 5, bonus=True),
    Exercise(8, "optim", "Optimizers: momentum and Adam remember past grads",
             ("Momentum", "Adam", "fit_classifier"), 5, bonus=True),
)


def exercise_named(name: str) -> Exercise:
    for exercise in EXERCISES:
        if exercise.name == name:
            return exercise
    names = ", ".join(e.name for e in EXERCISES)
    raise KeyError(f"there is no exercise {name!r}; the exercises are {names}")


def exercise_exporting(public_name: str) -> Exercise:
    for exercise in EXERCISES:
        if public_name in exercise.exports:
            return exercise
    raise AttributeError(f"the kata has no public name {public_name!r}")
