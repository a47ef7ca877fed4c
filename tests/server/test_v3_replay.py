"""weaviate-client 3.26 replayed: the exact requests it sends (recorded from 3.26.7, which shares v4's
package name and so cannot be installed beside it), checked against the server and against db.query."""

from __future__ import annotations

import json

import httpx
import pytest
from rankql.runtime import Database
from rankql.runtime.server.rest import build_rest_app

from .rest_support import rest_client

# (method, path and query, body bytes) in the order weaviate.Client(...), is_ready(), schema.create_class,
# a dynamic batch of four objects, six client.query calls, data_object.get_by_id and schema.delete_class send.
# Every request also carried "content-type: application/json".
V3_SESSION = [
    ("GET", "/v1/.well-known/ready", b""),
    ("GET", "/v1/.well-known/openid-configuration", b""),
    ("GET", "/v1/meta", b""),
    ("GET", "/v1/.well-known/ready", b""),
    (
        "POST",
        "/v1/schema",
        b'{"class": "Article", "properties": [{"name": "title", "dataType": ["text"]}, {"name": "year", "dataType": ["int"]}, {"name": "tags", "dataType": ["text[]"]}], "vectorizer": "none"}',
    ),
    ("GET", "/v1/nodes", b""),
    (
        "POST",
        "/v1/batch/objects",
        b'{"fields": ["ALL"], "objects": [{"class": "Article", "properties": {"title": "alpha cat", "year": 2001, "tags": ["pets"]}, "id": "00000000-0000-0000-0000-000000000001", "vector": [1.0, 0.0, 0.0]}, {"class": "Article", "properties": {"title": "beta dog", "year": 2002, "tags": ["pets", "dogs"]}, "id": "00000000-0000-0000-0000-000000000002", "vector": [0.9, 0.1, 0.0]}, {"class": "Article", "properties": {"title": "gamma car", "year": 2003, "tags": ["cars"]}, "id": "00000000-0000-0000-0000-000000000003", "vector": [0.0, 1.0, 0.0]}, {"class": "Article", "properties": {"title": "delta cat dog", "year": 2004, "tags": ["pets"]}, "id": "00000000-0000-0000-0000-000000000004", "vector": [0.5, 0.5, 0.1]}]}',
    ),
    (
        "POST",
        "/v1/graphql",
        b'{"query": "{Get{Article(limit: 3 nearVector: {vector: [1.0, 0.0, 0.0]} ){title year _additional {distance id }}}}"}',
    ),
    (
        "POST",
        "/v1/graphql",
        b'{"query": "{Get{Article(bm25:{query: \\"cat\\"}){title _additional {score }}}}"}',
    ),
    (
        "POST",
        "/v1/graphql",
        b'{"query": "{Get{Article(hybrid:{query: \\"cat dog\\", vector: [0.5, 0.5, 0.0], alpha: 0.5}){title _additional {score }}}}"}',
    ),
    (
        "POST",
        "/v1/graphql",
        b'{"query": "{Get{Article(where: {path: [\\"year\\"] operator: GreaterThan valueInt: 2001} sort: [{ path: [\\"year\\"] order: desc } ]){title year}}}"}',
    ),
    (
        "POST",
        "/v1/graphql",
        b'{"query": "{Get{Article(where: {path: [\\"tags\\"] operator: ContainsAny valueText: [\\"dogs\\",\\"cars\\"]} ){title tags}}}"}',
    ),
    ("POST", "/v1/graphql", b'{"query": "{Aggregate{Article{meta{count}}}}"}'),
    ("GET", "/v1/objects/Article/00000000-0000-0000-0000-000000000001?include=vector", b""),
    ("DELETE", "/v1/schema/Article", b""),
]
GRAPHQL = [i for i, (method, path, _) in enumerate(V3_SESSION) if path == "/v1/graphql"]


def _send(client: httpx.Client, step: int, **headers: str) -> httpx.Response:
    method, path, body = V3_SESSION[step]
    return client.request(
        method, path, content=body or None, headers={"content-type": "application/json", **headers}
    )


