"""Exercise 4: a layer is a list of neurons that read the same inputs."""

import random
from typing import Any

from kata.core.cases import Result, graded
from kata.core.implementation import Implementation
from kata.core.misconceptions import missing_parameters
from kata.core.scenario_tools import grads, parameters_held, set_parameters


def _layer_case(impl: Implementation, nin: int, nout: int, activation: str, seed: int) -> Result:
    rng = random.Random(seed)
    layer = impl.Layer(nin, nout, activation)
    set_parameters(layer, rng)
    x = [impl.Value(rng.uniform(-2, 2)) for _ in range(nin)]
    outs = layer(x)
    total: Any = sum(outs[1:], outs[0])
    total.backward()
    return {"outputs": [o.data for o in outs], "parameter grads": grads(layer.parameters()),
            "input grads": grads(x)}


@graded(kata_keys=("neurons", "parameters", "outputs", "parameters held", "kinds in parameters()"),
        misconceptions=(missing_parameters,))
def test_a_layer_returns_one_value_per_neuron(impl: Implementation) -> Result:
    """Layer(3, 4) has 4 neurons of 3 inputs each: 16 parameters; calling it gives a list of 4."""
    layer = impl.Layer(3, 4)
    outs = layer([1.0, 2.0, 3.0])
    return {"neurons": float(len(layer.neurons)), "parameters": float(len(layer.parameters())),
            "outputs": float(len(outs)), "kind": type(outs).__name__,
            **parameters_held(impl, layer.neurons, layer.parameters())}


@graded()
def test_a_tanh_layer(impl: Implementation) -> Result:
    """Each output is tanh(w_j . x + b_j); an input's grad sums the shares of every neuron."""
    return _layer_case(impl, 3, 4, "tanh", seed=11)


@graded()
def test_parameters_are_each_neurons_in_turn(impl: Implementation) -> Result:
    """parameters() lists neuron 0's w and b, then neuron 1's, and so on: the order sgd relies on."""
    layer = impl.Layer(2, 3, "linear")
    values = set_parameters(layer, random.Random(2))
    return {"set": values, "per neuron": [p.data for n in layer.neurons for p in n.parameters()]}


@graded()
def test_a_layer_of_one_neuron_still_returns_a_list(impl: Implementation) -> Result:
    """Layer(2, 1) returns a list holding one Value, never a bare Value."""
    return _layer_case(impl, 2, 1, "relu", seed=4) | {
        "kind": type(impl.Layer(2, 1)([1.0, 1.0])).__name__}


@graded(seeds=(1, 2, 3))
def test_layers_of_random_sizes_agree_with_pytorch(impl: Implementation, seed: int) -> Result:
    """Random sizes, activation, parameters and inputs."""
    rng = random.Random(seed)
    return _layer_case(impl, rng.randint(1, 5), rng.randint(1, 5),
                       rng.choice(["tanh", "relu", "linear"]), seed)
