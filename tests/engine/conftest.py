"""Engine test fixtures: the datasets, built once per session."""

from __future__ import annotations

import pytest
from rankql.runtime import Database

from .dataset import build_articles, build_minilm
from .dataset_types import build_places


@pytest.fixture(scope="session")
def articles_db() -> Database:
    return build_articles(Database())


@pytest.fixture(scope="session")
def minilm_db() -> Database:
    return build_minilm(Database())


@pytest.fixture(scope="session")
def places_db() -> Database:
    return build_places(Database())