@pytest.fixture
def db() -> Database:
    return Database()


@pytest.fixture
def client(db: Database):
    with rest_client(build_rest_app(db)) as http:
        yield http


def test_v3_session_replayed(client: httpx.Client, db: Database) -> None:
    answers = {}
    for step, (method, path, _) in enumerate(V3_SESSION):
        if path.startswith("/v1/graphql"):
            # Compare with db.query on the same data before the class is deleted at the end.
            query = json.loads(V3_SESSION[step][2])["query"]
            expected = db.query(query)
            answer = _send(client, step)
            assert answer.status_code == 200
            shown = {k: v for k, v in expected.items() if v is not None}
            assert answer.json() == shown, query
            answers[step] = answer.json()
            continue
        answer = _send(client, step)
        answers[step] = answer
        if path == "/v1/.well-known/openid-configuration":
            assert answer.status_code == 404  # v3 then uses a plain session
        else:
            assert answer.status_code == 200, (method, path, answer.text)
    meta = answers[2].json()
    assert tuple(int(p) for p in meta["version"].split(".")[:2]) >= (1, 14)  # v3 warns below 1.14
    node = answers[5].json()["nodes"][0]
    # v3's dynamic batching reads nodes[0]["stats"]; without "ratePerSecond" there it batches as before.
    assert "stats" in node and "ratePerSecond" not in node["stats"]
    batch = answers[6].json()
    assert [r["result"] for r in batch] == [{"status": "SUCCESS"}] * 4
    assert [r["id"] for r in batch] == [f"00000000-0000-0000-0000-00000000000{i}" for i in range(1, 5)]
    near, bm25, hybrid, where_sort, contains, aggregate = (answers[i] for i in GRAPHQL)
    assert [r["title"] for r in near["data"]["Get"]["Article"]] == ["alpha cat", "beta dog", "delta cat dog"]
    assert [r["title"] for r in bm25["data"]["Get"]["Article"]] == ["alpha cat", "delta cat dog"]
    assert len(hybrid["data"]["Get"]["Article"]) == 4
    assert [r["year"] for r in where_sort["data"]["Get"]["Article"]] == [2004, 2003, 2002]
    assert sorted(r["title"] for r in contains["data"]["Get"]["Article"]) == ["beta dog", "gamma car"]
    assert aggregate == {"data": {"Aggregate": {"Article": [{"meta": {"count": 4}}]}}}  # the four batched
    one = answers[len(V3_SESSION) - 2].json()
    assert one["properties"] == {"title": "alpha cat", "year": 2001, "tags": ["pets"]}
    assert one["vector"] == [1.0, 0.0, 0.0]
    assert "Article" not in db  # the final DELETE /v1/schema/Article


def test_v3_with_an_api_key() -> None:
    with rest_client(build_rest_app(Database(), api_keys=["k"])) as client:
        assert _send(client, 0).status_code == 200  # ready: open, as v3 checks it before sending a key
        assert _send(client, 2).status_code == 401
        # weaviate.AuthApiKey("k") sends the header in lower case.
        assert _send(client, 2, authorization="Bearer k").status_code == 200
        assert _send(client, 4, authorization="Bearer k").status_code == 200
        assert _send(client, 6).status_code == 401


