"""POST /v1/graphql and /v1/graphql/batch answer exactly what db.query answers on the same data."""

from __future__ import annotations

import httpx
import pytest
from rankql.runtime import Database
from rankql.runtime.server.rest import build_rest_app

from .rest_support import rest_client
from .test_rest import _load

QUERIES = [
    "{ Get { Article { title year tags _additional { id } } } }",
    "{ Get { Article(nearVector: {vector: [1, 0, 0]}, limit: 3) { title _additional { distance id } } } }",
    '{ Get { Article(bm25: {query: "cat"}) { title _additional { score } } } }',
    '{ Get { Article(hybrid: {query: "cat dog", vector: [0.5, 0.5, 0], alpha: 0.5}) { title _additional { score } } } }',  # noqa: E501
    '{ Get { Article(where: {path: ["year"], operator: GreaterThan, valueInt: 2001}, sort: [{path: ["year"], order: desc}]) { title year } } }',  # noqa: E501
    '{ Get { Article(nearVector: {vector: [1, 0, 0]}) { title _additional { rerank(property: "title", query: "dog") { score } } } } }',  # noqa: E501
]


@pytest.fixture
def db() -> Database:
    return Database()


@pytest.fixture
def client(db: Database):
    with rest_client(build_rest_app(db)) as http:
        _load(http, modules={"reranker-dummy": {}})
        yield http


@pytest.mark.parametrize("query", QUERIES)
def test_graphql_matches_db_query(client: httpx.Client, db: Database, query: str) -> None:
    answer = client.post("/v1/graphql", json={"query": query})
    assert answer.status_code == 200
    expected = db.query(query)
    assert "errors" not in expected or not expected["errors"], expected
    assert answer.json() == {"data": expected["data"]}
    assert answer.json()["data"]["Get"]["Article"]


def test_graphql_variables_and_batch(client: httpx.Client, db: Database) -> None:
    query = "query ($v: [Float]) { Get { Article(nearVector: {vector: $v}, limit: 2) { title } } }"
    variables = {"v": [0.0, 1.0, 0.0]}
    single = client.post("/v1/graphql", json={"query": query, "variables": variables}).json()
    assert single == {"data": db.query(query, variables)["data"]}
    batch = client.post(
        "/v1/graphql/batch", json=[{"query": QUERIES[0]}, {"query": "{ Get { Nope { x } } }"}, {"q": 1}]
    )
    assert batch.status_code == 200
    first, second, third = batch.json()
    assert first == {"data": db.query(QUERIES[0])["data"]}
    assert second["errors"] and "Nope" in second["errors"][0]["message"]
    assert "query" in third["errors"][0]["message"]
    assert client.post("/v1/graphql/batch", json={"query": QUERIES[0]}).status_code == 422


def test_graphql_aggregate_over_rest(client: httpx.Client, db: Database) -> None:
    query = '{ Aggregate { Article(groupBy: ["year"]) { groupedBy { path value } meta { count } year { sum } } } }'
    answer = client.post("/v1/graphql", json={"query": query})
    assert answer.status_code == 200
    groups = answer.json()["data"]["Aggregate"]["Article"]
    assert answer.json() == {"data": db.query(query)["data"]}
    total = db.query("{ Aggregate { Article { meta { count } } } }")["data"]["Aggregate"]["Article"][0]
    assert sum(g["meta"]["count"] for g in groups) <= total["meta"]["count"] and groups
    for group in groups:
        assert group["year"]["sum"] == int(group["groupedBy"]["value"]) * group["meta"]["count"]
