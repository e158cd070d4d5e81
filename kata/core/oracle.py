"""The kata's public API computed by PyTorch in float64: the reference every case is compared with.

Each Value wraps a scalar tensor. Forward values are PyTorch's; gradients come
from torch.autograd, never from the formulas the learner writes. Only the
error contract (which bad inputs raise what) is the kata's own.
"""

from __future__ import annotations

import gc
import math
import random
import warnings
from typing import Any, Callable, Optional, Sequence, Union

# PyTorch warns on import when NumPy is absent; the oracle never needs NumPy.
warnings.filterwarnings("ignore", message="Failed to initialize NumPy")

import torch  # noqa: E402  (after the filter above)

# PyTorch's 165,000 objects live until exit anyway: frozen, the cyclic garbage
# collector no longer walks them, above all while the interpreter shuts down
# (0.4 s of every run that imports PyTorch, measured by make bench).
gc.freeze()

from kata.core.graph import nodes_in_order  # noqa: E402

Operand = Union["Value", int, float]
Forward = Callable[..., torch.Tensor]


def _leaf(x: float) -> torch.Tensor:
    # From the exact Python float: going through float32 would lose about 1e-7.
    return torch.tensor(float(x), dtype=torch.float64, requires_grad=True)


# Exercise 0: derivatives. The function is evaluated on PyTorch tensors; the by-hand
# derivatives come from torch.autograd.

def _at(f: Callable[..., Any], *xs: float) -> torch.Tensor:
    return torch.as_tensor(f(*(torch.tensor(float(x), dtype=torch.float64) for x in xs)),
                           dtype=torch.float64)


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    return float((_at(f, x + h) - _at(f, x - h)) / (2 * h))


def one_sided_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    return float((_at(f, x + h) - _at(f, x)) / h)


def numerical_gradient(f: Callable[..., float], xs: Sequence[float], h: float = 1e-5) -> list[float]:
    def moved(i: int, by: float) -> list[float]:
        return [x + by if j == i else x for j, x in enumerate(xs)]
    return [float((_at(f, *moved(i, h)) - _at(f, *moved(i, -h))) / (2 * h)) for i in range(len(xs))]


def _derivatives(result: torch.Tensor, named: dict[str, torch.Tensor], of: str) -> dict[str, float]:
    grads = torch.autograd.grad(result, list(named.values()))
    return {f"d{of}/d{name}": float(g) for name, g in zip(named, grads)}


def chain_rule_by_hand(a: float, b: float, c: float, f: float) -> dict[str, float]:
    ta, tb, tc, tf = (_leaf(x) for x in (a, b, c, f))
    e = ta * tb
    d = e + tc
    loss = d * tf
    found = _derivatives(loss, {"d": d, "e": e, "a": ta, "b": tb, "c": tc, "f": tf}, "L")
    return {"L": loss.item(), **found}


def neuron_by_hand(x1: float, x2: float, w1: float, w2: float, b: float) -> dict[str, float]:
    tx1, tx2, tw1, tw2, tb = (_leaf(x) for x in (x1, x2, w1, w2, b))
    n = tx1 * tw1 + tx2 * tw2 + tb
    o = torch.tanh(n)
    found = _derivatives(o, {"n": n, "x1": tx1, "w1": tw1, "x2": tx2, "w2": tw2, "b": tb}, "o")
    return {"o": o.item(), **found}


