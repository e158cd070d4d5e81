"""Each `_backward` call of a learner's backward pass, recorded in the child while a case runs:
make step replays them one at a time beside PyTorch's numbers.

For the length of one case the learner's Value class is instrumented: a `_backward` defined on
the class is wrapped there, and one given to a node (the lecture's closures) is wrapped as it is
set. Each call records the node, its grad at that moment, each operand's grad before and after
(the share it was given is their difference), and the node's `_local_grads` if it keeps them.
Plain numbers only, as everything the child sends.
"""

from __future__ import annotations

import contextlib
import functools
import math
from typing import Any, Callable, Iterator, NamedTuple, Optional

from kata.core.graph import TracedNode

CALL_LIMIT = 2000  # calls recorded in one case: a graph the page shows takes far fewer


class Call(NamedTuple):
    """One `_backward` call, on a node of the traced graph. A tuple, so that it travels as JSON."""

    node: int  # the node whose _backward ran
    grad: float  # its grad as it ran
    operands: tuple[int, ...]  # its distinct operands, in the order of _prev (a * a: once)
    before: tuple[float, ...]  # each one's grad before the call
    after: tuple[float, ...]  # and after it: the share it was given is the difference
    local_grads: Optional[tuple[float, ...]]  # node._local_grads, one per operand of _prev, if it keeps them


class _Raw(NamedTuple):
    node: Any
    grad: Any
    operands: list[Any]
    before: list[Any]
    after: list[Any]
    local_grads: Any


@contextlib.contextmanager
def recording(value_class: type) -> Iterator[list[_Raw]]:
    """Every _backward call made on a value_class node while the block runs, in order."""
    raw: list[_Raw] = []

    def wrap(node: Any, backward: Callable[[], Any]) -> Callable[[], Any]:
        @functools.wraps(backward)
        def recorded() -> Any:
            operands = _distinct(getattr(node, "_prev", ()))
            if not operands or len(raw) >= CALL_LIMIT:  # a leaf's _backward passes nothing on
                return backward()
            grad, before = getattr(node, "grad", None), [getattr(o, "grad", None) for o in operands]
            result = backward()
            raw.append(_Raw(node, grad, operands, before, [getattr(o, "grad", None) for o in operands],
                            getattr(node, "_local_grads", None)))
            return result
        return recorded

    own = value_class.__dict__
    method, setter = own.get("_backward"), own.get("__setattr__")
    # What sets an attribute for it: its own __setattr__, else the nearest of its bases' (object's at last).
    sets = setter or next(c.__dict__["__setattr__"] for c in value_class.__mro__[1:] if "__setattr__" in c.__dict__)

    def setattr_recording(self: Any, name: str, value: Any) -> None:
        if name == "_backward" and callable(value):
            value = wrap(self, value)
        sets(self, name, value)

    patched = {"__setattr__": setter}  # what was patched, and what to put back (None: nothing was there)
    if callable(method):
        patched["_backward"] = method
        value_class._backward = lambda self: wrap(self, functools.partial(method, self))()  # type: ignore[attr-defined]
    value_class.__setattr__ = setattr_recording  # type: ignore[method-assign, assignment]
    try:
        yield raw
    finally:
        for name, original in patched.items():
            if original is None:
                delattr(value_class, name)
            else:
                setattr(value_class, name, original)


def _distinct(prev: Any) -> list[Any]:
    """The operands of _prev, each once, in order (a * a lists a twice)."""
    seen: dict[int, Any] = {}
    for operand in prev if isinstance(prev, (tuple, list)) else ():
        seen.setdefault(id(operand), operand)
    return list(seen.values())


def calls_on(raw: list[_Raw], nodes: list[Any]) -> Optional[list[Call]]:
    """The calls made on nodes of the traced graph (nodes, in its order), as plain numbers; None if
    a number in them is not one."""
    index = {id(node): i for i, node in enumerate(nodes)}
    calls = []
    for r in raw:
        if id(r.node) not in index or any(id(o) not in index for o in r.operands):
            continue  # another graph the case built: only the traced one is shown
        numbers = [r.grad, *r.before, *r.after]
        local = r.local_grads if isinstance(r.local_grads, (tuple, list)) else None
        if local is not None and not all(_is_number(x) for x in local):
            local = None
        if not all(_is_number(x) for x in numbers):
            return None
        calls.append(Call(index[id(r.node)], float(r.grad), tuple(index[id(o)] for o in r.operands),
                          tuple(map(float, r.before)), tuple(map(float, r.after)),
                          None if local is None else tuple(map(float, local))))
    return calls


def _is_number(x: Any) -> bool:
    return type(x) in (int, float) and math.isfinite(x)


def checked_calls(value: Any, graph: Optional[list[TracedNode]]) -> Optional[list[Call]]:
    """Calls as the child sent them (JSON lists), each field checked against the graph; else None."""
    if graph is None or type(value) is not list or len(value) > CALL_LIMIT:
        return None
    calls = []
    for call in value:
        if type(call) is not list or len(call) != 6:
            return None
        node, grad, operands, before, after, local = call
        if type(node) is not int or not 0 <= node < len(graph) or not _is_number(grad):
            return None
        distinct = list(dict.fromkeys(graph[node].operands))
        if (operands != distinct or type(before) is not list or type(after) is not list
                or not len(before) == len(after) == len(distinct)
                or not all(_is_number(x) for x in [*before, *after])):
            return None
        if local is not None and (type(local) is not list or len(local) != len(graph[node].operands)
                                  or not all(_is_number(x) for x in local)):
            local = None
        calls.append(Call(node, float(grad), tuple(distinct), tuple(map(float, before)), tuple(map(float, after)),
                          None if local is None else tuple(map(float, local))))
    return calls
