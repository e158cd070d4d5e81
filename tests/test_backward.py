"""Exercise 2: backward() applies the chain rule to the whole graph, in reverse topological order."""

from kata.core.cases import CompareMode, Result, graded
from kata.core.implementation import Implementation
from kata.core.scenario_tools import (
    default_recursion_limit,
    grads,
    positions,
    random_expression,
    random_primitive_graph,
    trace,
)


@graded()
def test_backward_seeds_the_root_with_one(impl: Implementation) -> Result:
    """d(root)/d(root) = 1; here root = x * y, so x.grad = y and y.grad = x."""
    x, y = impl.Value(3.0), impl.Value(-2.0)
    root = trace(x * y)
    root.backward()
    return {"root.grad": root.grad, "x.grad": x.grad, "y.grad": y.grad}


@graded()
def test_backward_from_a_leaf_adds_one_to_its_grad_each_time(impl: Implementation) -> Result:
    """A leaf is its own root: d(x)/d(x) = 1, and a leaf's grad accumulates, so twice gives 2."""
    x = impl.Value(3.0)
    x.backward()
    once = x.grad
    x.backward()
    return {"x.grad after one backward()": once, "x.grad after two": x.grad}


@graded()
def test_a_chain_multiplies_local_derivatives(impl: Implementation) -> Result:
    """out = tanh(w*x + b): d(out)/dw = (1 - out**2) * x, and so on down the chain."""
    x, w, b = impl.Value(0.5, label="x"), impl.Value(-1.5, label="w"), impl.Value(0.25, label="b")
    out = trace((w * x + b).tanh())
    out.backward()
    return {"out": out.data, "grads": grads([x, w, b])}


@graded()
def test_a_node_used_by_two_nodes_waits_for_both(impl: Implementation) -> Result:
    """b = 2a and c = a + 1 both use a; d = b * c. a's grad is the sum over both paths."""
    a = impl.Value(1.5, label="a")
    b, c = 2 * a, a + 1
    d = trace(b * c)
    d.backward()
    return {"d": d.data, "a.grad": a.grad, "b.grad": b.grad, "c.grad": c.grad}


@graded()
def test_the_classic_sanity_expression(impl: Implementation) -> Result:
    """x = -4; z = 2x + 2 + x; q = relu(z) + z*x; h = relu(z*z); y = h + q + q*x."""
    x = impl.Value(-4.0, label="x")
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = trace(h + q + q * x)
    y.backward()
    return {"y": y.data, "x.grad": x.grad}


@graded()
def test_a_lone_value_is_its_own_root(impl: Implementation) -> Result:
    """x.backward() on a leaf: d(x)/d(x) = 1."""
    x = impl.Value(5.0)
    x.backward()
    return {"x.grad": x.grad}


@graded()
def test_a_second_backward_adds_the_same_gradients_to_the_leaves(impl: Implementation) -> Result:
    """Leaves accumulate across calls, as in PyTorch; interior grads are computed afresh.

    y = tanh(x * w) * 3: after two calls x.grad and w.grad are twice one call's.
    """
    x, w = impl.Value(0.8), impl.Value(-0.6)
    hidden = (x * w).tanh()
    y = hidden * 3
    y.backward()
    once = grads([x, w])
    y.backward()
    return {"after one": once, "after two": grads([x, w]), "hidden.grad": hidden.grad}


@graded(compare=CompareMode.ORDER)
def test_topological_order_lists_every_node_after_its_operands(impl: Implementation) -> Result:
    """A diamond: d = b * c with b = a + a and c = a * e. a is listed once, before b and c."""
    a, e = impl.Value(2.0), impl.Value(3.0)
    b = a + a
    c = a * e
    d = b * c
    nodes = [a, e, b, c, d]
    order = impl.topological_order(d)
    return {"order": positions(order, nodes), "edges": [2, 0, 3, 0, 3, 1, 4, 2, 4, 3]}


@graded(compare=CompareMode.ORDER, seeds=(1, 2, 3))
def test_topological_order_of_random_graphs(impl: Implementation, seed: int) -> Result:
    """Every node appears once, after every node it uses, whatever the graph."""
    root, nodes, edges = random_primitive_graph(impl, seed)
    return {"order": positions(impl.topological_order(root), nodes), "edges": edges}


@graded()
def test_a_chain_of_5000_operations_needs_no_recursion(impl: Implementation) -> Result:
    """y = x * c five thousand times, backward under Python's default recursion limit: dy/dx = c**5000."""
    x, c = impl.Value(1.0), impl.Value(1.0002)
    y = x
    for _ in range(5_000):
        y = y * c
    with default_recursion_limit():
        y.backward()
    return {"y": y.data, "x.grad": x.grad, "c.grad": c.grad}


@graded()
def test_the_sum_of_a_thousand_values(impl: Implementation) -> Result:
    """sum() starts from 0 and adds one Value at a time: every grad is 1."""
    xs = [impl.Value(i / 1000) for i in range(1000)]
    total = sum(xs)
    total.backward()
    return {"total": total.data, "grads": grads(xs)}


@graded(seeds=(1, 2, 3, 4, 5))
def test_backward_through_random_expressions(impl: Implementation, seed: int) -> Result:
    """A random graph of every operation, leaves reused: every leaf's grad."""
    root, leaves = random_expression(impl, seed, size=20)
    trace(root).backward()
    return {"root": root.data, "leaf grads": grads(leaves)}