class Value:
    def __init__(
        self,
        data: float,
        _children: tuple[Value, ...] = (),
        _op: str = "",
        label: str = "",
        *,
        _forward: Optional[Forward] = None,
    ) -> None:
        self.grad = 0.0
        self.label = label
        self._prev = tuple(_children)
        self._op = _op
        self._forward = _forward
        if _forward is None:
            self.tensor = _leaf(data)
        else:
            self.tensor = _forward(*(child.tensor for child in self._prev))

    @property
    def data(self) -> float:
        return float(self.tensor.item())

    @data.setter
    def data(self, x: float) -> None:
        self.tensor = _leaf(x)  # a new leaf: graphs built from now on use it

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    def _apply(self, op: str, forward: Forward, *others: Value) -> Value:
        return Value(0.0, (self, *others), op, _forward=forward)

    def _backward(self) -> None:
        """Add d(self)/d(operand) * self.grad to each operand, other operands held fixed."""
        if self._forward is None:
            return  # a leaf
        unique = list({id(child): child for child in self._prev}.values())
        # Detached copies: the local derivative only, not paths through earlier nodes.
        copies = {id(child): child.tensor.detach().requires_grad_() for child in unique}
        out = self._forward(*(copies[id(child)] for child in self._prev))
        # No grad_outputs tensor: passing one makes PyTorch import SymPy, half a second.
        local_grads = torch.autograd.grad(out, [copies[id(c)] for c in unique], allow_unused=True)
        for child, local in zip(unique, local_grads):
            child.grad += 0.0 if local is None else local.item() * self.grad

    def __add__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else self._apply("+", torch.add, o)

    def __mul__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else self._apply("*", torch.mul, o)

    def __sub__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else self._apply("-", torch.sub, o)

    def __truediv__(self, other: Operand) -> Value:
        o = _operand(other)
        if o is None:
            return NotImplemented
        if o.data == 0.0:
            raise ZeroDivisionError(f"Value division by zero: {self.data!r} / 0.0")
        return self._apply("/", torch.div, o)

    def __radd__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else o + self

    def __rmul__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else o * self

    def __rsub__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else o - self

    def __rtruediv__(self, other: Operand) -> Value:
        o = _operand(other)
        return NotImplemented if o is None else o / self

    def __neg__(self) -> Value:
        return self._apply("neg", torch.neg)

    def __pow__(self, exponent: Any) -> Value:
        if type(exponent) not in (int, float):
            raise TypeError(f"Value ** {type(exponent).__name__} is not supported: int or float only")
        if self.data < 0 and not float(exponent).is_integer():
            raise ValueError(f"Value ** {exponent!r} of a negative number is not real")
        if self.data == 0 and exponent < 0:
            raise ZeroDivisionError(f"0.0 ** {exponent!r}")
        return self._apply(f"**{exponent}", lambda t: torch.pow(t, exponent))

    def exp(self) -> Value:
        if self.data > math.log(torch.finfo(torch.float64).max):
            raise OverflowError(f"exp({self.data!r}) is too large for a float")
        return self._apply("exp", torch.exp)

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of a non-positive number: {self.data!r}")
        return self._apply("log", torch.log)

    def tanh(self) -> Value:
        return self._apply("tanh", torch.tanh)

    def relu(self) -> Value:
        return self._apply("relu", torch.relu)

    def sigmoid(self) -> Value:
        return self._apply("sigmoid", torch.sigmoid)

    def backward(self) -> None:
        backward(self)


def _operand(x: object) -> Optional[Value]:
    if isinstance(x, Value):
        return x
    if type(x) in (int, float, bool):
        return Value(float(x))  # type: ignore[arg-type]
    return None


def topological_order(root: Value) -> list[Value]:
    return nodes_in_order(root)


def backward(root: Value) -> None:
    """Every node's grad from torch.autograd: interior nodes get d(root)/d(node), leaves add it."""
    nodes = topological_order(root)
    grads = torch.autograd.grad(root.tensor, [node.tensor for node in nodes],
                                retain_graph=True, allow_unused=True)
    for node, grad in zip(nodes, grads):
        g = 0.0 if grad is None else grad.item()
        if node._prev:
            node.grad = g
        else:
            node.grad += g


class Module:
    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0


ACTIVATIONS: dict[str, Forward] = {"tanh": torch.tanh, "relu": torch.relu, "linear": lambda t: t}


