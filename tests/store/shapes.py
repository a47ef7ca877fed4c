"""The store's search answers (columns) as the rows tests compare: (doc_id, distance) and
(doc_id, score, explainScore)."""

from __future__ import annotations

from typing import Any


def vector_hits(collection: Any, *args: Any, **kwargs: Any) -> list[tuple[int, float]]:
    """Collection.vector_search as (doc_id, distance) pairs, nearest first."""
    ids, distances = collection.vector_search(*args, **kwargs, lists=True)
    return list(zip(ids, distances, strict=True))


def bm25_hits(collection: Any, *args: Any, **kwargs: Any) -> list[tuple[int, float, str | None]]:
    """Collection.bm25_search as (doc_id, score, explainScore or None) rows, best first."""
    ids, scores, explains = collection.bm25_search(*args, **kwargs)
    texts = explains if explains is not None else [None] * len(ids)
    return list(zip(ids.tolist(), scores.tolist(), texts, strict=True))
