"""A small sample class for the instructor's report: the reference with classic slips planted, a
copied pair, and hostile submissions. Not part of the student copy (tests/support/ never is).

    .venv/bin/python -m tests.support.class_sample OUT_DIR [--screenshot PNG]

grades the sample class into OUT_DIR/report/ and, with --screenshot, photographs the page in
headless Chromium (README's picture is made this way).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

from kata.core.curriculum import EXERCISES
from tests.support.browser import screenshot
from tests.support.test_diagnosis import (
    ASSIGNS,
    NO_OUT_GRAD,
    NOT_REVERSED,
    NOT_SEEDED,
    RELU_ONE_AT_ZERO,
    SELF_MINUS_OTHER,
    STEP_UPHILL,
    Bug,
)

ROOT = Path(__file__).resolve().parents[2]
CORE = [e.name for e in EXERCISES if not e.bonus]

# name -> the slips planted in an otherwise complete core (each learner finished every core file).
SLIPS: dict[str, tuple[Bug, ...]] = {
    "ada": (),
    "ben": (ASSIGNS,),
    "cleo": (NOT_REVERSED,),
    "dev": (STEP_UPHILL,),
    "eli": (NOT_SEEDED,),
    "fay": (NO_OUT_GRAD,),
    "gus": (SELF_MINUS_OTHER,),
    "hal": (RELU_ONE_AT_ZERO,),
    "ivy": (ASSIGNS, NOT_REVERSED),
}
COPIED = ("jon", "cleo")  # jon hands in cleo's work with the names changed
HOSTILE = {  # complete work, with one file that misbehaves
    "kai": ("value.py", "\nwhile True:\n    pass\n"),  # an import that never ends
    "lou": ("backward.py", "\nopen('/usr/escape.txt', 'w').write('out')\n"),  # writes outside its folder
    "mia": ("neuron.py", "\nimport os\nos._exit(3)\n"),  # kills its own process
    "ned": ("layer.py", ("#" * 80 + "\n") * 14000),  # over the grader's 1 MB a file: refused
}


def planted(bugs: tuple[Bug, ...]) -> dict[str, str]:
    files = {name: (ROOT / "solutions" / f"{name}.py").read_text() for name in CORE}
    for file, reference, slip in bugs:
        name = file.removesuffix(".py")
        assert files[name].count(reference) == 1, (file, reference)
        files[name] = files[name].replace(reference, slip)
    return files


def renamed(source: str) -> str:
    """A copy disguised the usual way: other local names, other comments."""
    for old, new in (("node", "vertex"), ("order", "ordering"), ("visited", "seen_ones")):
        source = re.sub(rf"\b{old}\b", new, source)
    return source.replace("# ", "#  ")


def make_sample_class(folder: Path) -> list[Path]:
    """One folder per learner, each holding exercises/ as a learner's repository does."""
    classes: dict[str, dict[str, str]] = {name: planted(bugs) for name, bugs in SLIPS.items()}
    copier, original = COPIED
    classes[copier] = {name: renamed(source) for name, source in classes[original].items()}
    for name, (file, tail) in HOSTILE.items():  # appended to the reference
        classes[name] = planted(())
        classes[name][file.removesuffix(".py")] += tail
    paths = []
    for learner, files in classes.items():
        exercises = folder / learner / "exercises"
        exercises.mkdir(parents=True)
        for name, source in files.items():
            (exercises / f"{name}.py").write_text(source)
        for e in EXERCISES:  # the bonus track untouched, as most learners leave it
            if e.bonus:
                shutil.copyfile(ROOT / "exercises" / f"{e.name}.py", exercises / f"{e.name}.py")
        paths.append(folder / learner)
    return paths


def graded(submissions: list[Path], out: Path) -> Path:
    """The class graded as an instructor does, into out: grades.json, grades.csv and report/."""
    report = out / "report"
    subprocess.run([sys.executable, str(ROOT / "grader.py"), *map(str, submissions), "-j", "2", "--seed", "1",
                    "--timeout", "5", "--report", str(report), "--json", str(out / "grades.json"),
                    "--csv", str(out / "grades.csv")], check=True, stdout=subprocess.DEVNULL)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args(argv)
    report = graded(make_sample_class(args.out / "class"), args.out)
    if args.screenshot:
        screenshot(report / "index.html", args.screenshot, height=1400)
    return 0


if __name__ == "__main__":
    sys.exit(main())
