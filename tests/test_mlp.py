"""Exercise 5: an MLP applies its layers in turn; hidden layers use the activation, the last is linear."""

import random
from typing import Any

from kata.core.cases import Result, graded
from kata.core.implementation import Implementation
from kata.core.misconceptions import missing_parameters
from kata.core.scenario_tools import grads, parameter_places, parameters_held, set_parameters


def _mlp_case(impl: Implementation, nin: int, nouts: list[int], activation: str,
              seed: int) -> Result:
    rng = random.Random(seed)
    model = impl.MLP(nin, nouts, activation)
    set_parameters(model, rng)
    out = model([rng.uniform(-2, 2) for _ in range(nin)])
    outs = out if isinstance(out, list) else [out]
    total: Any = sum(outs[1:], outs[0])
    total.backward()
    return {"outputs": [o.data for o in outs], "parameter grads": grads(model.parameters())}


@graded(kata_keys=("layers", "parameters", "neurons per layer", "parameters held", "kinds in parameters()"),
        misconceptions=(missing_parameters,))
def test_an_mlp_has_one_layer_per_size(impl: Implementation) -> Result:
    """MLP(3, [4, 4, 1]): layers of 3->4, 4->4 and 4->1: 16 + 20 + 5 = 41 parameters."""
    model = impl.MLP(3, [4, 4, 1])
    neurons = [neuron for layer in model.layers for neuron in layer.neurons]
    return {"layers": float(len(model.layers)), "parameters": float(len(model.parameters())),
            "neurons per layer": [float(len(layer.neurons)) for layer in model.layers],
            **parameters_held(impl, neurons, model.parameters())}


@graded()
def test_one_output_is_a_value_and_several_are_a_list(impl: Implementation) -> Result:
    """MLP(2, [3, 1]) returns a Value; MLP(2, [3, 2]) returns a list of two."""
    one = impl.MLP(2, [3, 1])([0.5, -0.5])
    two = impl.MLP(2, [3, 2])([0.5, -0.5])
    return {"one output": "Value" if isinstance(one, impl.Value) else type(one).__name__,
            "two outputs": type(two).__name__}


@graded(places={"parameter grads": parameter_places(3, [4, 4, 1])},
        misconceptions=(missing_parameters,))
def test_a_tanh_mlp_with_a_linear_output(impl: Implementation) -> Result:
    """out = W3 . tanh(W2 . tanh(W1 . x + b1) + b2) + b3: the last layer is not squashed."""
    return _mlp_case(impl, 3, [4, 4, 1], "tanh", seed=21)


@graded(places={"parameter grads": parameter_places(2, [5, 1])}, misconceptions=(missing_parameters,))
def test_a_relu_mlp(impl: Implementation) -> Result:
    """Hidden layers relu, the last linear."""
    return _mlp_case(impl, 2, [5, 1], "relu", seed=8)


@graded(places={"parameter grads": parameter_places(2, [3, 2])}, misconceptions=(missing_parameters,))
def test_two_outputs_each_give_their_grads_to_every_parameter(impl: Implementation) -> Result:
    """MLP(2, [3, 2]): both outputs, and the grads of their sum."""
    return _mlp_case(impl, 2, [3, 2], "tanh", seed=5)


@graded(seeds=(1, 2, 3))
def test_mlps_of_random_shapes_agree_with_pytorch(impl: Implementation, seed: int) -> Result:
    """Random depth, sizes, activation, parameters and inputs."""
    rng = random.Random(seed)
    nouts = [rng.randint(1, 4) for _ in range(rng.randint(1, 3))]
    return _mlp_case(impl, rng.randint(1, 4), nouts, rng.choice(["tanh", "relu"]), seed)
