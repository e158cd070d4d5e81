"""Exercise 1: each operation's forward value and local derivatives.

Every scenario here passes grads with apply_local_derivatives, a stand-in for
backward() that only calls your `_backward` functions, so these cases grade
exercise 1 alone. The upstream grad is 2.0, not 1.0, so that forgetting to
multiply by out.grad shows.
"""

from kata.core.cases import Result, graded
from kata.core.implementation import Implementation
from kata.core.scenario_tools import apply_local_derivatives, grads, raised, random_expression


@graded()
def test_a_new_value_holds_a_float_and_a_zero_grad(impl: Implementation) -> Result:
    """Value(3) has data 3.0 (an int becomes a float) and grad 0.0; repr shows both."""
    v = impl.Value(3)
    return {"data": v.data, "grad": v.grad, "repr": repr(v), "type of data": type(v.data).__name__}


@graded()
def test_a_value_keeps_the_label_it_is_given_and_a_result_has_none(impl: Implementation) -> Result:
    """Value(2.0, label="x").label is "x"; a Value made without a label, and the result of an
    operation, has label "". draw_dot shows each Value's label: dropped, the names are lost."""
    x, y = impl.Value(2.0, label="x"), impl.Value(-3.0)
    return {"x.label": x.label, "y.label": y.label, "(x + y).label": (x + y).label,
            "(x * y).label": (x * y).label, "x.tanh().label": x.tanh().label}


@graded()
def test_sum_passes_its_grad_to_both_operands(impl: Implementation) -> Result:
    """out = a + b; d(out)/da = d(out)/db = 1."""
    a, b = impl.Value(2.0), impl.Value(-3.0)
    out = a + b
    apply_local_derivatives(out, 2.0)
    return {"out": out.data, "a.grad": a.grad, "b.grad": b.grad}


@graded()
def test_product_passes_each_operand_the_other(impl: Implementation) -> Result:
    """out = a * b; d(out)/da = b, d(out)/db = a."""
    a, b = impl.Value(2.0), impl.Value(-3.0)
    out = a * b
    apply_local_derivatives(out, 2.0)
    return {"out": out.data, "a.grad": a.grad, "b.grad": b.grad}


@graded()
def test_a_quotient_passes_one_over_b_and_minus_a_over_b_squared(impl: Implementation) -> Result:
    """out = a / b; d(out)/da = 1/b, d(out)/db = -a/b**2."""
    a, b = impl.Value(3.0), impl.Value(-4.0)
    out = a / b
    apply_local_derivatives(out, 2.0)
    return {"out": out.data, "a.grad": a.grad, "b.grad": b.grad}


@graded()
def test_power_with_int_and_float_exponents(impl: Implementation) -> Result:
    """d(x**k)/dx = k * x**(k-1), for k = 3 and for k = 0.5; and 0**1.5, which is 0, with slope 0
    (a fraction of a power is refused below 0 only)."""
    x, y, z = impl.Value(1.5), impl.Value(4.0), impl.Value(0.0)
    cube, root, at_zero = x**3, y**0.5, z**1.5
    for out in (cube, root, at_zero):
        apply_local_derivatives(out, 2.0)
    return {"x**3": cube.data, "x.grad": x.grad, "y**0.5": root.data, "y.grad": y.grad,
            "0**1.5": at_zero.data, "0.grad": z.grad}


@graded()
def test_negation_and_subtraction(impl: Implementation) -> Result:
    """-a has derivative -1; a - b has d/da = 1 and d/db = -1."""
    a, b, c = impl.Value(2.0), impl.Value(5.0), impl.Value(7.0)
    negated, difference = -a, b - c
    apply_local_derivatives(negated, 2.0)
    apply_local_derivatives(difference, 2.0)
    return {"-a": negated.data, "a.grad": a.grad, "b - c": difference.data,
            "b.grad": b.grad, "c.grad": c.grad}


@graded()
def test_a_number_on_the_left_of_plus_and_times(impl: Implementation) -> Result:
    """3 + x and 2 * x: Python calls x.__radd__(3) and x.__rmul__(2)."""
    x, y = impl.Value(4.0), impl.Value(4.0)
    total, product = 3 + x, 2 * y
    apply_local_derivatives(total, 2.0)
    apply_local_derivatives(product, 2.0)
    return {"3 + x": total.data, "x.grad": x.grad, "2 * y": product.data, "y.grad": y.grad}


@graded()
def test_a_number_minus_a_value_is_not_the_value_minus_the_number(impl: Implementation) -> Result:
    """1 - x = -(x - 1): the value is 1 - x and d(1 - x)/dx = -1."""
    x = impl.Value(4.0)
    out = 1 - x
    apply_local_derivatives(out, 2.0)
    return {"1 - x": out.data, "x.grad": x.grad}


@graded()
def test_a_number_divided_by_a_value(impl: Implementation) -> Result:
    """1 / x; d(1/x)/dx = -1/x**2."""
    x = impl.Value(4.0)
    out = 1 / x
    apply_local_derivatives(out, 2.0)
    return {"1 / x": out.data, "x.grad": x.grad}


