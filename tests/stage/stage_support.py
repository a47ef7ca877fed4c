"""Helpers of the rerank stage tests: small real databases and a registered reranker that counts its calls."""

from __future__ import annotations

import math
from collections.abc import Callable

from rankql.runtime import Database


class Counting:
    """A user reranker (registered through db.register_reranker): records every call it gets.

    Scores like Weaviate's reranker-dummy (the document's length) unless another function is given.
    """

    def __init__(self, fn: Callable[[str, str], float] | None = None, fail: str | None = None) -> None:
        self.fn = fn or (lambda query, doc: float(len(doc)))
        self.fail = fail
        self.calls: list[tuple[str, list[str]]] = []

    def score(self, query: str, documents: list[str]) -> list[float]:
        self.calls.append((query, list(documents)))
        if self.fail:
            raise RuntimeError(self.fail)
        return [self.fn(query, d) for d in documents]

    @property
    def documents(self) -> list[str]:
        """Every document scored, over all calls, in call order."""
        return [d for _, docs in self.calls for d in docs]


def unit_vector(angle: float) -> list[float]:
    return [math.cos(angle), math.sin(angle)]


# 20 articles: nearVector [1, 0] ranks them by index (angle grows with i); the body lengths make the
# dummy reranker's order differ from the retrieval order, with a few deliberate ties.
BODY_LENGTHS = [3, 9, 5, 9, 1, 12, 7, 2, 9, 4, 11, 6, 8, 10, 3, 13, 5, 7, 14, 2]


def article(i: int) -> dict:
    return {
        "id": f"00000000-0000-0000-0000-{i:012d}",
        "properties": {
            "title": f"title {i}",
            "body": "b" * BODY_LENGTHS[i],
            "n": i,
            "category": ["red", "green", "blue"][i % 3],
            "words": "fish " * (1 + i % 4) + "water",
        },
        "vector": unit_vector(i * 0.05),
    }


ARTICLE_CLASS = {
    "class": "Article",
    "properties": [
        {"name": "title", "dataType": ["text"]},
        {"name": "body", "dataType": ["text"]},
        {"name": "n", "dataType": ["int"]},
        {"name": "category", "dataType": ["text"]},
        {"name": "words", "dataType": ["text"]},
    ],
}


def make_db(
    module_config: dict, rerankers: dict | None = None, *, fallback: bool = True, n: int = 20
) -> Database:
    """An in-memory database with the Article class (given vectors, no vectorizer)."""
    db = Database(rerank_query_fallback=fallback)
    for name, reranker in (rerankers or {}).items():
        db.register_reranker(name, reranker)
    coll = db.create_collection({**ARTICLE_CLASS, "moduleConfig": module_config})
    result = coll.insert_many([article(i) for i in range(n)])
    assert result.ok, result.errors
    return db
