"""A catalogue of natural learner mistakes, each planted in a copy of solutions/ and run through make check.

test_diagnosis plants the misconceptions that README's table names, one case
each; this catalogue plants the everyday slips beyond them, across all nine
exercises: a wrong sign, a forgotten mean, a list where one Value is due, an
optimizer that forgets. (Three of them, a node listed twice in the order,
`p = p - lr * p.grad` and tanh's derivative from its input, test_diagnosis now
plants as well; here they are run through make check as a whole.)

Each entry is judged as make check shows it: the mistake must be caught (the
planted copy does not score full marks), and the causes shown for the first
failing case (the case's own, then the node table's) must be the one the entry
expects or none: never another.

An entry expects a named cause only when an existing recogniser's short name
truly describes that mistake; a cause left unnamed passes here, and the report
counts it. Entries marked xfail(strict=True) fail today, and their reason says
what goes wrong: the list of what to fix in kata/.
`python -m tests.support.catalogue_report` prints the whole catalogue as a table.
"""

from __future__ import annotations

import ast
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pytest

from kata.core.cause import name_of
from kata.core.curriculum import EXERCISES, exercise_named
from kata.core.diagnosis import diagnose, uses_your_backward
from kata.learner.check import as_text, check, explanation
from kata.repository import ROOT

# A mistake as planted: the file, the reference's text (exactly once in solutions/), the learner's.
Bug = tuple[str, str, str]

# The short names of the causes the catalogue expects (kata.core.cause.name_of).
ORDER_NOT_REVERSED = "order not reversed"
NOT_SEEDED = "root not seeded with 1"
RUN_TWICE = "a node's _backward run twice"
STRAY_FACTOR = "a stray factor"
NO_OUT_GRAD = "`* out.grad` missing"
WRONG_SIGN = "local derivative of the wrong sign"
MOVES_NOTHING = "SGD step that moves nothing"
MOMENTUM_ON_THE_GRAD = "momentum on the raw grad"
DATA_FOR_GRAD = "out.data for out.grad"

@dataclass(frozen=True)
class Mistake:
    name: str
    bug: Bug
    cause: Optional[str] = None  # the short name of the right cause, or None: no cause expected
    fails_today: str = ""  # why the entry fails today (it is marked xfail), or "" when it passes

    @property
    def exercise(self) -> str:
        """The exercise whose file the mistake is planted in."""
        return self.bug[0].removesuffix(".py")


# Adam's step count raised after the bias correction is computed: the first step uses t = 0.
_ADAM_COUNTS_FIRST = ("        self.t += 1\n"
                      "        # The averages start at 0, so early on they are too small: after t steps,\n"
                      "        # a constant grad g has m = (1 - beta1**t) * g. Dividing by that factor\n"
                      "        # (the bias correction) makes m and v unbiased from the first step.\n"
                      "        correction1 = 1 - self.beta1**self.t\n"
                      "        correction2 = 1 - self.beta2**self.t\n")
_ADAM_COUNTS_LATE = ("        # The averages start at 0, so early on they are too small: after t steps,\n"
                     "        # a constant grad g has m = (1 - beta1**t) * g. Dividing by that factor\n"
                     "        # (the bias correction) makes m and v unbiased from the first step.\n"
                     "        correction1 = 1 - self.beta1**self.t\n"
                     "        correction2 = 1 - self.beta2**self.t\n"
                     "        self.t += 1\n")

# topological_order as a recursive depth-first search: fine until a graph is deeper than the
# recursion limit.
_ITERATIVE_SEARCH = (
    "    # An explicit stack instead of recursion, which fails past about a thousand nested calls:\n"
    "    # the graded chain of 5,000 operations is fine, and so is bench/engine.py's million.\n"
    "    # Each entry is a node and whether its operands have been listed already.\n"
    "    stack: list[tuple[Value, bool]] = [(root, False)]\n"
    "    while stack:\n"
    "        node, operands_listed = stack.pop()\n"
    "        if operands_listed:\n"
    "            order.append(node)\n"
    "        elif id(node) not in visited:\n"
    "            visited.add(id(node))\n"
    "            stack.append((node, True))\n"
    "            stack.extend((child, False) for child in reversed(node._prev))\n")
