"""make release and make gradescope: what each package holds, and what it must not."""

import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kata.grading.release import CPU_TORCH_INDEX, gradescope_zip, student_copy


def test_the_student_copy_has_no_solutions_hidden_cases_or_grader(tmp_path: Path) -> None:
    """Students get the stubs, the visible suites and the checker, and a workflow running the check."""
    files = student_copy(tmp_path / "student")
    assert "exercises/value.py" in files and "tests/test_value.py" in files and "kata/learner/check.py" in files
    assert not [f for f in files if f.startswith(("solutions/", "tests/hidden/", "grader.py"))]
    assert not (tmp_path / "student" / "solutions").exists()
    workflow = (tmp_path / "student" / ".github" / "workflows" / "check.yml").read_text()
    assert 'python -m kata check --summary "$GITHUB_STEP_SUMMARY"' in workflow
    assert f"PIP_EXTRA_INDEX_URL: {CPU_TORCH_INDEX}" in workflow  # not PyPI's CUDA build


def test_the_gradescope_zip_runs_the_grader_with_hidden_cases(tmp_path: Path) -> None:
    """setup.sh and run_autograder sit executable at the root; the grader, kata and every suite follow."""
    path = tmp_path / "autograder.zip"
    gradescope_zip(path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
        run = archive.read("run_autograder").decode()
        setup = archive.read("setup.sh").decode()
    assert {"setup.sh", "run_autograder", "grader.py", "kata/core/oracle/value.py", "tests/test_value.py",
            "tests/hidden/test_backward.py"} <= set(names)
    assert not [n for n in names if n.startswith(("solutions/", "exercises/", "tests/support/"))]
    assert all(modes[script] & stat.S_IXUSR for script in ("setup.sh", "run_autograder"))
    assert "--gradescope /autograder/results" in run
    assert f"--extra-index-url {CPU_TORCH_INDEX} -r requirements.txt" in setup


# Installed from requirements-test.txt, beside the Python running the tests.
BIN = Path(sys.executable).parent
VALIDATORS = {
    # GitHub's workflow schema, bundled with check-jsonschema: no download.
    "check-jsonschema": ["--builtin-schema", "vendor.github-workflows"],
    # zizmor's offline audits; exits non-zero on any finding above low (unpinned actions,
    # persisted credentials, default permissions, template injection in run:).
    "zizmor": ["--offline", "--no-config", "--min-severity", "medium"],
}


def test_the_student_workflow_passes_the_schema_and_the_security_audits(tmp_path: Path) -> None:
    """Valid for GitHub, and no zizmor finding above low; every action pinned to a commit, tag beside it."""
    missing = [name for name in VALIDATORS if not (BIN / name).is_file()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed in {BIN}: pip install -r requirements-test.txt")
    student_copy(tmp_path / "student")
    workflow = tmp_path / "student" / ".github" / "workflows" / "check.yml"
    for name, flags in VALIDATORS.items():
        done = subprocess.run([str(BIN / name), *flags, str(workflow)], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, f"{name} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    uses = re.findall(r"uses: (\S+)(.*)", workflow.read_text())
    assert uses and all(re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", action)
                        and re.fullmatch(r" # v\d+(\.\d+)*", tag) for action, tag in uses), uses
