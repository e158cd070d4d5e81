"""How long make check-solutions takes, against `python -c "import torch"` measured in the same run.

Prints the ratio for a first run (no cached PyTorch answers) and for a repeat run.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


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
    print(f"import torch                 {torch:6.2f} s")
    print(f"import torch, gc.freeze()    {frozen:6.2f} s  {frozen / torch:5.2f} x import torch")
    print(f"make check-solutions, first  {statistics.median(first):6.2f} s  "
          f"{statistics.median(first) / torch:5.2f} x import torch  (target 1.3 x), "
          f"{statistics.median(first) / frozen:.2f} x the frozen import")
    print(f"make check-solutions, repeat {repeat:6.2f} s  {repeat / torch:5.2f} x import torch  "
          f"(target 0.25 x)")


if __name__ == "__main__":
    main()
