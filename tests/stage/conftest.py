"""Fixtures of the rerank stage tests (helpers live in stage_support.py)."""

from __future__ import annotations

import pytest
from rankql.runtime import Database

from .stage_support import Counting, make_db


@pytest.fixture
def counting() -> Counting:
    return Counting()


@pytest.fixture
def dummy_db() -> Database:
    """Article with reranker-dummy only."""
    return make_db({"reranker-dummy": {}})


@pytest.fixture
def counting_db(counting: Counting) -> Database:
    """Article with the registered 'counting' reranker only."""
    return make_db({"counting": {}}, {"counting": counting})
