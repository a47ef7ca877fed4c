"""Shared set-up of the gRPC tests: a served database with articles, and answers compared with db.query."""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from typing import Any

import numpy as np
from rankql.runtime import Database, generate_uuid5

WORDS = ["fish", "river", "boat", "mountain", "forest", "city", "train", "garden", "ocean", "bridge"]
DIM = 8
ARTICLE = {
    "class": "Article",
    "vectorizer": "none",
    "moduleConfig": {"reranker-dummy": {}},
    "invertedIndexConfig": {"indexTimestamps": True},
    "properties": [
        {"name": "title", "dataType": ["text"]},
        {"name": "body", "dataType": ["text"]},
        {"name": "points", "dataType": ["int"]},
        {"name": "price", "dataType": ["number"]},
        {"name": "published", "dataType": ["date"]},
        {"name": "tags", "dataType": ["text[]"]},
        {"name": "category", "dataType": ["text"], "tokenization": "field"},
        {"name": "featured", "dataType": ["boolean"]},
    ],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def article(i: int) -> dict:
    """The i-th article: properties as Weaviate's client sends them, and its vector."""
    rng = np.random.default_rng(i)
    words = [WORDS[(i * 3 + k) % len(WORDS)] for k in range(3)]
    return {
        "id": generate_uuid5(f"article-{i}"),
        "properties": {
            "title": f"{words[0]} {words[1]} story {i}",
            "body": " ".join(words * (1 + i % 3)),
            "points": (i * 7) % 50,
            "price": round(1.5 * i + 0.25, 2),
            "published": f"2020-01-{i % 28 + 1:02d}T00:00:00Z",
            "tags": [words[2], "even" if i % 2 == 0 else "odd"],
            "category": "abc"[i % 3],
            "featured": i % 4 == 0,
        },
        "vector": [float(x) for x in rng.normal(size=DIM).astype(np.float32)],
    }


def article_db(count: int = 40) -> Database:
    db = Database()
    db.create_collection(ARTICLE)
    result = db.collection("Article").insert_many([article(i) for i in range(count)], progress=False)
    assert result.ok, result.errors
    return db


def gql(db: Database, args: str, fields: str, cls: str = "Article") -> list[dict]:
    """db.query's objects for one class field (asserting it has no errors)."""
    answer = db.query(f"{{ Get {{ {cls}({args}) {{ {fields} }} }} }}")
    assert "errors" not in answer, answer["errors"]
    return answer["data"]["Get"][cls]


def f32(value: float | None) -> Any:
    return None if value is None else np.float32(value)


def plain(value: Any) -> Any:
    """A client value as GraphQL shows it: datetimes as RFC 3339 text, uuids as text."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def same_objects(objects: list, expected: list[dict], *, metadata: tuple[str, ...] = ()) -> None:
    """The client's objects equal db.query's, in order: ids, properties, and the named metadata."""
    assert [str(o.uuid) for o in objects] == [e["_additional"]["id"] for e in expected]
    for obj, exp in zip(objects, expected, strict=True):
        props = {k: v for k, v in exp.items() if k != "_additional"}
        assert {k: plain(v) for k, v in obj.properties.items()} == props
        extra = exp["_additional"]
        for name in metadata:
            if name == "distance":
                assert f32(obj.metadata.distance) == f32(extra["distance"])
            elif name == "certainty":
                assert f32(obj.metadata.certainty) == f32(extra["certainty"])
            elif name == "score":
                assert f32(obj.metadata.score) == f32(float(extra["score"]))
            elif name == "explain_score":
                assert obj.metadata.explain_score == extra["explainScore"]
            elif name == "rerank_score":
                assert obj.metadata.rerank_score == extra["rerank"][0]["score"]
            elif name == "vector":
                assert np.array_equal(np.float32(obj.vector["default"]), np.float32(extra["vector"]))
