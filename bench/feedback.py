"""How long make check takes, against `python -c "import torch"` measured in the same run.

Prints the ratio for a first run of make check-solutions (no cached PyTorch
answers), for a repeat run, for a repeat run that fails on each classic
mistake planted in a copy of the solutions (diagnosis included), how soon
make watch shows the report after a save, and what the journal adds to a
repeat make check. The repeat run and the milestone cases are measured on
two engines: the reference (solutions/), and a plain
lecture-style learner's engine (tests/support/plain_engine: a closure per
node, a neuron's sum as 2n + 1 nodes), which is what learners' code is like.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REPEATS = 5

from kata.core.curriculum import exercise_named  # noqa: E402
from kata.learner.watch import DEFAULT_INTERVAL  # noqa: E402
from tests.support.test_catalogue import CATALOGUE  # noqa: E402
from tests.support.test_diagnosis import (  # noqa: E402  (the tests' own planted bugs)
    ADAM_UNCORRECTED,
    ASSIGNS,
    BIAS_LEFT_OUT,
    NO_OUT_GRAD,
    NOT_REVERSED,
    NOT_SEEDED,
    RELU_ONE_AT_ZERO,
    SELF_MINUS_OTHER,
    SOFTMAX_NOT_SHIFTED,
    STEP_UPHILL,
    Bug,
)

_CATALOGUED = {mistake.name: mistake.bug for mistake in CATALOGUE}
# One failing state at least in every exercise: each run goes as far as that exercise.
PLANTED: dict[str, Bug] = {
    "one-sided central difference": _CATALOGUED["central difference written one-sided"],
    "= instead of +=": ASSIGNS, "order not reversed": NOT_REVERSED, "root not seeded": NOT_SEEDED,
    "* out.grad missing": NO_OUT_GRAD, "1 - x as x - 1": SELF_MINUS_OTHER,
    "relu'(0) = 1": RELU_ONE_AT_ZERO, "bias left out of parameters": BIAS_LEFT_OUT,
    "nin and nout swapped": _CATALOGUED["nin and nout swapped"],
    "x fed to every layer": _CATALOGUED["mlp feeds x to every layer"],
    "SGD step uphill": STEP_UPHILL, "softmax without the shift": SOFTMAX_NOT_SHIFTED,
    "Adam without bias correction": ADAM_UNCORRECTED,
}


def planted(folder: Path, name: str, bug: Bug) -> str:
    """A copy of solutions/ with bug planted, as a package in folder; its name."""
    shutil.copytree(ROOT / "solutions", folder / name, ignore=shutil.ignore_patterns("__pycache__"))
    file, reference, buggy = bug
    path = folder / name / file
    path.write_text(path.read_text().replace(reference, buggy))
    return name


def seconds(command: list[str], env: dict[str, str], fails: bool = False) -> float:
    """Seconds command takes; it must exit 1 if it fails (a failing core exercise), else 0."""
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    if done.returncode != (1 if fails else 0):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}")
    return time.perf_counter() - start


def in_process_report(packages: Path, package: str, env: dict[str, str]) -> float:
    """What make watch spends after it sees a save: make check's run and report, in its process."""
    code = (f"import sys, time; sys.path.insert(0, {str(packages)!r})\n"
            "from kata.learner import check\n"
            "from kata.learner.commands import Spelling\n"
            "from kata.core.replay import NodeCache\n"
            "from kata.core.curriculum import EXERCISES\n"
            "times = []\n"
            "for _ in range(3):\n"
            "    start = time.perf_counter()\n"
            f"    check.render(check.check(list(EXERCISES), {package!r}), {package!r}, Spelling.MAKE,\n"
            "                 narrowed=False,\n"
            "                 node_cache=NodeCache(check.NODE_CACHE_PATH))\n"
            "    times.append(time.perf_counter() - start)\n"
            "print(sorted(times)[1])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)
    return float(done.stdout)


MILESTONES = (("train", "test_fit_learns_two_moons"),
              ("optim", "test_milestone_adam_learns_a_three_armed_spiral"))
ENGINES = {"reference": ("solutions", ROOT), "plain": ("plain_engine", ROOT / "tests" / "support")}


def milestone_seconds(package: str, search_path: Path, env: dict[str, str]) -> dict[str, float]:
    """Each milestone case run on package, in a process of its own, as the case runner runs it."""
    code = (f"import gc, sys, time; sys.path.insert(0, {str(search_path)!r})\n"
            "from kata.core.child import COLLECTOR_THRESHOLDS\n"
            "gc.set_threshold(*COLLECTOR_THRESHOLDS)  # as in the case runner's child\n"
            "from kata.core.cases import Instance, cases_of\n"
            "from kata.core.implementation import Implementation\n"
            "from kata.core.outcome import run_in_process\n"
            f"impl = Implementation({package!r})\n"
            f"for exercise, name in {MILESTONES!r}:\n"
            "    (case,) = [c for c in cases_of(exercise) if c.name == name]\n"
            "    (instance,) = case.instances() if not case.seeds else [Instance(case, case.seeds[0])]\n"
            "    start = time.perf_counter()\n"
            "    assert run_in_process(instance, impl).problem is None\n"
            "    print(name, time.perf_counter() - start)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)
    return {name: float(taken) for name, taken in (line.split() for line in done.stdout.splitlines())}


def main() -> None:
    check = [sys.executable, "-m", "kata.learner.check", "--package", "solutions"]
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, KATA_HOME=scratch)
        # A learner's Python keeps compiled modules (__pycache__); measured without that, every run
        # would also compile the kata, which no learner pays after the first run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        torch = statistics.median(seconds([sys.executable, "-c", "import torch"], env)
                                  for _ in range(REPEATS))
        # make check freezes PyTorch's objects (see kata/core/oracle/__init__.py), which also
        # spares it the collection at exit that the plain import still pays.
        frozen = statistics.median(
            seconds([sys.executable, "-c", "import torch, gc; gc.freeze()"], env)
            for _ in range(REPEATS))
        first = []
        for _ in range(REPEATS):
            (Path(scratch) / "oracle-cache.json").unlink(missing_ok=True)
            first.append(seconds(check, env))
        repeat = {}
        milestones = {}
        for engine, (package, search_path) in ENGINES.items():
            run = [sys.executable, "-m", "kata.learner.check", "--package", package]
            engine_env = dict(env, PYTHONPATH=str(search_path))
            seconds(run, engine_env)  # the first run fills the caches
            repeat[engine] = statistics.median(seconds(run, engine_env) for _ in range(REPEATS))
            milestones[engine] = milestone_seconds(package, search_path, env)
        failing = {}
        packages = Path(scratch) / "packages"
        for number, (mistake, bug) in enumerate(PLANTED.items()):
            package = planted(packages, f"planted_{number}", bug)
            run = [sys.executable, "-m", "kata.learner.check", "--package", package]
            planted_env = dict(env, PYTHONPATH=str(packages))
            core = not exercise_named(Path(bug[0]).stem).bonus  # a failing bonus still exits 0
            seconds(run, planted_env, fails=core)  # the first run fills the caches
            failing[mistake] = statistics.median(seconds(run, planted_env, fails=core)
                                                 for _ in range(REPEATS))
        watch = in_process_report(packages, "planted_0", env)
        # The journal records make check of the learner's exercises (here the stubs) only.
        stubs = [sys.executable, "-m", "kata.learner.check"]
        journal_costs = {}
        for journal in ("0", "1"):
            journal_env = dict(env, KATA_JOURNAL=journal)
            seconds(stubs, journal_env, fails=True)
            journal_costs[journal] = statistics.median(seconds(stubs, journal_env, fails=True)
                                                       for _ in range(2 * REPEATS))
    print(f"import torch                 {torch:6.2f} s")
    print(f"import torch, gc.freeze()    {frozen:6.2f} s  {frozen / torch:5.2f} x import torch")
    print(f"make check-solutions, first  {statistics.median(first):6.2f} s  "
          f"{statistics.median(first) / torch:5.2f} x import torch  (target 1.3 x), "
          f"{statistics.median(first) / frozen:.2f} x the frozen import")
    for engine, taken in repeat.items():
        print(f"make check, repeat, all passing, {engine} engine: {taken:5.2f} s  {taken / torch:5.2f} x "
              "import torch  (target 0.25 x)")
    for engine, cases in milestones.items():
        print(f"the milestone cases, {engine} engine: " + ", ".join(f"{name} {taken:.2f} s" for name, taken in
                                                           cases.items()) + "  (target 0.5 s each)")
    for mistake, taken in failing.items():
        print(f"make check, repeat, failing: {mistake:<30} {taken:5.2f} s  {taken / torch:5.2f} x "
              "import torch  (target 0.25 x)")
    print(f"make watch, report after a save: at most {DEFAULT_INTERVAL:g} s polling + {watch:.2f} s "
          f"= {DEFAULT_INTERVAL + watch:.2f} s  (target 0.5 s)")
    print(f"the journal's cost on a repeat make check (the stubs): {journal_costs['1']:.3f} s with it, "
          f"{journal_costs['0']:.3f} s without, {journal_costs['1'] - journal_costs['0']:+.3f} s  "
          "(target at most 0.02 s)")


if __name__ == "__main__":
    main()
