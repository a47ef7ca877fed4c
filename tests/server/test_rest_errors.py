"""REST errors as Weaviate gives them: 422 with {"error": [{"message"}]}, 401 without a key, 413 past the limit."""

from __future__ import annotations

import httpx
import pytest
from rankql.runtime import Database
from rankql.runtime.server.auth import authorized
from rankql.runtime.server.rest import build_rest_app

from .rest_support import rest_client, running


def _message(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error"} and len(body["error"]) == 1
    return body["error"][0]["message"]


@pytest.fixture
def client():
    with rest_client(build_rest_app(Database(), max_body_bytes=4096)) as http:
        yield http


def test_invalid_requests_get_422_with_a_message(client: httpx.Client) -> None:
    not_json = client.post("/v1/schema", content=b"{nope", headers={"content-type": "application/json"})
    assert not_json.status_code == 422 and "not valid JSON" in _message(not_json)
    bad_type = client.post(
        "/v1/schema", json={"class": "A", "properties": [{"name": "p", "dataType": ["txt"]}]}
    )
    assert bad_type.status_code == 422
    assert "unknown data type 'txt'" in _message(bad_type) and "did you mean 'text'" in _message(bad_type)
    assert client.post("/v1/schema", json={"class": "A"}).status_code == 200
    again = client.post("/v1/schema", json={"class": "A"})
    assert again.status_code == 422 and "already exists" in _message(again)
    unknown = client.post("/v1/objects", json={"class": "Nope", "properties": {}})
    assert unknown.status_code == 422 and "class 'Nope' does not exist" in _message(unknown)
    no_prop = client.post("/v1/objects", json={"class": "A", "properties": {"x": 1}})
    assert no_prop.status_code == 422 and "no such prop with name 'x'" in _message(no_prop)
    bad_id = client.post("/v1/objects", json={"class": "A", "id": "not-a-uuid", "properties": {}})
    assert bad_id.status_code == 422 and "not a valid uuid" in _message(bad_id)
    bad_batch = client.post("/v1/batch/objects", json={"objects": "x"})
    assert bad_batch.status_code == 422 and "objects" in _message(bad_batch)
    bad_graphql = client.post("/v1/graphql", json={"query": 5})
    assert bad_graphql.status_code == 422 and "query" in _message(bad_graphql)
    bad_limit = client.get("/v1/objects", params={"limit": "-1"})
    assert bad_limit.status_code == 422 and "limit" in _message(bad_limit)


def test_graphql_errors_stay_in_a_200_answer(client: httpx.Client) -> None:
    client.post("/v1/schema", json={"class": "A", "properties": [{"name": "t", "dataType": ["text"]}]})
    answer = client.post("/v1/graphql", json={"query": "{ Get { A { nope } } }"})
    assert answer.status_code == 200
    errors = answer.json()["errors"]
    assert errors and "nope" in errors[0]["message"]


def test_body_over_the_limit_gets_413(client: httpx.Client) -> None:
    big = {"class": "A", "description": "x" * 5000}
    declared = client.post("/v1/schema", json=big)
    assert declared.status_code == 413 and "--max-body" in _message(declared)

    def chunks():  # no Content-Length: the server counts what arrives and stops at the limit
        for _ in range(100):
            yield b"x" * 1000

    streamed = client.post("/v1/batch/objects", content=chunks())
    assert streamed.status_code == 413
    assert client.get("/v1/schema").json() == {"classes": []}


def test_api_keys() -> None:
    assert authorized(None, [])
    assert authorized("Bearer k1", ["k0", "k1"]) and authorized("bearer k1", ["k1"])
    assert (
        not authorized(None, ["k1"]) and not authorized("Bearer k2", ["k1"]) and not authorized("k1", ["k1"])
    )
    app = build_rest_app(Database(), api_keys=["secret", "other"])
    with running(app) as url:
        assert httpx.get(f"{url}/v1/.well-known/ready").status_code == 200  # probes stay open
        missing = httpx.get(f"{url}/v1/meta")
        assert missing.status_code == 401 and "no api key" in missing.json()["message"]
        wrong = httpx.get(f"{url}/v1/schema", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        refused = httpx.post(f"{url}/v1/schema", json={"class": "A"})
        assert refused.status_code == 401
        for key in ("secret", "other"):
            ok = httpx.get(f"{url}/v1/schema", headers={"Authorization": f"Bearer {key}"})
            assert ok.status_code == 200 and ok.json() == {"classes": []}


def test_unknown_paths_and_methods(client: httpx.Client) -> None:
    missing = client.get("/v1/nope")
    assert missing.status_code == 404 and missing.json()["code"] == 404
    wrong = client.put("/v1/meta")
    assert wrong.status_code == 405 and "PUT" in wrong.json()["message"]