@graded()
def test_exp_passes_its_result_and_log_one_over_its_input(impl: Implementation) -> Result:
    """d(e**x)/dx = e**x; d(ln y)/dy = 1/y."""
    x, y = impl.Value(0.7), impl.Value(2.5)
    e, ln = x.exp(), y.log()
    apply_local_derivatives(ln, 2.0)
    apply_local_derivatives(e, 2.0)  # last, so that exp's graph is the one shown node by node
    return {"exp(x)": e.data, "x.grad": x.grad, "log(y)": ln.data, "y.grad": y.grad}


@graded()
def test_tanh_passes_one_minus_its_result_squared(impl: Implementation) -> Result:
    """d(tanh x)/dx = 1 - tanh(x)**2."""
    x = impl.Value(0.5)
    out = x.tanh()
    apply_local_derivatives(out, 2.0)
    return {"tanh(x)": out.data, "x.grad": x.grad}


@graded()
def test_tanh_of_plus_and_minus_1000_does_not_overflow(impl: Implementation) -> Result:
    """tanh(1000) = 1 and tanh(-1000) = -1, with derivative 0: e**2000 must never be computed."""
    hi, lo = impl.Value(1000.0), impl.Value(-1000.0)
    t_hi, t_lo = hi.tanh(), lo.tanh()
    apply_local_derivatives(t_hi, 2.0)
    apply_local_derivatives(t_lo, 2.0)
    return {"tanh(1000)": t_hi.data, "tanh(-1000)": t_lo.data, "grads": grads([hi, lo])}


@graded()
def test_relu_on_both_sides_and_exactly_at_zero(impl: Implementation) -> Result:
    """relu(x) = max(0, x); its derivative is 1 for x > 0 and 0 otherwise, 0 at x = 0 too."""
    xs = [impl.Value(1.5), impl.Value(-1.5), impl.Value(0.0)]
    outs = [x.relu() for x in xs]
    for out in outs:
        apply_local_derivatives(out, 2.0)
    return {"relu": [out.data for out in outs], "grads": grads(xs)}


@graded()
def test_sigmoid_including_far_from_zero(impl: Implementation) -> Result:
    """sigmoid(x) = 1/(1 + e**-x); its derivative is s(1 - s); at -1000 no e**1000 overflow."""
    xs = [impl.Value(0.3), impl.Value(-2.0), impl.Value(-1000.0), impl.Value(1000.0)]
    outs = [x.sigmoid() for x in xs]
    for out in outs:
        apply_local_derivatives(out, 2.0)
    return {"sigmoid": [out.data for out in outs], "grads": grads(xs)}


@graded()
def test_a_value_used_twice_gets_both_shares(impl: Implementation) -> Result:
    """out = a * a: each use adds a * out.grad, so d(out)/da = 2a. Assigning instead of adding loses one."""
    a = impl.Value(3.0)
    out = a * a
    apply_local_derivatives(out, 2.0)
    return {"out": out.data, "a.grad": a.grad}


@graded()
def test_a_value_that_is_not_a_number_is_a_type_error(impl: Implementation) -> Result:
    """Value + str and str * Value raise TypeError (through NotImplemented), not a wrong number."""
    v = impl.Value(1.0)
    return {"Value + '2'": raised(lambda: v + "2"), "'2' * Value": raised(lambda: "2" * v),
            "Value - None": raised(lambda: v - None)}


@graded()
def test_a_value_as_exponent_is_a_type_error(impl: Implementation) -> Result:
    """Exponents are constants: int or float. Value ** Value raises TypeError."""
    v = impl.Value(2.0)
    return {"Value ** Value": raised(lambda: v ** impl.Value(2.0))}


@graded()
def test_log_of_zero_or_a_negative_number_is_a_value_error(impl: Implementation) -> Result:
    """ln x exists only for x > 0: ln 0.5 is fine (about -0.69), ln 0 and ln -1 are not."""
    return {"log(0.5)": raised(lambda: impl.Value(0.5).log()), "log(0)": raised(lambda: impl.Value(0.0).log()),
            "log(-1)": raised(lambda: impl.Value(-1.0).log())}


@graded()
def test_division_by_zero_is_a_zero_division_error(impl: Implementation) -> Result:
    """a / 0, a / Value(0) and 1 / Value(0) raise ZeroDivisionError; a / 1 does not."""
    a = impl.Value(1.0)
    return {"a / 0": raised(lambda: a / 0), "a / Value(0)": raised(lambda: a / impl.Value(0.0)),
            "1 / Value(0)": raised(lambda: 1 / impl.Value(0.0)), "a / 1": raised(lambda: a / 1)}


@graded(seeds=(1, 2, 3, 4, 5))
def test_every_operation_agrees_in_random_expressions(impl: Implementation, seed: int) -> Result:
    """A random graph of every operation, leaves reused: its value and every leaf's grad."""
    root, leaves = random_expression(impl, seed)
    apply_local_derivatives(root, 1.0)
    return {"root": root.data, "leaf grads": grads(leaves)}
