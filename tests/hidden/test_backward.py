"""Hidden cases of exercise 2: graded by grader.py, left out of the student copy (make release)."""

from kata.core.cases import Result, graded
from kata.core.implementation import Implementation
from kata.core.scenario_tools import grads


@graded()
def test_a_ladder_of_shared_nodes(impl: Implementation) -> Result:
    """y <- tanh(y*y + y), ten times: each rung uses the one below it twice."""
    x = impl.Value(0.3)
    y = x
    for _ in range(10):
        y = (y * y + y).tanh()
    y.backward()
    return {"y": y.data, "x.grad": x.grad}


@graded()
def test_backward_from_a_node_in_the_middle(impl: Implementation) -> Result:
    """Backward from an interior node only reaches what that node depends on."""
    a, b, c = impl.Value(1.5), impl.Value(-0.5), impl.Value(2.0)
    middle = a * b
    top = middle + c
    middle.backward()
    return {"top": top.data, "grads": grads([a, b, c])}
