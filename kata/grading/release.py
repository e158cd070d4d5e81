"""Packages for a class: the student copy (make release) and the Gradescope autograder (make gradescope).

Both are built from the files git tracks, so nothing local (a virtual
environment, a learner's scratch files) leaks into them.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path

from kata.repository import ROOT, tracked_files

# Instructors' material: the reference, the hidden cases, the grader, the kata's own tests and
# what they need, the benchmarks (which time solutions/) and mutation testing.
NOT_FOR_STUDENTS = ("solutions/", "tests/hidden/", "tests/support/", "grader.py", ".ci/", "bench/",
                    "requirements-test.txt", "requirements-mutants.txt", "docs/mutants.md",
                    "docs/mutants-explained.toml", "kata/mutants.py")
FOR_GRADESCOPE = ("grader.py", "requirements.txt", "kata/", "tests/__init__.py", "tests/test_",
                  "tests/hidden/")

# PyPI's Linux wheel of PyTorch bundles CUDA, several GB; this index serves the
# CPU build of the same release (192 MB), which is all the oracle needs.
CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu"

# Each action is pinned to a commit (its tag in the trailing comment), checked out of the action's
# own repository: a tag can be moved, a commit cannot. tests/support/test_release.py validates this
# workflow offline against GitHub's schema and zizmor's audits; `run:` holds no ${{ }} expressions.
STUDENT_WORKFLOW = f"""\
# Goes green once every core exercise passes; the bonus is shown in the summary but optional.
name: check
on: [push, pull_request]
permissions:
  contents: read
jobs:
  check:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@fbc6f3992d24b796d5a048ff273f7fcc4a7b6c09 # v5.1.0
        with:
          persist-credentials: false
      - uses: actions/setup-python@ece7cb06caefa5fff74198d8649806c4678c61a1 # v6.3.0
        with:
          python-version: "3.11"
      - run: python -m kata check --summary "$GITHUB_STEP_SUMMARY"
        env:
          PIP_EXTRA_INDEX_URL: {CPU_TORCH_INDEX}
"""

SETUP_SH = f"""\
#!/usr/bin/env bash
# Runs once, when Gradescope builds the autograder image.
set -euo pipefail
apt-get update
apt-get install -y python3 python3-venv python3-pip bubblewrap libseccomp2
cd /autograder/source
python3 -m venv .venv
.venv/bin/pip install --extra-index-url {CPU_TORCH_INDEX} -r requirements.txt
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Runs for every submission; grader.py writes /autograder/results/results.json even if it fails.
cd /autograder/source
.venv/bin/python grader.py /autograder/submission --gradescope /autograder/results
"""


# The Makefile's instructor targets come after this line; the student copy's Makefile stops before it.
MAKEFILE_CUT = "# Instructors and maintainers."


def for_learners(readme: str) -> str:
    """README as the student copy has it: the repository's parts left out, the copy's put in."""
    readme = re.sub(r"^.+ <!-- repository only -->\n", "", readme, flags=re.MULTILINE)
    readme = re.sub(r"^<!-- repository only -->\n.*?^<!-- end -->\n", "", readme, flags=re.DOTALL | re.MULTILINE)
    return re.sub(r"<!-- student copy only\n(.*?)-->\n", r"\1", readme, flags=re.DOTALL)


def learners_makefile(makefile: str) -> str:
    return makefile[:makefile.index(MAKEFILE_CUT)].rstrip("\n") + "\n"


EDITED = {"README.md": for_learners, "Makefile": learners_makefile}


def student_copy(destination: Path) -> list[str]:
    """Write the student copy to destination (which must not exist); the files written."""
    destination.mkdir(parents=True)
    written = []
    for name in tracked_files():
        if not name.startswith(NOT_FOR_STUDENTS):
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if name in EDITED:
                target.write_text(EDITED[name]((ROOT / name).read_text(encoding="utf-8")), encoding="utf-8")
            else:
                target.write_bytes((ROOT / name).read_bytes())
            written.append(name)
    workflow = destination / ".github" / "workflows" / "check.yml"
    workflow.parent.mkdir(parents=True, exist_ok=True)
    workflow.write_text(STUDENT_WORKFLOW)
    return written + [".github/workflows/check.yml"]


def gradescope_zip(destination: Path) -> list[str]:
    """Write the autograder zip: setup.sh and run_autograder at its root, then what grader.py needs."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    names = [name for name in tracked_files() if name.startswith(FOR_GRADESCOPE)]
    with zipfile.ZipFile(destination, "w", zipfile.ZIP_DEFLATED) as archive:
        for script, text in (("setup.sh", SETUP_SH), ("run_autograder", RUN_AUTOGRADER)):
            info = zipfile.ZipInfo(script)
            info.external_attr = 0o100755 << 16  # executable, as Gradescope runs them directly
            archive.writestr(info, text)
        for name in names:
            archive.write(ROOT / name, name)
    return ["setup.sh", "run_autograder", *names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=["student", "gradescope"])
    parser.add_argument("destination", type=Path)
    args = parser.parse_args(argv)
    if args.kind == "student":
        if args.destination.exists():
            parser.error(f"{args.destination} exists already: remove it or name another")
        files = student_copy(args.destination)
    else:
        files = gradescope_zip(args.destination)
    print(f"{args.destination}: {len(files)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