_RECURSIVE_SEARCH = (
    "    def visit(node: Value) -> None:\n"
    "        if id(node) not in visited:\n"
    "            visited.add(id(node))\n"
    "            for child in node._prev:\n"
    "                visit(child)\n"
    "            order.append(node)\n"
    "\n"
    "    visit(root)\n")

_INTERIOR_RESET = ("    for node in order:\n"
                   "        # An interior node's grad is this root's alone: left over from an earlier backward(), it\n"
                   "        # would be passed on twice. A leaf's accumulates, as PyTorch's does, until zero_grad().\n"
                   "        if node._prev:\n"
                   "            node.grad = 0.0\n")
_SEED = "    root.grad += 1.0  # d(root)/d(root)\n"


CATALOGUE: list[Mistake] = [
    # Exercise 0: derivatives.
    Mistake("central difference written one-sided",
            ("derivatives.py", "return (f(x + h) - f(x - h)) / (2 * h)", "return (f(x + h) - f(x)) / h")),
    Mistake("central difference divided by 2 then times h",
            ("derivatives.py", "return (f(x + h) - f(x - h)) / (2 * h)",
             "return (f(x + h) - f(x - h)) / 2 * h")),
    Mistake("forward difference taken backward",
            ("derivatives.py", "return (f(x + h) - f(x)) / h", "return (f(x) - f(x - h)) / h")),
    Mistake("numerical gradient slice keeps the moved input",
            ("derivatives.py", "return f(*xs[:i], xi, *xs[i + 1:])", "return f(*xs[:i], xi, *xs[i:])")),
    Mistake("chain rule by hand: de/da taken as a",
            ("derivatives.py", "dl_da = dl_de * b", "dl_da = dl_de * a")),
    Mistake("neuron by hand: do/dw1 without do/dn",
            ("derivatives.py", '"do/dw1": do_dn * x1', '"do/dw1": x1')),

    # Exercise 1: Value.
    Mistake("__radd__ missing",
            ("value.py", "    def __radd__(self, other: Number) -> Value:  # other + self\n"
                         "        return self + other\n\n", "")),
    Mistake("__add__ without the NotImplemented check",
            ("value.py", "        if not isinstance(other, (Value, int, float)):\n"
                         "            return NotImplemented\n"
                         "        other = _as_value(other)\n"
                         "        return _result(self.data + other.data",
             "        other = _as_value(other)\n"
             "        return _result(self.data + other.data")),
    Mistake("__mul__ never wraps a number",
            ("value.py", "        other = _as_value(other)\n        return _result(self.data * other.data",
             "        return _result(self.data * other.data")),
    Mistake("quotient's d/db without its minus sign",
            ("value.py", "-self.data / other.data**2))", "self.data / other.data**2))"),
            WRONG_SIGN),
    Mistake("power rule: exponent - 1 without parentheses",
            ("value.py", "(exponent * self.data ** (exponent - 1),))",
             "(exponent * self.data ** exponent - 1,))"),
            None),
    Mistake("negation as a new leaf",
            ("value.py", "return self * -1", "return Value(-self.data)")),
    Mistake("subtraction adds the other operand",
            ("value.py", "return self + (-_as_value(other))", "return self + _as_value(other)")),
    Mistake("__rtruediv__ divides the wrong way round",
            ("value.py", "return Value(other) / self", "return self / other")),
    Mistake("log's derivative taken as 1/out",
            ("value.py", "(1.0 / self.data,))  # 1/x", "(1.0 / math.log(self.data),))  # 1/x")),
    Mistake("tanh's derivative from its input",
            ("value.py", "(1.0 - t * t,))", "(1.0 - self.data**2,))")),
    Mistake("tanh through exp overflows",
            ("value.py", "t = math.tanh(self.data)",
             "t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)")),
    Mistake("relu's derivative taken as relu itself",
            ("value.py", "(1.0 if self.data > 0 else 0.0,))", "(max(0.0, self.data),))")),
    Mistake("sigmoid in one form overflows",
            ("value.py", "        if self.data >= 0:\n"
                         "            s = 1.0 / (1.0 + math.exp(-self.data))\n"
                         "        else:\n"
                         "            e = math.exp(self.data)\n"
                         "            s = e / (1.0 + e)\n",
             "        s = 1.0 / (1.0 + math.exp(-self.data))\n")),
    Mistake("a new Value's grad starts at 1",
            ("value.py", "self.grad = 0.0", "self.grad = 1.0")),
    Mistake("_prev kept as a set",
            ("value.py", "self._prev = tuple(_children)", "self._prev = set(_children)")),
    Mistake("_backward multiplies by the node's data, not its grad",
            ("value.py", "operand.grad += local_grad * self.grad",
             "operand.grad += local_grad * self.data"),
            DATA_FOR_GRAD),
    Mistake("product passes both operands the other's data",
            ("value.py", "(other.data, self.data))  # d(a*b)/da = b", "(other.data, other.data))  # d(a*b)/da = b")),
    Mistake("power rule without the exponent factor",
            ("value.py", "(exponent * self.data ** (exponent - 1),))", "(self.data ** (exponent - 1),))")),
    Mistake("sigmoid's derivative as s(1 + s)",
            ("value.py", "(s * (1.0 - s),))", "(s * (1.0 + s),))")),
    Mistake("relu's derivative tested with x < 0",
            ("value.py", "(1.0 if self.data > 0 else 0.0,))", "(1.0 if self.data < 0 else 0.0,))")),
    Mistake("_backward multiplies by the operand's grad",
            ("value.py", "operand.grad += local_grad * self.grad",
             "operand.grad += local_grad * operand.grad"),
            NO_OUT_GRAD),

    # Exercise 2: backward.
    Mistake("topological order lists a shared node twice",
            ("backward.py", "elif id(node) not in visited:", "else:"), RUN_TWICE),
    Mistake("topological order lists a node before its operands",
            ("backward.py", "        if operands_listed:\n"
                            "            order.append(node)\n"
                            "        elif id(node) not in visited:\n"
                            "            visited.add(id(node))\n",
             "        if operands_listed:\n"
             "            continue\n"
             "        if id(node) not in visited:\n"
             "            visited.add(id(node))\n"
             "            order.append(node)\n"),
            ORDER_NOT_REVERSED),
    Mistake("topological order by recursion",
            ("backward.py", _ITERATIVE_SEARCH, _RECURSIVE_SEARCH)),
    Mistake("the root seeded before the interior grads are cleared",
            ("backward.py", _INTERIOR_RESET + _SEED, _SEED + _INTERIOR_RESET), NOT_SEEDED),
    Mistake("interior grads never cleared",
            ("backward.py", _INTERIOR_RESET, "")),
    Mistake("backward clears the leaves' grads too",
            ("backward.py", "        if node._prev:\n            node.grad = 0.0", "        node.grad = 0.0")),
    Mistake("the root's _backward called for every node",
            ("backward.py", "        node._backward()", "        root._backward()"), STRAY_FACTOR),

    # Exercise 3: Neuron.
    Mistake("every weight shares one random draw",
            ("neuron.py",
             '        self.w = [Value(random.uniform(-1, 1), label=f"w{i}") for i in range(nin)]',
             '        r = random.uniform(-1, 1)\n'
             '        self.w = [Value(r, label=f"w{i}") for i in range(nin)]')),
    Mistake("weights labelled from w1",
            ("neuron.py", 'label=f"w{i}"', 'label=f"w{i + 1}"')),
    Mistake("the bias left out of w . x + b",
            ("neuron.py", " + self.b.data,", ",")),
    Mistake("plain float inputs not wrapped",
            ("neuron.py", "inputs = [xi if isinstance(xi, Value) else Value(xi) for xi in x]",
             "inputs = list(x)")),
    Mistake("no check of the number of inputs",
            ("neuron.py",
             "        if len(x) != len(self.w):\n"
             '            raise ValueError(f"this neuron takes {len(self.w)} inputs, not {len(x)}")\n',
             "")),
    Mistake("relu neuron applies tanh",
            ("neuron.py", "return z.relu()", "return z.tanh()")),
    Mistake("parameters() appends the bias to w",
            ("neuron.py", "return self.w + [self.b]", "self.w.append(self.b)\n        return self.w")),
    Mistake("zero_grad sets data to 0",
            ("neuron.py", "            p.grad = 0.0", "            p.data = 0.0"),
            None),

    # Exercise 4: Layer.
    Mistake("one neuron repeated nout times",
            ("layer.py", "[Neuron(nin, activation) for _ in range(nout)]",
             "[Neuron(nin, activation)] * nout")),
    Mistake("nin and nout swapped",
            ("layer.py", "Neuron(nin, activation) for _ in range(nout)",
             "Neuron(nout, activation) for _ in range(nin)")),
    Mistake("layer ignores its activation",
            ("layer.py", "Neuron(nin, activation)", "Neuron(nin)")),
    Mistake("layer of one neuron returns a bare Value",
            ("layer.py", "        return [neuron(x) for neuron in self.neurons]",
             "        outs = [neuron(x) for neuron in self.neurons]\n"
             "        return outs[0] if len(outs) == 1 else outs")),
    Mistake("layer parameters as a list of lists",
            ("layer.py", "[p for neuron in self.neurons for p in neuron.parameters()]",
             "[neuron.parameters() for neuron in self.neurons]"),
            None),

    # Exercise 5: MLP.
    Mistake("mlp feeds x to every layer",
            ("mlp.py", "outputs = layer(outputs)", "outputs = layer(x)")),
    Mistake("every layer takes nin inputs",
            ("mlp.py", "Layer(sizes[i], sizes[i + 1]", "Layer(nin, sizes[i + 1]"),
            None),
    Mistake("the last layer is not linear",
            ("mlp.py", "last = len(nouts) - 1", "last = len(nouts)")),
    Mistake("one output stays a list",
            ("mlp.py", "return outputs[0] if len(outputs) == 1 else outputs", "return outputs")),

    # Exercise 6: training.
    Mistake("mse without the mean",
            ("train.py", "return total / len(predictions)", "return total")),
    Mistake("hinge without the relu",
            ("train.py", "(1 - y * s).relu()", "(1 - y * s)")),
    Mistake("sgd_step rebinds the loop variable",
            ("train.py", "p.data -= lr * p.grad", "p = p - lr * p.grad"), MOVES_NOTHING),
    Mistake("sgd_step without lr",
            ("train.py", "p.data -= lr * p.grad", "p.data -= p.grad")),
    Mistake("fit never zeroes the grads",
            ("train.py", "        model.zero_grad()\n", "")),
    Mistake("fit zeroes the grads after backward",
            ("train.py", "        model.zero_grad()\n        loss.backward()\n",
             "        loss.backward()\n        model.zero_grad()\n")),
    Mistake("fit records the loss Value, not its data",
            ("train.py", "losses.append(loss.data)", "losses.append(loss)")),

    # Bonus exercise 7: softmax.
    Mistake("softmax divides by the sum of the logits",
            ("softmax.py", "total = sum(exps, Value(0.0))", "total = sum(logits, Value(0.0))")),
    Mistake("cross-entropy without the minus sign",
            ("softmax.py", "return total.log() - (logits[label] - m)",
             "return (logits[label] - m) - total.log()"),
            None),
    Mistake("cross-entropy shifts the sum but not the label's logit",
            ("softmax.py", "return total.log() - (logits[label] - m)", "return total.log() - logits[label]")),
    Mistake("cross-entropy never checks the label",
            ("softmax.py", "    _check_label(logits, label)\n", "")),

    # Bonus exercise 8: optimizers.
    Mistake("momentum's velocity reset every step",
            ("optim.py", "    def step(self) -> None:\n        for i, p in enumerate(self.parameters):\n"
                         "            # Grads that keep",
             "    def step(self) -> None:\n        self.velocities = [0.0] * len(self.parameters)\n"
             "        for i, p in enumerate(self.parameters):\n            # Grads that keep"),
            MOMENTUM_ON_THE_GRAD),
    Mistake("momentum's zero_grad compares instead of assigning",
            ("optim.py", "p.data -= self.lr * self.velocities[i]\n\n    def zero_grad(self) -> None:\n"
                         "        for p in self.parameters:\n            p.grad = 0.0",
             "p.data -= self.lr * self.velocities[i]\n\n    def zero_grad(self) -> None:\n"
             "        for p in self.parameters:\n            p.grad == 0.0")),
    Mistake("Adam's t starts at 0",
            ("optim.py", _ADAM_COUNTS_FIRST, _ADAM_COUNTS_LATE)),
    Mistake("Adam's m averaged with beta2",
            ("optim.py", "self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g",
             "self.m[i] = self.beta2 * self.m[i] + (1 - self.beta2) * g")),
    Mistake("Adam's v averages the grad, not its square",
            ("optim.py", "(1 - self.beta2) * g * g", "(1 - self.beta2) * g")),
    Mistake("Adam divides by v_hat, not its square root",
            ("optim.py", "(math.sqrt(v_hat) + self.eps)", "(v_hat + self.eps)")),
    Mistake("fit_classifier sums the losses",
            ("optim.py", "loss = total / len(xs)", "loss = total")),
]


