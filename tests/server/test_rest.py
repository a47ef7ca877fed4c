"""Weaviate's REST API over raw HTTP against a real uvicorn server: shapes, status codes, answers vs db.query."""

from __future__ import annotations

import uuid

import httpx
import pytest
from rankql.runtime import Database
from rankql.runtime.server.rest import WEAVIATE_VERSION, build_rest_app

from .rest_support import rest_client

ARTICLE = {
    "class": "Article",
    "properties": [
        {"name": "title", "dataType": ["text"]},
        {"name": "year", "dataType": ["int"]},
        {"name": "tags", "dataType": ["text[]"]},
    ],
    "vectorIndexConfig": {"distance": "cosine"},
}
ROWS = [
    ("alpha cat", 2001, ["pets"], [1.0, 0.0, 0.0]),
    ("beta dog", 2002, ["pets", "dogs"], [0.9, 0.1, 0.0]),
    ("gamma car", 2003, ["cars"], [0.0, 1.0, 0.0]),
    ("delta cat dog", 2004, ["pets"], [0.5, 0.5, 0.1]),
]


def _uuid(i: int) -> str:
    return str(uuid.UUID(int=i + 1))


@pytest.fixture
def db() -> Database:
    return Database()


@pytest.fixture
def client(db: Database):
    with rest_client(build_rest_app(db)) as http:
        yield http


def _load(client: httpx.Client, modules: dict | None = None) -> None:
    created = client.post("/v1/schema", json={**ARTICLE, "moduleConfig": modules or {}})
    assert created.status_code == 200, created.text
    objects = [
        {"class": "Article", "id": _uuid(i), "properties": {"title": t, "year": y, "tags": g}, "vector": v}
        for i, (t, y, g, v) in enumerate(ROWS)
    ]
    answer = client.post("/v1/batch/objects", json={"fields": ["ALL"], "objects": objects})
    assert answer.status_code == 200
    assert [r["result"] for r in answer.json()] == [{"status": "SUCCESS"}] * len(ROWS)


def test_meta_and_well_known(client: httpx.Client) -> None:
    meta = client.get("/v1/meta").json()
    assert meta["version"] == WEAVIATE_VERSION
    major, minor, _ = (int(p) for p in meta["version"].split("."))
    assert (major, minor) >= (1, 27)
    assert "text2vec-transformers" in meta["modules"]
    assert client.get("/v1/.well-known/ready").status_code == 200
    assert client.get("/v1/.well-known/live").status_code == 200
    assert client.get("/v1/.well-known/openid-configuration").status_code == 404


def test_schema_get_fills_every_default(client: httpx.Client) -> None:
    created = client.post("/v1/schema", json=ARTICLE)
    assert created.status_code == 200
    shown = client.get("/v1/schema/Article").json()
    assert shown == created.json()
    index = shown["vectorIndexConfig"]
    for key in ("cleanupIntervalSeconds", "dynamicEfMin", "dynamicEfMax", "dynamicEfFactor", "ef"):
        assert key in index
    assert index["distance"] == "cosine" and index["skip"] is False and index["pq"]["enabled"] is False
    assert shown["vectorIndexType"] == "hnsw" and shown["vectorizer"] == "none"
    assert shown["invertedIndexConfig"]["bm25"] == {"k1": 1.2, "b": 0.75}
    assert shown["invertedIndexConfig"]["stopwords"]["preset"] == "en"
    assert shown["replicationConfig"]["factor"] == 1
    assert shown["shardingConfig"]["desiredCount"] == 1
    assert shown["multiTenancyConfig"]["enabled"] is False
    title, year, _ = shown["properties"]
    assert title == {
        "dataType": ["text"],
        "indexFilterable": True,
        "indexRangeFilters": False,
        "indexSearchable": True,
        "name": "title",
        "tokenization": "word",
    }
    assert year["indexSearchable"] is False and "tokenization" not in year
    assert client.get("/v1/schema").json() == {"classes": [shown]}
    assert client.get("/v1/schema/article").status_code == 200  # first letter as Weaviate capitalizes
    assert client.get("/v1/schema/Nope").status_code == 404


