"""grader.py on a class of 100 submissions on this machine: median and worst seconds per submission,
and what the class report (grader.py --report) costs on top.

The class mixes complete, partial and untouched work, as a real class would,
with the topological order left unreversed in every third submission (so the
grader names a misconception), and one submission whose value.py never
finishes importing; PyTorch is imported once, by the grading process. The case
time limit is the default.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = 100
NAMES = ("value", "backward", "neuron", "layer", "mlp", "train")


def make_class(folder: Path) -> list[Path]:
    """Submission k has the first (k mod 7) exercises solved and the rest untouched."""
    paths = []
    for k in range(SUBMISSIONS):
        path = folder / f"learner{k:03d}"
        path.mkdir()
        solved = k % (len(NAMES) + 1)
        for i, name in enumerate(NAMES):
            source = ROOT / ("solutions" if i < solved else "exercises") / f"{name}.py"
            text = source.read_text()
            if name == "backward" and k % 3 == 0:
                text = text.replace("for node in reversed(order):", "for node in order:")
            (path / f"{name}.py").write_text(text)
        paths.append(path)
    hanging = folder / "hangs_at_import"
    shutil.copytree(paths[len(NAMES)], hanging)  # a complete submission...
    with (hanging / "value.py").open("a") as value:
        value.write("\nwhile True:\n    pass\n")  # ...whose value.py never finishes importing
    return [*paths, hanging]


def one_plain_submission(folder: Path) -> tuple[float, float]:
    """Seconds to grade one complete plain lecture-style submission (tests/support/plain_engine),
    bonus included, as the grader reports it; and `import torch` measured beside it."""
    submission = folder / "plain"
    shutil.copytree(ROOT / "tests" / "support" / "plain_engine", submission,
                    ignore=shutil.ignore_patterns("__pycache__"))
    report = folder / "plain.json"
    subprocess.run([sys.executable, "grader.py", str(submission), "--json", str(report)], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    (graded,) = json.loads(report.read_text())["submissions"]
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return graded["seconds"], time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        plain, torch = one_plain_submission(Path(scratch))
        paths = make_class(Path(scratch))
        report = Path(scratch) / "grades.json"
        start = time.perf_counter()
        subprocess.run([sys.executable, "grader.py", *map(str, paths), "-j", "2", "--json", str(report)],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        graded = json.loads(report.read_text())["submissions"]
        each = [s["seconds"] for s in graded]
        worst = max(graded, key=lambda s: s["seconds"])
        report_seconds = time_report(json.loads(report.read_text()), paths, Path(scratch) / "report")
    print(f"{len(paths)} submissions on 2 workers: {wall:.1f} s in all, {wall / len(paths):.2f} s each "
          f"on average; median {statistics.median(each):.2f} s per submission (target 0.5 s); "
          f"worst {worst['seconds']:.1f} s ({worst['submission']})")
    print(f"one plain lecture-style submission, bonus included: {plain:.1f} s, {plain / torch:.2f} x "
          f"import torch ({torch:.2f} s; target 1.0 x)")
    print(f"the class report for them (grader.py --report: statistics, misconceptions, similarity of "
          f"every pair, the page and the Markdown): {report_seconds:.1f} s, "
          f"{report_seconds / wall:.2f} x the grading")


def time_report(graded: dict[str, Any], paths: list[Path], folder: Path) -> float:
    """Seconds that --report adds to a grading run: the same work, in this process."""
    sys.path.insert(0, str(ROOT))
    from kata.grading.class_report import write_report
    from kata.grading.results import ClassResults
    from kata.grading.submission import read_submission

    start = time.perf_counter()
    files = {s.name: s.files for s in map(read_submission, paths)}
    write_report(ClassResults.from_json(graded), files, folder)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