@dataclass(frozen=True)
class Finding:
    """What make check shows for one planted mistake."""

    mistake: Mistake
    package: str
    failed_in: str  # the first exercise that does not pass, or "" when every exercise passes
    case: str  # that case's title (and seed), or ""
    causes: tuple[str, ...]  # the short names of the causes the report shows, in order
    line: bool  # it shows the learner's own line: where it raised, or the function holding the mistake
    report: str  # the first failing case as make check explains it

    @property
    def caught(self) -> bool:
        return bool(self.failed_in)

    @property
    def wrong(self) -> tuple[str, ...]:
        """The causes shown that are not the expected one: there must be none."""
        return tuple(c for c in self.causes if c != self.mistake.cause)

    @property
    def named(self) -> bool:
        """The expected cause is named (and nothing else)."""
        return self.mistake.cause is not None and self.causes == (self.mistake.cause,)

    @property
    def right(self) -> str:
        """yes: the expected cause alone, or none where none is expected; absent: an expected cause
        left unnamed, and nothing else named; WRONG: a cause named that is not this mistake."""
        if self.wrong:
            return "WRONG"
        return "absent" if self.mistake.cause is not None and not self.named else "yes"

    @property
    def helps(self) -> bool:
        """The right named cause, or the learner's own line to look at: where it raised, or the
        function that holds the mistake among the places the report gives."""
        return self.named or self.line


