"""Store test helpers: definitions, clustered vectors (HNSW's realistic case), a shared MiniLM database."""

from __future__ import annotations

import numpy as np
import pytest
from rankql.runtime import Database


def article_definition(**overrides: object) -> dict:
    definition: dict = {
        "class": "Article",
        "properties": [
            {"name": "title", "dataType": ["text"]},
            {"name": "body", "dataType": ["text"]},
            {"name": "wordCount", "dataType": ["int"]},
            {"name": "score", "dataType": ["number"]},
            {"name": "draft", "dataType": ["boolean"]},
            {"name": "published", "dataType": ["date"]},
            {"name": "tags", "dataType": ["text[]"]},
            {"name": "ref", "dataType": ["uuid"]},
        ],
    }
    definition.update(overrides)
    return definition


def clustered(n: int, dim: int, *, clusters: int = 40, seed: int = 0, spread: float = 0.25) -> np.ndarray:
    """Points around random centres: the shape real embeddings have (Gaussian clouds fool HNSW tests)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    labels = rng.integers(0, clusters, size=n)
    return (centres[labels] + spread * rng.normal(size=(n, dim))).astype(np.float32)


@pytest.fixture
def db() -> Database:
    return Database()


@pytest.fixture
def articles(db: Database):
    return db.create_collection(article_definition())