def test_schema_delete_put_and_properties(client: httpx.Client, db: Database) -> None:
    client.post("/v1/schema", json=ARTICLE)
    shown = client.get("/v1/schema/Article").json()
    shown["description"] = "news articles"
    updated = client.put("/v1/schema/Article", json=shown)
    assert updated.status_code == 200 and updated.json()["description"] == "news articles"
    added = client.post("/v1/schema/Article/properties", json={"name": "body", "dataType": ["text"]})
    assert added.status_code == 200 and added.json()["tokenization"] == "word"
    assert [p["name"] for p in db.collection("Article").definition["properties"]][-1] == "body"
    client.post("/v1/objects", json={"class": "Article", "properties": {"title": "x"}, "vector": [1, 0]})
    late = client.post("/v1/schema/Article/properties", json={"name": "extra", "dataType": ["int"]})
    assert late.status_code == 200 and late.json()["name"] == "extra"  # the object has no value for it
    assert "extra" not in client.get("/v1/objects").json()["objects"][0]["properties"]
    taken = client.post("/v1/schema/Article/properties", json={"name": "Extra", "dataType": ["int"]})
    assert taken.status_code == 422 and "already exists" in taken.json()["error"][0]["message"]
    changed = dict(shown, vectorIndexConfig={**shown["vectorIndexConfig"], "distance": "dot"})
    assert client.put("/v1/schema/Article", json=changed).status_code == 422
    assert client.delete("/v1/schema/Article").status_code == 200
    assert "Article" not in db
    assert client.delete("/v1/schema/Article").status_code == 200  # as Weaviate: gone is fine


def test_an_empty_class_is_refused_what_weaviate_refuses_in_any_class(
    client: httpx.Client, db: Database
) -> None:
    vectors = {"a": {"vectorizer": {"none": {}}}, "b": {"vectorizer": {"none": {}}}}
    assert client.post("/v1/schema", json={"class": "Pic", "vectorConfig": vectors}).status_code == 200
    shown = client.get("/v1/schema/Pic").json()
    fewer = {**shown, "vectorConfig": {"a": shown["vectorConfig"]["a"]}}
    refused = client.put("/v1/schema/Pic", json=fewer)  # no objects yet: still refused, as in Weaviate
    assert refused.status_code == 422, refused.text
    assert 'missing config for vector "b"' in refused.json()["error"][0]["message"]
    assert set(db["Pic"].named) == {"a", "b"}
    index = {**shown["vectorConfig"]["a"]["vectorIndexConfig"], "distance": "dot"}
    changed = {
        **shown,
        "vectorConfig": {
            **shown["vectorConfig"],
            "a": {**shown["vectorConfig"]["a"], "vectorIndexConfig": index},
        },
    }
    assert client.put("/v1/schema/Pic", json=changed).status_code == 422
    assert db["Pic"].named["a"].metric == "cosine"


