"""python -m kata TARGET: every make target as a Python command, for a machine with Python alone.

    python -m kata help          the targets, each beside its make spelling
    python -m kata check value   what `make check EX=value` does

The first command builds the virtual environment in .venv from requirements.txt,
as make does, then runs inside it; later commands go straight to it. Set
KATA_USE_CURRENT_PYTHON=1 to run in the Python you started instead (your own
environment, which must have requirements.txt installed). Until it runs inside
the environment, this file uses the standard library alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import venv
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from kata.learner.commands import Spelling
from kata.repository import ROOT, run_python

VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
LAB_REQUIREMENTS = ROOT / "requirements-lab.txt"  # Jupyter: only for make lab and the kata's own tests
TEST_REQUIREMENTS = ROOT / "requirements-test.txt"
MUTANTS_REQUIREMENTS = ROOT / "requirements-mutants.txt"  # mutmut: only for make mutants
NOTEBOOK = ROOT / "notebooks" / "kata.ipynb"
# On Linux, PyPI's PyTorch wheel bundles CUDA (several GB). PyTorch's own index serves the CPU
# build, and pip prefers it: 2.13.0+cpu sorts after 2.13.0.
CPU_TORCH = ["--extra-index-url", "https://download.pytorch.org/whl/cpu"]
TYPECHECKED = ("exercises", "solutions", "kata", "tests", "bench", "grader.py")
BENCHMARKS = ("bench/feedback.py", "bench/engine.py", "bench/grading.py")
# pytest-xdist: the suites across the machine's cores (README's performance section has the figures).
PYTEST_ARGS = ("-n", "auto")


# The student copy (make release) is this repository without solutions/ and the instructor's
# tools: there only the learner's targets exist, and make test grades the learner's exercises.
EDITION = "repository" if (ROOT / "solutions").is_dir() else "student copy"


@dataclass(frozen=True)
class Target:
    name: str
    make: str  # how make spells it
    twin: str  # how python -m kata spells it
    help: str
    run: Callable[[argparse.Namespace, list[str]], int]
    needs: tuple[Path, ...] = (REQUIREMENTS,)  # requirement files installed before it runs
    arguments: Callable[[argparse.ArgumentParser], None] = lambda parser: None
    passes_on: bool = False  # whether unknown arguments go on to the command it runs
    where: tuple[str, ...] = ("repository", "student copy")  # the editions (EDITION) that have it


# What each target runs, inside the environment.


def _in_python(*command: str) -> int:
    return run_python(sys.executable, *command).returncode


def _check(package: str) -> Callable[[argparse.Namespace, list[str]], int]:
    def run(args: argparse.Namespace, rest: list[str]) -> int:
        from kata.learner import check
        return check.main(["--package", package] + (["--exercise", args.name] if args.name else [])
                          + (["--all"] if args.all else []) + (["--summary", args.summary] if args.summary else []),
                          spelling=Spelling(args.via))
    return run


def _journey(args: argparse.Namespace, rest: list[str]) -> int:
    from kata.learner import journey
    return journey.main(rest, spelling=Spelling(args.via))


def _step(args: argparse.Namespace, rest: list[str]) -> int:
    from kata.learner import step
    return step.main(rest, spelling=Spelling(args.via))


def _submit(args: argparse.Namespace, rest: list[str]) -> int:
    from kata.learner import submit
    return submit.main(rest, spelling=Spelling(args.via))


def _watch(args: argparse.Namespace, rest: list[str]) -> int:
    from kata.learner import watch
    return watch.main(rest, spelling=Spelling(args.via))


def _hint(args: argparse.Namespace, rest: list[str]) -> int:
    from kata.learner import hints
    return hints.main(["--exercise", args.name] if args.name else [], spelling=Spelling(args.via))


def _reveal(args: argparse.Namespace, rest: list[str]) -> int:
    from kata.learner import reveal
    return reveal.main(["show"] + ([args.name] if args.name else []), spelling=Spelling(args.via))


def _reset(args: argparse.Namespace, rest: list[str]) -> int:
    from kata.learner import reveal
    return reveal.main(["reset"] + ([args.name] if args.name else []) + (["--yes"] if args.yes else []),
                       spelling=Spelling(args.via))


def _demo(args: argparse.Namespace, rest: list[str]) -> int:
    from kata.learner import demo
    return demo.main(rest, spelling=Spelling(args.via))


def _graph(args: argparse.Namespace, rest: list[str]) -> int:
    from kata.learner import draw
    return draw.main(rest + [str(Path("demo") / "graph.svg")], spelling=Spelling(args.via))


def _typecheck(args: argparse.Namespace, rest: list[str]) -> int:
    return _in_python("-m", "mypy", *[p for p in TYPECHECKED if (ROOT / p).exists()])


def _test(args: argparse.Namespace, rest: list[str]) -> int:
    return (_typecheck(args, []) or _in_python("-m", "ruff", "check", "--quiet", ".")
            # lint-imports, import-linter's command: the import rules pyproject.toml writes down.
            or _in_python("-c", "from importlinter.cli import lint_imports_command; lint_imports_command()")
            or _in_python("-m", "pytest", *PYTEST_ARGS, *rest))


def _test_exercises(args: argparse.Namespace, rest: list[str]) -> int:
    """The student copy's make test: the graded suites, which there grade exercises/ (tests/conftest.py)."""
    return _in_python("-m", "pytest", *PYTEST_ARGS, "tests", *rest)