class Neuron(Module):
    def __init__(self, nin: int, activation: str = "tanh") -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, not {activation!r}")
        # The labels are the kata's contract, as in solutions/neuron.py: draw_dot shows them.
        self.w = [Value(random.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.activation = activation

    def __call__(self, x: Sequence[Operand]) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"this neuron takes {len(self.w)} inputs, not {len(x)}")
        inputs = [v if isinstance(v, Value) else Value(v) for v in x]
        n, act = len(self.w), ACTIVATIONS[self.activation]

        def forward(*t: torch.Tensor) -> torch.Tensor:  # operands: w..., x..., b
            return act(torch.dot(torch.stack(t[:n]), torch.stack(t[n:2 * n])) + t[-1])

        return Value(0.0, (*self.w, *inputs, self.b), f"neuron:{self.activation}", _forward=forward)

    def parameters(self) -> list[Value]:
        return [*self.w, self.b]


class Layer(Module):
    def __init__(self, nin: int, nout: int, activation: str = "tanh") -> None:
        self.neurons = [Neuron(nin, activation) for _ in range(nout)]
        self.activation = activation

    def __call__(self, x: Sequence[Operand]) -> list[Value]:
        return [neuron(x) for neuron in self.neurons]

    def on_batch(self, inputs: torch.Tensor, parameters: torch.Tensor) -> torch.Tensor:
        """Every row of inputs at once; parameters lists each neuron's w..., b as parameters() does."""
        table = parameters.view(len(self.neurons), -1)
        return ACTIVATIONS[self.activation](inputs @ table[:, :-1].T + table[:, -1])

    def parameters(self) -> list[Value]:
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP(Module):
    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "tanh") -> None:
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], activation if i < len(nouts) - 1 else "linear")
                       for i in range(len(nouts))]

    def __call__(self, x: Sequence[Operand]) -> Union[Value, list[Value]]:
        outputs = self.layers[0](x)
        for layer in self.layers[1:]:
            outputs = layer(outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def on_batch(self, inputs: torch.Tensor, parameters: torch.Tensor) -> torch.Tensor:
        """The outputs for every row of inputs, with parameters laid out as parameters() lists them."""
        start = 0
        for layer in self.layers:
            count = len(layer.parameters())
            inputs = layer.on_batch(inputs, parameters[start:start + count])
            start += count
        return inputs

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]


def _mean_loss(name: str, per_item: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
               outputs: Sequence[Value], targets: Sequence[float]) -> Value:
    if len(outputs) != len(targets):
        raise ValueError(f"{len(outputs)} outputs but {len(targets)} targets")
    if not outputs:
        raise ValueError("a loss needs at least one output")
    target = torch.tensor([float(t) for t in targets], dtype=torch.float64)
    return Value(0.0, tuple(outputs), name,
                 _forward=lambda *t: per_item(torch.stack(t), target).mean())


def mse_loss(predictions: Sequence[Value], targets: Sequence[float]) -> Value:
    return _mean_loss("mse", lambda p, t: (p - t) ** 2, predictions, targets)


