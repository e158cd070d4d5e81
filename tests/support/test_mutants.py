"""make mutants' report: every mutant of solutions/ the graded suites let live is explained."""

import re

from kata.mutants import REPORT, function_of, load_explanations


def test_mutmut_names_read_as_module_and_function() -> None:
    assert function_of("solutions.value.xǁValueǁ__add____mutmut_6") == "value.Value.__add__"
    assert function_of("solutions.train.x_mse_loss__mutmut_9") == "train.mse_loss"
    assert function_of("solutions.optim.x__check_data__mutmut_2") == "optim._check_data"


def test_the_committed_report_has_no_unexplained_survivor_and_each_has_its_reason() -> None:
    """docs/mutants.md, as make mutants last wrote it: nothing unexplained, and every survivor
    it lists sits under the reason docs/mutants-explained.toml gives for its change."""
    report = REPORT.read_text(encoding="utf-8")
    summary = re.search(r"; 0 of the (\d+) not killed are unexplained\.", report)
    assert summary is not None
    explanations = load_explanations()
    listed = 0
    for section in report.split("\n## ")[1:]:
        why, _, body = section.partition("\n")
        for line in body.splitlines():
            if line.startswith("- "):
                change = line.split(") ", 1)[1]
                assert explanations[change] == why
                listed += 1
    assert listed == int(summary.group(1))