def _bench(args: argparse.Namespace, rest: list[str]) -> int:
    chosen = [s for s in BENCHMARKS if not rest or Path(s).stem in rest]
    if len(chosen) < len(set(rest)):
        print(f"bench: choose among {', '.join(Path(s).stem for s in BENCHMARKS)}", file=sys.stderr)
        return 2
    for script in chosen:
        failed = _in_python(script)
        if failed:
            return failed
    return 0


def _mutants(args: argparse.Namespace, rest: list[str]) -> int:
    """Mutation-test the graded suites against solutions/ with mutmut, then report what survived."""
    from kata import mutants
    return _in_python("-m", "mutmut", "run", *rest) or mutants.report(venv_python())


def _release(kind: str, destination: str) -> Callable[[argparse.Namespace, list[str]], int]:
    def run(args: argparse.Namespace, rest: list[str]) -> int:
        from kata.grading import release
        return release.main([kind, destination])
    return run


def _lab(args: argparse.Namespace, rest: list[str]) -> int:
    # Served from the repository's root, so the file browser shows exercises/ beside the notebook.
    # Containers and many cloud notebooks run as root, where JupyterLab refuses to start without this.
    as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    if as_root:
        print("Running as root (as in a container): passing --allow-root, without which JupyterLab will not start.")
    return _in_python("-m", "jupyterlab", f"--ServerApp.root_dir={ROOT}", *as_root,
                      f"--LabApp.default_url=/lab/tree/{NOTEBOOK.relative_to(ROOT).as_posix()}", *rest)


