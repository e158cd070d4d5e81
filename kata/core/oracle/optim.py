"""Exercise 8 (bonus), by PyTorch: momentum and Adam as torch.optim computes them, and
fit_classifier on tensors."""

from __future__ import annotations

from typing import Optional, Sequence, Union

import torch
from torch.optim.adam import adam as _adam_update  # torch.optim's functional form
from torch.optim.sgd import sgd as _sgd_update

from kata.core.oracle.mlp import MLP
from kata.core.oracle.softmax import cross_entropy
from kata.core.oracle.value import Value


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
