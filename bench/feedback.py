"""How long make check takes, against `python -c "import torch"` measured in the same run.

Prints the ratio for a first run of make check-solutions (no cached PyTorch
answers), for a repeat run, for a repeat run that fails on each classic
mistake planted in a copy of the solutions (diagnosis included), and how soon
make watch shows the report after a save.
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

from kata.watch import DEFAULT_INTERVAL  # noqa: E402
from tests.support.test_catalogue import CATALOGUE  # noqa: E402
from tests.support.test_diagnosis import (  # noqa: E402  (the tests' own planted bugs)
    ADAM_UNCORRECTED, ASSIGNS, BIAS_LEFT_OUT, NO_OUT_GRAD, NOT_REVERSED, NOT_SEEDED, RELU_ONE_AT_ZERO,
    SELF_MINUS_OTHER, SOFTMAX_NOT_SHIFTED, STEP_UPHILL, Bug)

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
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    if done.returncode != (1 if fails else 0):
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}")
    return time.perf_counter() - start


def in_process_report(packages: Path, package: str, env: dict[str, str]) -> float:
    """What make watch spends after it sees a save: make check's run and report, in its process."""
    code = (f"import sys, time; sys.path.insert(0, {str(packages)!r})\n"
            "from kata import check\n"
            "from kata.curriculum import EXERCISES\n"
            "times = []\n"
            "for _ in range(3):\n"
            "    start = time.perf_counter()\n"
            f"    check.render(check.check(list(EXERCISES), {package!r}), {package!r}, narrowed=False,\n"
            "                 node_cache=check.NodeCache(check.NODE_CACHE_PATH))\n"
            "    times.append(time.perf_counter() - start)\n"
            "print(sorted(times)[1])\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=True)
    return float(done.stdout)


def main() -> None:
    check = [sys.executable, "-m", "kata.check", "--package", "solutions"]
    with tempfile.TemporaryDirectory() as scratch:
        env = dict(os.environ, KATA_HOME=scratch)
        torch = statistics.median(seconds([sys.executable, "-c", "import torch"], env)
                                  for _ in range(REPEATS))
        # make check freezes PyTorch's objects (see kata/oracle.py), which also
        # spares it the collection at exit that the plain import still pays.
        frozen = statistics.median(
            seconds([sys.executable, "-c", "import torch, gc; gc.freeze()"], env)
            for _ in range(REPEATS))
        first = []
        for _ in range(REPEATS):
            (Path(scratch) / "oracle-cache.json").unlink(missing_ok=True)
            first.append(seconds(check, env))
        repeat = statistics.median(seconds(check, env) for _ in range(REPEATS))
        failing = {}
        packages = Path(scratch) / "packages"
        for number, (mistake, bug) in enumerate(PLANTED.items()):
            package = planted(packages, f"planted_{number}", bug)
            run = [sys.executable, "-m", "kata.check", "--package", package]
            planted_env = dict(env, PYTHONPATH=str(packages))
            seconds(run, planted_env, fails=True)  # the first run fills the caches
            failing[mistake] = statistics.median(seconds(run, planted_env, fails=True)
                                                 for _ in range(REPEATS))
        watch = in_process_report(packages, "planted_0", env)
    print(f"import torch                 {torch:6.2f} s")
    print(f"import torch, gc.freeze()    {frozen:6.2f} s  {frozen / torch:5.2f} x import torch")
    print(f"make check-solutions, first  {statistics.median(first):6.2f} s  "
          f"{statistics.median(first) / torch:5.2f} x import torch  (target 1.3 x), "
          f"{statistics.median(first) / frozen:.2f} x the frozen import")
    print(f"make check-solutions, repeat {repeat:6.2f} s  {repeat / torch:5.2f} x import torch  "
          f"(target 0.25 x)")
    for mistake, taken in failing.items():
        print(f"make check, repeat, failing: {mistake:<30} {taken:5.2f} s  {taken / torch:5.2f} x "
              "import torch  (target 0.25 x)")
    print(f"make watch, report after a save: at most {DEFAULT_INTERVAL:g} s polling + {watch:.2f} s "
          f"= {DEFAULT_INTERVAL + watch:.2f} s  (target 0.5 s)")


if __name__ == "__main__":
    main()