def _clean(args: argparse.Namespace, rest: list[str]) -> int:
    for folder in (VENV, ROOT / ".mypy_cache", ROOT / "dist"):
        if folder.is_symlink():
            folder.unlink()
        elif folder.exists():
            shutil.rmtree(folder)
    for cache in list(ROOT.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    print("Removed .venv, .mypy_cache, dist and __pycache__ folders; your exercises stay.")
    return 0


def _help(args: argparse.Namespace, rest: list[str]) -> int:
    make = Spelling(args.via) is Spelling.MAKE
    spelled = [(t.make if make else t.twin, t.help) for t in TARGETS]
    width = max(len(command) for command, _ in spelled)
    for command, text in spelled:
        print(f"{command:<{width}}  {text}")
    other = "python -m kata TARGET, as listed by python -m kata help" if make else "make TARGET"
    print(f"\nThe same targets {'without make' if make else 'with make'}: {other}.")
    return 0


def _exercise(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", default="", help="an exercise, e.g. value")


def _exercise_and_all(parser: argparse.ArgumentParser) -> None:
    _exercise(parser)
    parser.add_argument("--all", action="store_true", help="every failing case in full, not only the first")
    parser.add_argument("--summary", default="", metavar="FILE",
                        help="also append the table, in Markdown, to FILE (a CI job summary)")


def _exercise_and_yes(parser: argparse.ArgumentParser) -> None:
    _exercise(parser)
    parser.add_argument("--yes", action="store_true", help="reset without asking")


REPOSITORY, STUDENT_COPY = ("repository",), ("student copy",)
_EVERY_TARGET = (
    Target("help", "make help", "python -m kata help", "Show the targets.", _help, needs=()),
    Target("check", "make check [EX=name] [ALL=1]", "python -m kata check [name] [--all]",
           "Check your exercises against PyTorch (name: one exercise; ALL=1: every failing case in full).",
           _check("exercises"), arguments=_exercise_and_all),
    Target("check-solutions", "make check-solutions", "python -m kata check-solutions [name]",
           "The same check on the reference solutions.", _check("solutions"), arguments=_exercise_and_all,
           where=REPOSITORY),
    Target("watch", "make watch", "python -m kata watch",
           "Check again whenever you save a file in exercises/.", _watch, passes_on=True),
    Target("journey", "make journey", "python -m kata journey",
           "Your path so far, from your journal: checks, time and causes met per exercise.", _journey,
           passes_on=True),
    Target("step", "make step [CASE=name]", "python -m kata step [--case name]",
           "Step through your backward pass call by call beside PyTorch's, in demo/step.html.", _step,
           passes_on=True),
    Target("submit", "make submit", "python -m kata submit",
           "Write submission.zip, what you hand in: your exercise files and your journal.", _submit,
           passes_on=True),
    Target("hint", "make hint [EX=name]", "python -m kata hint [name]",
           "The next hint for the exercise you are on, one tier at a time.", _hint,
           arguments=_exercise),
    Target("reveal", "make reveal EX=name", "python -m kata reveal name",
           "Show the reference solution of an exercise, once yours passes.", _reveal,
           arguments=_exercise, where=REPOSITORY),
    Target("reset", "make reset EX=name [YES=1]", "python -m kata reset name [--yes]",
           "Put back the stub of an exercise, after asking; yours is kept in .kata/backups/.",
           _reset, arguments=_exercise_and_yes),
    Target("demo", "make demo [IMPL=solutions] [DATA=spiral]",
           "python -m kata demo [--impl solutions] [--data spiral]",
           "Train an MLP on two moons (or the bonus spiral) with your code; pictures in demo/.",
           _demo, passes_on=True, where=REPOSITORY),
    Target("demo", "make demo [DATA=spiral]", "python -m kata demo [--data spiral]",
           "Train an MLP on two moons (or the bonus spiral) with your code; pictures in demo/.",
           _demo, passes_on=True, where=STUDENT_COPY),
    Target("graph", "make graph [IMPL=solutions]", "python -m kata graph [--impl solutions]",
           "Draw the graph of a small neuron built with your Value to demo/graph.svg.", _graph,
           passes_on=True, where=REPOSITORY),
    Target("graph", "make graph", "python -m kata graph",
           "Draw the graph of a small neuron built with your Value to demo/graph.svg.", _graph,
           passes_on=True, where=STUDENT_COPY),
    Target("lab", "make lab", "python -m kata lab",
           "Open the companion notebook in JupyterLab (installed on first use).", _lab,
           needs=(REQUIREMENTS, LAB_REQUIREMENTS), passes_on=True),
    Target("test", "make test", "python -m kata test [pytest arguments]",
           "What CI runs: type check, lint (ruff, import rules), then every suite.", _test,
           needs=(REQUIREMENTS, LAB_REQUIREMENTS, TEST_REQUIREMENTS), passes_on=True, where=REPOSITORY),
    Target("test", "make test", "python -m kata test [pytest arguments]",
           "The graded cases on your exercises with pytest, as an editor's test explorer finds them.",
           _test_exercises, passes_on=True, where=STUDENT_COPY),
    Target("typecheck", "make typecheck", "python -m kata typecheck", "mypy --strict on all code.",
           _typecheck, where=REPOSITORY),
    Target("bench", "make bench", "python -m kata bench [feedback|engine|grading]",
           "Measure feedback, engine and grading speed (ratios measured in one run).", _bench,
           passes_on=True, where=REPOSITORY),
    Target("mutants", "make mutants", "python -m kata mutants [mutmut run arguments]",
           "Mutation-test the graded suites against solutions/ (minutes): docs/mutants.md, failing on "
           "a survivor not explained in docs/mutants-explained.toml.",
           _mutants, needs=(REQUIREMENTS, TEST_REQUIREMENTS, MUTANTS_REQUIREMENTS), passes_on=True,
           where=REPOSITORY),
    Target("release", "make release", "python -m kata release",
           "Build the student copy in dist/student (no solutions, no hidden cases).",
           _release("student", str(Path("dist") / "student")), where=REPOSITORY),
    Target("gradescope", "make gradescope", "python -m kata gradescope",
           "Build the Gradescope autograder, dist/gradescope.zip.",
           _release("gradescope", str(Path("dist") / "gradescope.zip")), where=REPOSITORY),
    Target("clean", "make clean", "python -m kata clean",
           "Remove the environment and caches (your exercises stay).", _clean, needs=()),
)
TARGETS = tuple(t for t in _EVERY_TARGET if EDITION in t.where)


# The environment: .venv, built on first use.


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _marker(requirements: Path) -> Path:
    """A file whose date says when requirements were last installed into .venv."""
    return VENV / (".installed" if requirements == REQUIREMENTS else f".installed-{requirements.stem}")


def _installed(requirements: Path) -> bool:
    marker = _marker(requirements)
    return marker.exists() and marker.stat().st_mtime >= requirements.stat().st_mtime


def _running_in_environment() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def prepare(needs: Sequence[Path]) -> None:
    """Build .venv if it is missing, and install each requirements file not installed since it changed."""
    if not venv_python().exists():
        print("Building the environment in .venv (first run only; PyTorch takes a few minutes)...",
              flush=True)
        venv.create(VENV, with_pip=True)
    for requirements in needs:
        if _installed(requirements):
            continue
        print(f"Installing {requirements.name} into .venv...", flush=True)
        pip = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        torch = [line.strip() for line in requirements.read_text().splitlines()
                 if line.strip().startswith("torch==")]
        # PyTorch's index only for PyTorch, so that nothing else waits on it; once is enough to try
        # it where it cannot be reached (pip then takes the pinned release from its usual sources).
        steps = [pip + ["-r", str(requirements)]]
        if torch and sys.platform.startswith("linux"):
            steps.insert(0, pip + ["--retries", "1", *torch, *CPU_TORCH])
        for step in steps:
            if run_python(venv_python(), *step).returncode != 0:
                raise SystemExit(f"Installing {requirements.name} failed: pip's messages are above.")
        _marker(requirements).touch()


def _into_environment(argv: list[str]) -> int:
    """Run this same command with .venv's Python."""
    command = [str(venv_python()), "-m", "kata", *argv]
    if os.name == "posix":
        os.execv(command[0], command)  # the same process: Ctrl-C and the exit status go straight through
    try:
        return run_python(*command).returncode
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="python -m kata", description=__doc__.split("\n\n")[0])
    main_parser.add_argument("--via", choices=[s.value for s in Spelling], default=Spelling.PYTHON.value,
                             help="how messages spell a command (the Makefile passes make)")
    commands = main_parser.add_subparsers(dest="target", metavar="TARGET", required=True)
    for target in TARGETS:
        target.arguments(commands.add_parser(target.name, help=target.help, description=target.help))
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args, rest = parser().parse_known_args(argv)
    target = next(t for t in TARGETS if t.name == args.target)
    if rest and not target.passes_on:
        parser().parse_args(argv)  # argparse's own message for an argument it does not know
    if target.needs and os.environ.get("KATA_USE_CURRENT_PYTHON") != "1":
        prepare(target.needs)  # also when running in .venv: requirements may have changed since
        if not _running_in_environment():
            return _into_environment(argv)
    try:
        return target.run(args, rest)
    except BrokenPipeError:  # the reader stopped (| head): the rest goes nowhere, as at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