def package_name(mistake: Mistake) -> str:
    return "learner_" + re.sub(r"\W+", "_", mistake.name).strip("_").lower()


def plant(mistake: Mistake, root: Path) -> str:
    """A copy of solutions/ under root with the mistake planted: the package's name."""
    file, reference, buggy = mistake.bug
    package = package_name(mistake)
    home = root / package
    shutil.copytree(ROOT / "solutions", home, ignore=shutil.ignore_patterns("__pycache__"))
    source = (home / file).read_text()
    assert source.count(reference) == 1, f"solutions/{file} must hold {reference!r} exactly once"
    (home / file).write_text(source.replace(reference, buggy))
    return package


def examine(mistake: Mistake, root: Path, cache: Path) -> Finding:
    """Plant the mistake under root and run make check's grading on it, as make check shows it:
    the first failing case, the causes its report names, and whether it points at the learner's code.

    Grading stops at the first exercise that fails, so exercises after it cost nothing."""
    package = plant(mistake, root)
    if str(root) not in sys.path:  # as make check finds exercises/: to name places in its files
        sys.path.append(str(root))
    scores = check(list(EXERCISES), package, search_path=root, cache_path=cache)
    failing = next((s for s in scores if not s.passed), None)
    if failing is None:
        return Finding(mistake, package, "", "", (), False, "")
    verdict = failing.first_failure
    if verdict is None:  # an exercise without cases: nothing to explain
        return Finding(mistake, package, failing.exercise.name, "", (), False, "")
    causes: list[str] = []
    line = False
    problem = verdict.problem
    if problem is not None:  # explanation shows the problem and where, never a cause
        line = problem.where.startswith(f"{package}/")
    else:
        if verdict.cause:
            causes.append(name_of(verdict.cause) or verdict.cause)
        diagnosis = (diagnose(verdict.graph, verdict.seed, verdict.reference_graph,
                              your_backward=uses_your_backward(verdict.instance.case.exercise))
                     if verdict.graph else None)
        if diagnosis is not None and diagnosis.culprit is not None and diagnosis.cause:
            causes.append(name_of(diagnosis.cause) or diagnosis.cause)
    seed = "" if verdict.instance.seed is None else f" (seed {verdict.instance.seed})"
    report = as_text(explanation(verdict, package))
    if problem is None:
        line = points_at_the_mistake(report, mistake, root / package)
    return Finding(mistake, package, failing.exercise.name, verdict.instance.case.title + seed,
                   tuple(causes), line, report)


