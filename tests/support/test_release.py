"""make release and make gradescope: what each package holds, and what it must not."""

import stat
import zipfile
from pathlib import Path

from kata.release import CPU_TORCH_INDEX, gradescope_zip, student_copy


def test_the_student_copy_has_no_solutions_hidden_cases_or_grader(tmp_path: Path) -> None:
    """Students get the stubs, the visible suites and the checker, and a workflow running make check."""
    files = student_copy(tmp_path / "student")
    assert "exercises/value.py" in files and "tests/test_value.py" in files and "kata/check.py" in files
    assert not [f for f in files if f.startswith(("solutions/", "tests/hidden/", "grader.py"))]
    assert not (tmp_path / "student" / "solutions").exists()
    workflow = (tmp_path / "student" / ".github" / "workflows" / "check.yml").read_text()
    assert "make check" in workflow
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
    assert {"setup.sh", "run_autograder", "grader.py", "kata/oracle.py", "tests/test_value.py",
            "tests/hidden/test_backward.py"} <= set(names)
    assert not [n for n in names if n.startswith(("solutions/", "exercises/", "tests/support/"))]
    assert all(modes[script] & stat.S_IXUSR for script in ("setup.sh", "run_autograder"))
    assert "--gradescope /autograder/results" in run
    assert f"--extra-index-url {CPU_TORCH_INDEX} -r requirements.txt" in setup
