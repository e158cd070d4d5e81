"""README's claims about make check, held against the real output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kata.core.curriculum import EXERCISES
from kata.core.replay import NodeCache
from kata.learner.check import check, render
from kata.learner.commands import Spelling
from tests.support.test_diagnosis import NOT_REVERSED, Learner, learner

__all__ = ["learner"]  # the fixture, shared with test_diagnosis

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_the_captured_report_is_make_checks_real_output(learner: Learner, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The example under "Reading make check" is what make check prints for the bug it describes."""
    impl = learner(NOT_REVERSED)
    home = tmp_path / impl.package
    scores = check(list(EXERCISES), impl.package, search_path=tmp_path,
                   cache_path=tmp_path / "oracle-cache.json")
    report = render(scores, impl.package, Spelling.MAKE, narrowed=False,
                    node_cache=NodeCache(tmp_path / "node-cache.json"))
    captured = re.search(r"forgets to reverse it.*?\n```\n(.*?)\n```", README, re.DOTALL)
    assert captured is not None and home.is_dir()
    assert report.replace(impl.package, "exercises") == captured.group(1)


def test_every_misconception_in_readmes_table_has_a_planted_test() -> None:
    """Each row of README's table of named misconceptions is one the diagnosis tests plant."""
    table = README.split("The misconceptions it names")[1].split("\n\n")[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    planted = (Path(__file__).parent / "test_diagnosis.py").read_text()
    words = {"`=` instead of `+=`": "ASSIGNS", "not reversed": "NOT_REVERSED", "unseeded": "NOT_SEEDED",
             "`* out.grad`": "NO_OUT_GRAD", "stray": "STRAY_FACTOR", "__rsub__": "SELF_MINUS_OTHER",
             "relu": "RELU_ONE_AT_ZERO", "exp's": "EXP_FROM_OPERAND", "swapped": "PRODUCT_SWAPPED",
             "uphill": "STEP_UPHILL", "moves nothing": "STEP_MOVES_NOTHING",
             "run twice": "ROOT_PASSED_ON_TWICE", "missing from": "BIAS_LEFT_OUT", "zero_grad": "ZERO_GRAD_FIRST_ONLY",
             "max shift": "SOFTMAX_NOT_SHIFTED", "momentum": "MOMENTUM_ON_THE_GRAD",
             "bias correction": "ADAM_UNCORRECTED"}
    for row in rows:
        (marker,) = [name for word, name in words.items() if word in row.split("|")[1]]
        assert marker in planted, row


def test_the_path_table_lists_every_exercise_with_its_points() -> None:
    """README's table of the path has one row per curriculum entry, in order, with its points."""
    table = README.split("| # | file | you write | points |")[1].split("\n\n")[0]
    rows = [line.split("|") for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert [row[2].strip() for row in rows] == [f"`{e.name}.py`" for e in EXERCISES]
    for row, exercise in zip(rows, EXERCISES):
        assert row[1].strip().startswith(str(exercise.number))
        assert row[-2].strip() == (f"{exercise.points}, bonus" if exercise.bonus else str(exercise.points))