def points_at_the_mistake(report: str, mistake: Mistake, home: Path) -> bool:
    """Whether a place the report gives ("Where your code computed them") is the function, method
    or class whose body holds the planted line."""
    file, _, buggy = mistake.bug
    source = (home / file).read_text()
    planted = source[:source.index(buggy)].count("\n") + 1
    spans = {node.name: (node.lineno, node.end_lineno or node.lineno) for node in ast.walk(ast.parse(source))
             if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    places = re.findall(rf"{re.escape(home.name)}/{re.escape(file)}, line \d+, in (\w+)", report)
    return any(name in spans and spans[name][0] <= planted <= spans[name][1] for name in places)


def _param(mistake: Mistake) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=mistake.fails_today)] if mistake.fails_today else []
    return pytest.param(mistake, id=mistake.name, marks=marks)


@pytest.fixture(scope="session")
def oracle_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PyTorch's answers, shared by the entries a worker runs, away from the learner's .kata/."""
    return tmp_path_factory.mktemp("catalogue-oracle") / "oracle-cache.json"


def test_the_catalogue_is_large_distinct_and_spread_over_every_exercise() -> None:
    """At least 40 mistakes, no two alike, in every exercise's file, each planting a real change."""
    assert len(CATALOGUE) >= 40
    assert len({m.name for m in CATALOGUE}) == len({m.bug for m in CATALOGUE}) == len(CATALOGUE)
    assert len({package_name(m) for m in CATALOGUE}) == len(CATALOGUE)
    assert {m.exercise for m in CATALOGUE} == {e.name for e in EXERCISES}
    for mistake in CATALOGUE:
        file, reference, buggy = mistake.bug
        assert reference != buggy
        assert (ROOT / "solutions" / file).read_text().count(reference) == 1, mistake.name
        exercise_named(mistake.exercise)