def hinge_loss(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    return _mean_loss("hinge", lambda s, y: torch.relu(1 - y * s), scores, labels)


def sgd_step(parameters: Sequence[Value], lr: float) -> None:
    for p in parameters:
        p.data = p.data - lr * p.grad


def fit(model: MLP, xs: Sequence[Sequence[float]], ys: Sequence[float], steps: int,
        lr: float) -> list[float]:
    """The kata's gradient descent on mse_loss, with the data and parameters as tensors.

    A layer is one matrix product rather than a graph of scalars: the same
    arithmetic, and about fifty times faster here.
    """
    nin, nout = len(model.layers[0].neurons[0].w), len(model.layers[-1].neurons)
    if nout != 1:
        raise ValueError(f"fit needs a model with one output, not {nout}")
    if len(xs) != len(ys):
        raise ValueError(f"{len(xs)} outputs but {len(ys)} targets")
    if not xs:
        raise ValueError("a loss needs at least one output")
    for x in xs:
        if len(x) != nin:
            raise ValueError(f"this neuron takes {nin} inputs, not {len(x)}")
    inputs = torch.tensor([[float(v) for v in x] for x in xs], dtype=torch.float64)
    targets = torch.tensor([float(y) for y in ys], dtype=torch.float64)
    parameters = model.parameters()
    flat = torch.tensor([p.data for p in parameters], dtype=torch.float64)
    grad = torch.tensor([p.grad for p in parameters], dtype=torch.float64)
    losses = []
    for _ in range(steps):
        flat.requires_grad_()
        loss = ((model.on_batch(inputs, flat)[:, 0] - targets) ** 2).mean()
        (grad,) = torch.autograd.grad(loss, [flat])
        flat = (flat - lr * grad).detach()
        losses.append(loss.item())
    for p, data, g in zip(parameters, flat.tolist(), grad.tolist()):
        p.data, p.grad = data, g
    return losses


# The bonus track: a classifier's loss (softmax) and optimizers (optim).

def softmax(logits: Sequence[Value]) -> list[Value]:
    """torch.softmax, one node per probability, each connected to every logit."""
    if not logits:
        raise ValueError("softmax needs at least one logit")

    def probability(i: int) -> Forward:
        return lambda *t: torch.softmax(torch.stack(t), 0)[i]

    return [Value(0.0, tuple(logits), "softmax", _forward=probability(i)) for i in range(len(logits))]


def cross_entropy(logits: Sequence[Value], label: int) -> Value:
    """torch.nn.functional.cross_entropy of one example: -log softmax(logits)[label]."""
    if not 0 <= label < len(logits):
        raise ValueError(f"label {label} is not one of the {len(logits)} classes of these logits")
    target = torch.tensor([label])
    return Value(0.0, tuple(logits), "cross_entropy",
                 _forward=lambda *t: torch.nn.functional.cross_entropy(torch.stack(t)[None], target))


from torch.optim.adam import adam as _adam_update  # noqa: E402  (torch.optim's functional form)
from torch.optim.sgd import sgd as _sgd_update  # noqa: E402


class _TorchOptimizer:
    """One of torch.optim's algorithms over a tensor that holds every parameter, in order (torch.optim
    works element by element). Each step copies the parameters' data and grads in, lets torch.optim
    update the tensor, and copies the new data back.

    The update is torch.optim's functional form (torch.optim.sgd.sgd, torch.optim.adam.adam): the
    computation that torch.optim.SGD and torch.optim.Adam run in step(), with the state those
    classes keep. Their constructors import torch._dynamo, which takes 1.5 s and leaves a cache
    folder in the temp directory; tests/support/test_bonus.py holds the two to the same numbers.
    """

    def __init__(self, parameters: Sequence[Value]) -> None:
        self.parameters = list(parameters)
        self.flat = torch.tensor([p.data for p in self.parameters], dtype=torch.float64,
                                 requires_grad=True)

    def load_data(self) -> None:
        """The parameters' data as it is now, which a scenario may have set since the last step."""
        with torch.no_grad():
            self.flat.copy_(torch.tensor([p.data for p in self.parameters], dtype=torch.float64))

    def update(self, grad: torch.Tensor) -> None:
        """One step of the algorithm on self.flat, with grad as every parameter's grad."""
        raise NotImplementedError

    def step(self) -> None:
        self.load_data()
        self.update(torch.tensor([p.grad for p in self.parameters], dtype=torch.float64))
        for p, data in zip(self.parameters, self.flat.tolist()):
            p.data = data

    def zero_grad(self) -> None:
        for p in self.parameters:
            p.grad = 0.0


class Momentum(_TorchOptimizer):
    """torch.optim.SGD with momentum: v = momentum * v + grad; p -= lr * v."""

    def __init__(self, parameters: Sequence[Value], lr: float, momentum: float = 0.9) -> None:
        super().__init__(parameters)
        self.lr, self.momentum = lr, momentum
        self.velocity: list[Optional[torch.Tensor]] = [None]  # SGD's momentum buffer, from step 1

    def update(self, grad: torch.Tensor) -> None:
        with torch.no_grad():
            _sgd_update([self.flat], [grad], self.velocity, foreach=False, weight_decay=0.0,
                        momentum=self.momentum, lr=self.lr, dampening=0.0, nesterov=False,
                        maximize=False)


class Adam(_TorchOptimizer):
    """torch.optim.Adam, bias correction included."""

    def __init__(self, parameters: Sequence[Value], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(parameters)
        self.lr, self.betas, self.eps = lr, betas, eps
        # The state torch.optim.Adam keeps per parameter: the averages and the count of steps.
        self.m = torch.zeros_like(self.flat, requires_grad=False)
        self.v = torch.zeros_like(self.flat, requires_grad=False)
        self.t = torch.tensor(0.0)

    def update(self, grad: torch.Tensor) -> None:
        with torch.no_grad():
            _adam_update([self.flat], [grad], [self.m], [self.v], [], [self.t], foreach=False,
                         amsgrad=False, beta1=self.betas[0], beta2=self.betas[1], lr=self.lr,
                         weight_decay=0.0, eps=self.eps, maximize=False)


def fit_classifier(model: MLP, xs: Sequence[Sequence[float]], labels: Sequence[int],
                   optimizer: Union[Momentum, Adam], steps: int) -> list[float]:
    """The kata's training of a classifier: torch.nn.functional.cross_entropy over the data and
    the optimizer's own torch.optim steps, with the data and parameters as tensors.

    A layer is one matrix product rather than a graph of scalars, as in fit. An
    optimizer over other parameters than the model's, in its order, takes the
    graph of scalars, step by step.
    """
    if len(xs) != len(labels):
        raise ValueError(f"{len(xs)} inputs but {len(labels)} labels")
    if not xs:
        raise ValueError("training needs at least one example")
    nin, nout = len(model.layers[0].neurons[0].w), len(model.layers[-1].neurons)
    if nout == 1:
        raise ValueError("a classifier needs a model with one output per class, not a single one")
    for x, label in zip(xs, labels):
        if len(x) != nin:
            raise ValueError(f"this neuron takes {nin} inputs, not {len(x)}")
        if not 0 <= label < nout:
            raise ValueError(f"label {label} is not one of the {nout} classes of these logits")
    parameters = model.parameters()
    if [id(p) for p in optimizer.parameters] != [id(p) for p in parameters]:
        return _fit_classifier_by_scalars(model, xs, labels, optimizer, steps)
    inputs = torch.tensor([[float(v) for v in x] for x in xs], dtype=torch.float64)
    targets = torch.tensor(list(labels))
    optimizer.load_data()
    flat, losses = optimizer.flat, []
    grads = [p.grad for p in parameters]  # as they are, if no step is taken
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model.on_batch(inputs, flat), targets)
        (grad,) = torch.autograd.grad(loss, [flat])
        optimizer.update(grad)
        losses.append(loss.item())
        grads = grad.tolist()
    for p, data, g in zip(parameters, flat.tolist(), grads):
        p.data, p.grad = data, g
    return losses


def _fit_classifier_by_scalars(model: MLP, xs: Sequence[Sequence[float]], labels: Sequence[int],
                               optimizer: Union[Momentum, Adam], steps: int) -> list[float]:
    losses = []
    for _ in range(steps):
        total = Value(0.0)
        for x, label in zip(xs, labels):
            logits = model(x)
            assert isinstance(logits, list)  # more than one output, checked before
            total = total + cross_entropy(logits, label)
        loss = total / len(xs)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.data)
    return losses