def test_objects_crud(client: httpx.Client, db: Database) -> None:
    _load(client)
    one = client.get(f"/v1/objects/Article/{_uuid(0)}").json()
    assert one["properties"] == {"title": "alpha cat", "year": 2001, "tags": ["pets"]}
    assert "vector" not in one
    with_vector = client.get(f"/v1/objects/Article/{_uuid(0)}", params={"include": "vector"}).json()
    assert with_vector["vector"] == [1.0, 0.0, 0.0]
    assert client.head(f"/v1/objects/Article/{_uuid(1)}").status_code == 204
    assert client.head(f"/v1/objects/Article/{_uuid(99)}").status_code == 404
    assert client.get(f"/v1/objects/Article/{_uuid(99)}").status_code == 404
    patched = client.patch(f"/v1/objects/Article/{_uuid(1)}", json={"properties": {"year": 1999}})
    assert patched.status_code == 204
    assert db.collection("Article").get(_uuid(1))["properties"]["title"] == "beta dog"  # merged
    put = client.put(
        f"/v1/objects/Article/{_uuid(2)}", json={"class": "Article", "properties": {"title": "new"}}
    )
    assert put.status_code == 200 and put.json()["properties"] == {"title": "new"}  # replaced
    assert put.json()["vector"] == [0.0, 1.0, 0.0]  # kept: the class has no vectorizer
    assert client.delete(f"/v1/objects/Article/{_uuid(3)}").status_code == 204
    assert client.delete(f"/v1/objects/Article/{_uuid(3)}").status_code == 404
    answer = db.query("{ Get { Article { title year _additional { id } } } }")["data"]["Get"]["Article"]
    assert {r["_additional"]["id"]: (r["title"], r["year"]) for r in answer} == {
        _uuid(0): ("alpha cat", 2001),
        _uuid(1): ("beta dog", 1999),
        _uuid(2): ("new", None),
    }


def test_object_post_and_list_paging(client: httpx.Client) -> None:
    _load(client)
    posted = client.post(
        "/v1/objects", json={"class": "Article", "properties": {"title": "z"}, "vector": [0, 0, 1]}
    )
    assert posted.status_code == 200
    assert posted.json()["properties"] == {"title": "z"} and posted.json()["vector"] == [0.0, 0.0, 1.0]
    everything = client.get("/v1/objects", params={"class": "Article", "limit": 100}).json()["objects"]
    ids = [o["id"] for o in everything]
    assert ids == sorted(ids) and len(ids) == 5
    first = client.get("/v1/objects", params={"class": "Article", "limit": 2}).json()
    assert [o["id"] for o in first["objects"]] == ids[:2]
    after = client.get("/v1/objects", params={"class": "Article", "limit": 2, "after": ids[1]}).json()
    assert [o["id"] for o in after["objects"]] == ids[2:4]
    assert client.get("/v1/objects", params={"after": ids[1]}).status_code == 422
    duplicate = client.post("/v1/objects", json={"class": "Article", "id": _uuid(0), "properties": {}})
    assert duplicate.status_code == 422 and "already exists" in duplicate.json()["error"][0]["message"]


def test_batch_reports_each_object(client: httpx.Client, db: Database) -> None:
    client.post("/v1/schema", json=ARTICLE)
    objects = [
        {"class": "Article", "id": _uuid(0), "properties": {"title": "ok", "year": 1}, "vector": [1, 0]},
        {"class": "Article", "id": _uuid(1), "properties": {"title": "bad", "year": "x"}, "vector": [1, 0]},
        {"class": "Missing", "id": _uuid(2), "properties": {}},
        {"class": "Article", "id": _uuid(3), "properties": {"title": "ok too"}, "vector": [0, 1]},
    ]
    answer = client.post("/v1/batch/objects", json={"objects": objects}).json()
    assert [r["id"] for r in answer] == [_uuid(i) for i in range(4)]
    assert [r["result"].get("status") for r in answer] == ["SUCCESS", "FAILED", "FAILED", "SUCCESS"]
    assert "year" in answer[1]["result"]["errors"]["error"][0]["message"]
    assert "Missing" in answer[2]["result"]["errors"]["error"][0]["message"]
    assert len(db.collection("Article")) == 2
    deleted = client.request(
        "DELETE",
        "/v1/batch/objects",
        json={
            "match": {"class": "Article", "where": {"path": ["year"], "operator": "Equal", "valueInt": 1}},
            "output": "verbose",
        },
    ).json()
    assert deleted["results"]["matches"] == 1 and deleted["results"]["successful"] == 1
    assert deleted["results"]["objects"] == [{"id": _uuid(0), "status": "SUCCESS"}]
    remaining = db.query("{ Get { Article { _additional { id } } } }")["data"]["Get"]["Article"]
    assert [o["_additional"]["id"] for o in remaining] == [_uuid(3)]