# schema.create({"classes": [...]}), schema.exists / get, schema.property.create, data_object.create (x2),
# exists, update, replace, get (a page, then after a cursor with vectors), batch.delete_objects (verbose),
# data_object.delete, exists, schema.get, schema.delete_class: with the status Weaviate answers each.
V3_CRUD_SESSION = [
    ("GET", "/v1/.well-known/ready", b"", 200),
    ("GET", "/v1/.well-known/openid-configuration", b"", 404),
    ("GET", "/v1/meta", b"", 200),
    (
        "POST",
        "/v1/schema",
        b'{"class": "Book", "properties": [{"name": "title", "dataType": ["text"]}, {"name": "pages", "dataType": ["int"]}]}',
        200,
    ),
    ("GET", "/v1/schema/Book", b"", 200),
    ("GET", "/v1/schema/Book", b"", 200),
    ("POST", "/v1/schema/Book/properties", b'{"name": "isbn", "dataType": ["text"]}', 200),
    (
        "POST",
        "/v1/objects",
        b'{"class": "Book", "properties": {"title": "a cat story", "pages": 10}, "id": "00000000-0000-0000-0000-00000000000a", "vector": [1.0, 0.0]}',
        200,
    ),
    (
        "POST",
        "/v1/objects",
        b'{"class": "Book", "properties": {"title": "dog days", "pages": 20}, "id": "00000000-0000-0000-0000-00000000000b", "vector": [0.0, 1.0]}',
        200,
    ),
    ("HEAD", "/v1/objects/Book/00000000-0000-0000-0000-00000000000a", b"", 204),
    (
        "PATCH",
        "/v1/objects/Book/00000000-0000-0000-0000-00000000000a",
        b'{"id": "00000000-0000-0000-0000-00000000000a", "properties": {"pages": 11}, "class": "Book"}',
        204,
    ),
    (
        "PUT",
        "/v1/objects/Book/00000000-0000-0000-0000-00000000000b",
        b'{"id": "00000000-0000-0000-0000-00000000000b", "properties": {"title": "dog nights", "pages": 21}, "class": "Book", "vector": [0.1, 0.9]}',
        200,
    ),
    ("GET", "/v1/objects?class=Book&limit=10", b"", 200),
    (
        "GET",
        "/v1/objects?include=vector&class=Book&limit=1&after=00000000-0000-0000-0000-00000000000a",
        b"",
        200,
    ),
    (
        "DELETE",
        "/v1/batch/objects",
        b'{"match": {"class": "Book", "where": {"path": ["pages"], "operator": "GreaterThan", "valueInt": 20}}, "output": "verbose", "dryRun": false}',
        200,
    ),
    ("DELETE", "/v1/objects/Book/00000000-0000-0000-0000-00000000000a", b"", 204),
    ("HEAD", "/v1/objects/Book/00000000-0000-0000-0000-00000000000a", b"", 404),
    ("GET", "/v1/schema", b"", 200),
    ("DELETE", "/v1/schema/Book", b"", 200),
]


def test_v3_object_calls_replayed(client: httpx.Client, db: Database) -> None:
    answers = []
    for method, path, body, status in V3_CRUD_SESSION:
        answer = client.request(
            method, path, content=body or None, headers={"content-type": "application/json"}
        )
        assert answer.status_code == status, (method, path, answer.text)
        answers.append(answer)
        if method == "DELETE" and path == "/v1/batch/objects":
            remaining = db.query("{ Get { Book { title pages isbn _additional { id } } } }")["data"]["Get"][
                "Book"
            ]
            assert remaining == [
                {
                    "title": "a cat story",
                    "pages": 11,
                    "isbn": None,
                    "_additional": {"id": "00000000-0000-0000-0000-00000000000a"},
                }
            ]
    by_step = {(m, p): a for (m, p, _, _), a in zip(V3_CRUD_SESSION, answers, strict=True)}
    page = by_step[("GET", "/v1/objects?class=Book&limit=10")].json()
    assert [o["properties"] for o in page["objects"]] == [
        {"title": "a cat story", "pages": 11},
        {"title": "dog nights", "pages": 21},
    ]
    after = next(a for (m, p, _, _), a in zip(V3_CRUD_SESSION, answers, strict=True) if "after=" in p).json()
    assert [o["id"] for o in after["objects"]] == ["00000000-0000-0000-0000-00000000000b"]
    assert after["objects"][0]["vector"] == pytest.approx([0.1, 0.9])
    deleted = by_step[("DELETE", "/v1/batch/objects")].json()["results"]
    assert deleted["matches"] == 1 and deleted["objects"] == [
        {"id": "00000000-0000-0000-0000-00000000000b", "status": "SUCCESS"}
    ]
    schema = by_step[("GET", "/v1/schema")].json()
    assert [p["name"] for p in schema["classes"][0]["properties"]] == ["title", "pages", "isbn"]
    assert "Book" not in db