@pytest.mark.parametrize("mistake", [_param(m) for m in CATALOGUE])
def test_a_planted_mistake_is_caught_and_never_misnamed(mistake: Mistake, tmp_path: Path,
                                                        oracle_cache: Path) -> None:
    """make check fails the planted copy somewhere, and its first failing case names the expected
    cause or none: never a different one."""
    finding = examine(mistake, tmp_path, oracle_cache)
    assert finding.caught, f"{mistake.name}: every exercise passes, full marks"
    assert not finding.wrong, (
        f"{mistake.name}: the first failing case ({finding.failed_in}: {finding.case}) names "
        f"{list(finding.wrong)}; expected {mistake.cause or 'no cause'}\n{finding.report}")


def test_three_quarters_get_the_right_cause_or_the_line_that_holds_the_mistake(
        tmp_path: Path, oracle_cache: Path) -> None:
    """Over the whole catalogue: at least 3 in 4 mistakes get their named cause, or the place in the
    learner's file where they sit (python -m tests.support.catalogue_report prints each)."""
    findings = [examine(m, tmp_path / str(n), oracle_cache) for n, m in enumerate(CATALOGUE)]
    unhelped = [f.mistake.name for f in findings if not f.helps]
    assert len(unhelped) <= 0.25 * len(findings), unhelped
