"""kata.grading.sandbox's choice of boundary: the strongest that works here, said plainly, and none without consent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kata.grading import sandbox, syscall_filter


@pytest.fixture
def no_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without libseccomp: neither bubblewrap's filter nor kernel confinement can be set up."""
    monkeypatch.setattr(syscall_filter, "problem", lambda: "libseccomp is not installed")


def test_without_a_kernel_boundary_the_grader_refuses_and_says_how_to_go_on(no_boundary: None) -> None:
    with pytest.raises(RuntimeError, match="--allow-unconfined") as refusal:
        sandbox.choose("auto")
    assert "libseccomp is not installed" in str(refusal.value)


def test_grading_without_a_boundary_is_the_instructors_explicit_choice_and_says_so(no_boundary: None) -> None:
    chosen = sandbox.choose("auto", allow_unconfined=True)
    assert chosen.kind == "none" and not chosen.confined
    assert chosen.description.startswith("NO KERNEL BOUNDARY")


def test_the_grader_refuses_on_the_command_line_and_leaves_a_results_json(
        no_boundary: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import grader

    learner = tmp_path / "learner"
    learner.mkdir()
    assert grader.main([str(learner), "--gradescope", str(tmp_path / "gs")]) == 2
    assert "--allow-unconfined" in capsys.readouterr().err
    results = json.loads((tmp_path / "gs" / "results.json").read_text())
    assert results["score"] == 0 and "--allow-unconfined" in results["output"]


def test_every_row_graded_without_a_boundary_says_so(no_boundary: None, tmp_path: Path) -> None:
    import grader

    learner = tmp_path / "learner"
    learner.mkdir()
    (learner / "value.py").write_text((Path(grader.__file__).parent / "exercises" / "value.py").read_text())
    assert grader.main([str(learner), "--allow-unconfined", "--json", str(tmp_path / "g.json"),
                        "--csv", str(tmp_path / "g.csv"), "--timeout", "5"]) == 0
    graded = json.loads((tmp_path / "g.json").read_text())
    assert graded["boundary"] == "none"
    assert graded["submissions"][0]["status"].startswith("graded without a kernel boundary")
    assert "graded without a kernel boundary" in (tmp_path / "g.csv").read_text()
