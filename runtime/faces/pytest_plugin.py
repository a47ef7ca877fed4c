"""pytest plugin (entry point pytest11): the --update-goldens option shared by every golden test."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rankql")
    group.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the expected sections of golden case files with what the code now produces",
    )


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True when the run should rewrite golden sections instead of comparing them."""
    return bool(request.config.getoption("--update-goldens"))
