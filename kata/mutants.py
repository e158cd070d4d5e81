"""make mutants: mutmut changes solutions/ one small edit at a time and runs the graded suites on
each; a mutant they let live is a change no case notices. Each survivor is either explained in
docs/mutants-explained.toml (why no graded case should notice it) or reported as unexplained,
and then make mutants fails: the next case to write starts there.

The report, docs/mutants.md, is committed beside the explanations.
"""

from __future__ import annotations

import re
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from kata.repository import ROOT, run_python

REPORT = ROOT / "docs" / "mutants.md"
EXPLANATIONS = ROOT / "docs" / "mutants-explained.toml"


@dataclass(frozen=True)
class Survivor:
    name: str  # mutmut's, as `mutmut show` takes it
    verdict: str  # "survived", or "no tests": no graded case even runs the line
    change: str  # function: `old` → `new`, the key its explanation is found by


def report(python: Path) -> int:
    """After `mutmut run`: write docs/mutants.md; 1 if any survivor is unexplained."""
    results = run_python(python, "-m", "mutmut", "results", "--all", "true", capture=True)
    results.check_returncode()
    listed = results.stdout
    verdicts = [line.strip().rsplit(": ", 1) for line in listed.splitlines() if ": " in line]
    counts = {verdict: sum(v == verdict for _, v in verdicts) for verdict in sorted({v for _, v in verdicts})}
    survivors = [Survivor(name, verdict, f"{function_of(name)}: {_mutation(python, name)}")
                 for name, verdict in verdicts if verdict != "killed"]
    explanations = load_explanations()
    unexplained = [s for s in survivors if s.change not in explanations]
    stale = len(set(explanations) - {s.change for s in survivors})
    summary = (f"{len(verdicts)} mutants: " + ", ".join(f"{n} {v}" for v, n in counts.items())
               + f"; {len(unexplained)} of the {len(survivors)} not killed are unexplained"
               + (f"; {stale} explanations match no mutant now (remove them)" if stale else "") + ".")
    lines = [f"# Mutants of solutions/ (make mutants, {time.strftime('%Y-%m-%d')})", "", summary, ""]
    if unexplained:
        lines += ["## Unexplained: a case to write, or an explanation to add", ""]
        lines += [f"- `{s.name}` ({s.verdict}): {s.change}" for s in unexplained] + [""]
    for why in dict.fromkeys(explanations.values()):
        lines += [f"## {why}", ""]
        lines += [f"- ({s.verdict}) {s.change}" for s in survivors if explanations.get(s.change) == why] + [""]
    REPORT.write_text("\n".join(lines))
    print(f"{summary} Written to {REPORT.relative_to(ROOT)}.")
    return 1 if unexplained else 0


def function_of(name: str) -> str:
    """mutmut's name for a mutant, as module.function: solutions.value.xǁValueǁ__add____mutmut_6
    is value.Value.__add__, solutions.train.x_mse_loss__mutmut_9 is train.mse_loss."""
    module, mangled = name.removeprefix("solutions.").split(".", 1)
    mangled = re.sub(r"__mutmut_\d+$", "", mangled)
    if mangled.startswith("xǁ"):
        return f"{module}." + ".".join(mangled.removeprefix("xǁ").split("ǁ"))
    return f"{module}.{mangled.removeprefix('x_')}"


def load_explanations() -> dict[str, str]:
    """Each explained change, with why no graded case should notice it."""
    groups = tomllib.loads(EXPLANATIONS.read_text(encoding="utf-8"))
    return {change: group["why"] for group in groups.values() for change in group["changes"]}


def _mutation(python: Path, name: str) -> str:
    """What mutmut changed in one mutant, as `old` → `new`, line by line."""
    shown = run_python(python, "-m", "mutmut", "show", name, capture=True).stdout.splitlines()
    old = [line[1:].strip() for line in shown if line.startswith("-") and not line.startswith("---")]
    new = [line[1:].strip() for line in shown if line.startswith("+") and not line.startswith("+++")]
    return "; ".join(f"`{a}` → `{b}`" for a, b in zip(old, new)) or "(no line changed)"
