"""pytest wiring for the graded suites: which implementation is the candidate, and the seeds."""

from pathlib import Path
from typing import Optional

import pytest

from kata.core.implementation import Implementation

# The student copy has no solutions/: there the suites grade the exercises.
DEFAULT_IMPL = "solutions" if (Path(__file__).parent.parent / "solutions").is_dir() else "exercises"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--impl", default=DEFAULT_IMPL,
                     help="the package graded against PyTorch: solutions or exercises")


@pytest.fixture(scope="session")
def candidate(request: pytest.FixtureRequest) -> Implementation:
    return Implementation(request.config.getoption("--impl"))


@pytest.fixture
def seed() -> Optional[int]:
    """A fixed scenario takes no seed; random ones are parametrized below, one test per seed."""
    return None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    case = getattr(metafunc.function, "case", None)
    if case is not None and case.seeds:
        metafunc.parametrize("seed", case.seeds, ids=[f"seed={s}" for s in case.seeds])
