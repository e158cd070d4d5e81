"""Exercise 3: a neuron computes activation(w . x + b); its parameters are w then b."""

import random

from kata.core.cases import Result, graded
from kata.core.implementation import Implementation
from kata.core.misconceptions import missing_parameters, zero_grad_incomplete
from kata.core.scenario_tools import grads, parameters_held, raised, set_parameters


@graded(kata_keys=("weights", "parameters", "parameters held", "kinds in parameters()", "bias at first"),
        misconceptions=(missing_parameters,))
def test_a_neuron_has_one_weight_per_input_and_a_bias(impl: Implementation) -> Result:
    """Neuron(3) has 3 weights and a bias that starts at 0: 4 parameters, the bias last."""
    n = impl.Neuron(3)
    return {"weights": float(len(n.w)), "parameters": float(len(n.parameters())),
            "bias is last": str(n.parameters()[-1] is n.b), "bias at first": n.b.data,
            **parameters_held(impl, [n], n.parameters())}


@graded(kata_keys=("different weights", "every weight in [-1, 1]"))
def test_each_weight_is_a_draw_of_its_own_in_minus_one_to_one(impl: Implementation) -> Result:
    """Neuron(20)'s 20 weights are 20 draws of random.uniform(-1, 1): all different, since neurons
    whose weights start equal get equal grads and never become different."""
    weights = [w.data for w in impl.Neuron(20).w]
    return {"different weights": float(len(set(weights))),
            "every weight in [-1, 1]": str(all(-1.0 <= w <= 1.0 for w in weights))}


@graded()
def test_the_weights_are_labelled_w0_w1_w2_and_the_bias_b(impl: Implementation) -> Result:
    """Neuron(3) labels its weights "w0", "w1", "w2" and its bias "b", so that draw_dot names them."""
    n = impl.Neuron(3)
    return {"labels of w, then b": ",".join([*(w.label for w in n.w), n.b.label])}


def _neuron_case(impl: Implementation, activation: str, x: list[float]) -> Result:
    n = impl.Neuron(len(x), activation)
    set_parameters(n, random.Random(7))
    out = n(x)
    out.backward()
    return {"out": out.data, "parameter grads": grads(n.parameters())}


@graded()
def test_a_tanh_neuron(impl: Implementation) -> Result:
    """out = tanh(w . x + b); d(out)/dw_i = (1 - out**2) * x_i, d(out)/db = 1 - out**2."""
    return _neuron_case(impl, "tanh", [0.5, -1.0, 2.0])


@graded()
def test_a_relu_neuron(impl: Implementation) -> Result:
    """out = relu(w . x + b): the grads are x_i and 1 where w . x + b > 0, else all 0."""
    return _neuron_case(impl, "relu", [0.5, -1.0, 2.0])


@graded()
def test_a_linear_neuron(impl: Implementation) -> Result:
    """out = w . x + b: d(out)/dw_i = x_i, d(out)/db = 1."""
    return _neuron_case(impl, "linear", [0.5, -1.0, 2.0])


@graded()
def test_inputs_may_be_values_that_get_grads_too(impl: Implementation) -> Result:
    """With Values as inputs, d(out)/dx_i = (1 - out**2) * w_i reaches them as well."""
    n = impl.Neuron(2)
    set_parameters(n, random.Random(3))
    x = [impl.Value(0.3), impl.Value(-0.8)]
    out = n(x)
    out.backward()
    return {"out": out.data, "input grads": grads(x)}


@graded(misconceptions=(zero_grad_incomplete,))
def test_zero_grad_clears_every_parameter_grad(impl: Implementation) -> Result:
    """backward() adds to parameter grads; zero_grad() sets them all back to 0."""
    n = impl.Neuron(2)
    set_parameters(n, random.Random(5))
    n([1.0, 2.0]).backward()
    before = grads(n.parameters())
    n.zero_grad()
    return {"before": before, "after": grads(n.parameters())}


@graded()
def test_a_wrong_number_of_inputs_is_a_value_error(impl: Implementation) -> Result:
    """Neuron(3) called on 2 inputs raises ValueError instead of silently ignoring a weight."""
    n = impl.Neuron(3)
    return {"2 inputs": raised(lambda: n([1.0, 2.0])), "4 inputs": raised(lambda: n([1.0] * 4))}


@graded(seeds=(1, 2, 3))
def test_neurons_of_random_sizes_agree_with_pytorch(impl: Implementation, seed: int) -> Result:
    """Random size, activation, parameters and inputs."""
    rng = random.Random(seed)
    nin = rng.randint(1, 6)
    return _neuron_case(impl, rng.choice(["tanh", "relu", "linear"]),
                        [rng.uniform(-2, 2) for _ in range(nin)])
