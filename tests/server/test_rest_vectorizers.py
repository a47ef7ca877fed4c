"""Vectorizers rankql cannot run (with and without --substitute-vectorizers) and named vectors over REST."""

from __future__ import annotations

import logging

import httpx
import numpy as np
import pytest
from rankql.runtime import Database
from rankql.runtime.server.rest import build_rest_app

from .rest_support import rest_client

OPENAI = {
    "class": "Doc",
    "vectorizer": "text2vec-openai",
    "moduleConfig": {"text2vec-openai": {"model": "text-embedding-3-small", "vectorizeClassName": False}},
    "properties": [
        {
            "name": "body",
            "dataType": ["text"],
            "moduleConfig": {"text2vec-openai": {"skip": False, "vectorizePropertyName": True}},
        },
        {"name": "n", "dataType": ["int"]},
    ],
}
TEXTS = ["a cat sleeps on the sofa", "stock markets fell sharply", "the kitten purrs"]


def _message(response: httpx.Response) -> str:
    return response.json()["error"][0]["message"]


def test_unrunnable_vectorizer_without_substitution() -> None:
    db = Database()
    with rest_client(build_rest_app(db)) as client:
        created = client.post("/v1/schema", json=OPENAI)
        assert created.status_code == 200
        shown = created.json()
        assert shown["vectorizer"] == "text2vec-openai"
        assert shown["moduleConfig"]["text2vec-openai"] == OPENAI["moduleConfig"]["text2vec-openai"]
        assert shown["properties"][0]["moduleConfig"] == OPENAI["properties"][0]["moduleConfig"]
        assert shown["properties"][1]["moduleConfig"] == {
            "text2vec-openai": {"skip": False, "vectorizePropertyName": False}
        }
        refused = client.post("/v1/objects", json={"class": "Doc", "properties": {"body": TEXTS[0]}})
        assert refused.status_code == 422
        assert "could not vectorize input" in _message(refused)
        assert "--substitute-vectorizers" in _message(refused)
        batch = client.post(
            "/v1/batch/objects",
            json={
                "objects": [
                    {"class": "Doc", "properties": {"body": TEXTS[0]}},
                    {"class": "Doc", "properties": {"body": TEXTS[1]}, "vector": [1, 0]},
                ]
            },
        ).json()
        assert "could not vectorize input" in batch[0]["result"]["errors"]["error"][0]["message"]
        assert batch[1]["result"] == {"status": "SUCCESS"}
        query = client.post(
            "/v1/graphql", json={"query": '{ Get { Doc(nearText: {concepts: ["cat"]}) { body } } }'}
        )
        error = query.json()["errors"][0]
        assert "could not vectorize input for collection Doc" in error["message"]
        assert "--substitute-vectorizers" in error["extensions"]["hint"]
        hybrid = client.post(
            "/v1/graphql", json={"query": '{ Get { Doc(hybrid: {query: "cat"}) { body } } }'}
        )
        assert "could not vectorize input" in hybrid.json()["errors"][0]["message"]
        assert db.collection("Doc").vectorizer is None


def test_substituted_vectorizer_embeds_with_minilm(caplog: pytest.LogCaptureFixture) -> None:
    db = Database()
    caplog.set_level(logging.WARNING, logger="rankql.server")
    with rest_client(build_rest_app(db, substitute_vectorizers=True)) as client:
        created = client.post("/v1/schema", json=OPENAI)
        assert created.status_code == 200
        assert created.json()["vectorizer"] == "text2vec-openai"  # shown as created
        said = [r.getMessage() for r in caplog.records if "MiniLM" in r.getMessage()]
        assert len(said) == 1 and "Doc" in said[0] and "text2vec-openai" in said[0]
        objects = [{"class": "Doc", "properties": {"body": t, "n": i}} for i, t in enumerate(TEXTS)]
        batch = client.post("/v1/batch/objects", json={"objects": objects}).json()
        assert [r["result"] for r in batch] == [{"status": "SUCCESS"}] * 3
        # The same class with rankql's own vectorizer, filled in process: the vectors must be the same.
        db.create_collection(
            {
                "class": "Same",
                "vectorizer": "text2vec-transformers",
                "moduleConfig": {"text2vec-transformers": {"vectorizeClassName": False}},
                "properties": [
                    {
                        "name": "body",
                        "dataType": ["text"],
                        "moduleConfig": {"text2vec-transformers": {"vectorizePropertyName": True}},
                    },
                    {"name": "n", "dataType": ["int"]},
                ],
            }
        )
        same = db.collection("Same")
        for obj in batch:
            served = client.get(f"/v1/objects/Doc/{obj['id']}", params={"include": "vector"}).json()
            expected = same.vectorizer.embed([same.object_text(served["properties"])])[0]
            assert np.allclose(served["vector"], expected, atol=1e-5)
        query = (
            '{ Get { Doc(nearText: {concepts: ["a sleeping kitten"]}) { body _additional { distance } } } }'
        )
        answer = client.post("/v1/graphql", json={"query": query}).json()
        assert answer == {"data": db.query(query)["data"]}
        assert [r["body"] for r in answer["data"]["Get"]["Doc"]][:2] == [TEXTS[0], TEXTS[2]]


def test_one_named_vector_maps_onto_the_class_vector() -> None:
    db = Database()
    definition = {
        "class": "Named",
        "vectorConfig": {
            "default": {
                "vectorizer": {"none": {}},
                "vectorIndexType": "hnsw",
                "vectorIndexConfig": {"distance": "dot"},
            }
        },
        "properties": [{"name": "t", "dataType": ["text"]}],
    }
    with rest_client(build_rest_app(db)) as client:
        shown = client.post("/v1/schema", json=definition).json()
        assert "vectorizer" not in shown and "vectorIndexConfig" not in shown
        named = shown["vectorConfig"]["default"]
        assert named["vectorizer"] == {"none": {}} and named["vectorIndexType"] == "hnsw"
        assert (
            named["vectorIndexConfig"]["distance"] == "dot" and "dynamicEfMin" in named["vectorIndexConfig"]
        )
        assert db.collection("Named").distance == "dot"
        posted = client.post(
            "/v1/objects", json={"class": "Named", "properties": {"t": "x"}, "vectors": {"default": [1, 2]}}
        )
        assert posted.status_code == 200 and posted.json()["vectors"] == {"default": [1.0, 2.0]}
        one = client.get(f"/v1/objects/Named/{posted.json()['id']}", params={"include": "vector"}).json()
        assert one["vectors"] == {"default": [1.0, 2.0]} and "vector" not in one
        wrong = client.post(
            "/v1/objects", json={"class": "Named", "properties": {}, "vectors": {"other": [1, 2]}}
        )
        assert wrong.status_code == 422 and "'other'" in _message(wrong) and "'default'" in _message(wrong)
        two = dict(definition, **{"class": "Two"})
        two["vectorConfig"] = {
            "a": definition["vectorConfig"]["default"],
            "b": definition["vectorConfig"]["default"],
        }
        accepted = client.post("/v1/schema", json=two)  # several named vectors stay named
        assert accepted.status_code == 200
        assert list(accepted.json()["vectorConfig"]) == ["a", "b"]
        assert accepted.json()["vectorConfig"]["b"]["vectorIndexConfig"]["distance"] == "dot"
        assert db.collection("Two").vector_names == ["a", "b"]


def test_settings_only_shown_back_survive_a_restart(tmp_path) -> None:
    named = {
        "class": "Kept",
        "vectorConfig": {
            "main": {"vectorizer": {"text2vec-cohere": {"model": "embed-v3"}}, "vectorIndexType": "hnsw"}
        },
        "moduleConfig": {"generative-openai": {"model": "gpt-4o"}},
        "replicationConfig": {"factor": 1, "asyncEnabled": True},
        "properties": [{"name": "t", "dataType": ["text"], "indexRangeFilters": False}],
    }
    with Database(tmp_path / "db") as db, rest_client(build_rest_app(db)) as client:
        before = client.post("/v1/schema", json=named).json()
        assert before["vectorConfig"]["main"]["vectorizer"] == {
            "text2vec-cohere": {"model": "embed-v3", "vectorizeClassName": True}
        }  # noqa: E501
        assert before["moduleConfig"] == {"generative-openai": {"model": "gpt-4o"}}
        assert before["replicationConfig"]["asyncEnabled"] is True
    with Database(tmp_path / "db") as db, rest_client(build_rest_app(db)) as client:
        assert client.get("/v1/schema/Kept").json() == before


def test_several_named_vectors_over_rest(tmp_path) -> None:
    definition = {
        "class": "Multi",
        "vectorConfig": {
            "own": {
                "vectorizer": {"none": {}},
                "vectorIndexType": "flat",
                "vectorIndexConfig": {"pq": {"enabled": False}},
            },
            "remote": {"vectorizer": {"text2vec-openai": {"model": "text-embedding-3-small"}}},
            "local": {"vectorizer": {"text2vec-transformers": {"properties": ["t"]}}},
        },
        "properties": [{"name": "t", "dataType": ["text"]}],
    }
    with Database(tmp_path / "db") as db, rest_client(build_rest_app(db)) as client:
        shown = client.post("/v1/schema", json=definition).json()
        assert shown["vectorConfig"]["remote"]["vectorizer"] == {
            "text2vec-openai": {"model": "text-embedding-3-small", "vectorizeClassName": True}
        }
        assert shown["vectorConfig"]["own"]["vectorIndexType"] == "flat"
        assert shown["vectorConfig"]["own"]["vectorIndexConfig"]["pq"] == {"enabled": False}
        missing = client.post(
            "/v1/objects", json={"class": "Multi", "properties": {"t": "x"}, "vectors": {"own": [1, 0]}}
        )
        assert missing.status_code == 422 and "named vector 'remote'" in _message(missing)
        body = {
            "class": "Multi",
            "properties": {"t": "a chair"},
            "vectors": {"own": [1, 0], "remote": [0, 1, 0]},
        }
        posted = client.post("/v1/objects", json=body)
        assert posted.status_code == 200, posted.text
        one = client.get(f"/v1/objects/Multi/{posted.json()['id']}", params={"include": "vector"}).json()
        assert one["vectors"]["own"] == [1.0, 0.0] and one["vectors"]["remote"] == [0.0, 1.0, 0.0]
        assert len(one["vectors"]["local"]) == 384  # embedded with the shipped MiniLM
        batch = client.post(
            "/v1/batch/objects",
            json={
                "objects": [
                    {
                        "class": "Multi",
                        "properties": {"t": "b"},
                        "vectors": {"own": [0, 1], "remote": [1, 0, 0]},
                    }
                ]
            },
        )
        assert batch.status_code == 200 and batch.json()[0]["result"] == {"status": "SUCCESS"}
        query = '{ Get { Multi(nearVector: {vector: [0, 1], targetVectors: ["own"]}) { t } } }'
        answer = client.post("/v1/graphql", json={"query": query}).json()
        assert [o["t"] for o in answer["data"]["Get"]["Multi"]] == ["b", "a chair"]
    with Database(tmp_path / "db") as db, rest_client(build_rest_app(db)) as client:
        assert client.get("/v1/schema/Multi").json() == shown


def _put(client: httpx.Client, change) -> httpx.Response:
    wire = client.get("/v1/schema/Doc").json()
    change(wire)
    return client.put("/v1/schema/Doc", json=wire)


@pytest.mark.parametrize("substitute", [False, True])
def test_the_vectorizer_clients_see_is_immutable_while_the_class_holds_objects(substitute: bool) -> None:
    db = Database()
    app = build_rest_app(db, substitute_vectorizers=substitute)
    with rest_client(app) as client:
        assert client.post("/v1/schema", json=OPENAI).status_code == 200
        assert client.post(
            "/v1/objects", json={"class": "Doc", "properties": {"body": "a"}, "vector": [1] * 384}
        )
        before = client.get("/v1/schema/Doc").json()
        to_cohere = _put(client, lambda w: w.update(vectorizer="text2vec-cohere", moduleConfig={}))
        assert to_cohere.status_code == 422
        assert _message(to_cohere) == (
            'vectorizer is immutable: attempted change from "text2vec-openai" to "text2vec-cohere"'
        )
        other_model = _put(client, lambda w: w["moduleConfig"]["text2vec-openai"].update(model="ada"))
        assert other_model.status_code == 422
        assert _message(other_model) == (
            "can only update generative and reranker module configs. Got: text2vec-openai for class: Doc"
        )
        assert client.get("/v1/schema/Doc").json() == before


@pytest.mark.parametrize("substitute", [False, True])
def test_a_named_vectors_vectorizer_is_immutable_in_weaviates_words(substitute: bool) -> None:
    db = Database()
    named = {
        "class": "Doc",
        "properties": [{"name": "body", "dataType": ["text"]}],
        "vectorConfig": {
            "a": {
                "vectorizer": {"text2vec-openai": {"model": "text-embedding-3-small"}},
                "vectorIndexType": "hnsw",
            },
            "b": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw"},
        },
    }
    with rest_client(build_rest_app(db, substitute_vectorizers=substitute)) as client:
        assert client.post("/v1/schema", json=named).status_code == 200
        vectors = {"a": [1.0] * 384, "b": [1.0, 0.0]}
        assert client.post(
            "/v1/objects", json={"class": "Doc", "properties": {"body": "x"}, "vectors": vectors}
        )
        before = client.get("/v1/schema/Doc").json()

        def cohere(w: dict) -> None:
            w["vectorConfig"]["a"]["vectorizer"] = {"text2vec-cohere": {}}

        def model(w: dict) -> None:
            w["vectorConfig"]["a"]["vectorizer"]["text2vec-openai"]["model"] = "ada"

        def flat(w: dict) -> None:
            w["vectorConfig"]["b"]["vectorIndexType"] = "flat"

        for change, message in [
            (
                cohere,
                'vectorizer of vector "a" is immutable: attempted change from "text2vec-openai" to "text2vec-cohere"',
            ),
            (model, 'vectorizer config of vector "a" is immutable for class Doc'),
            (flat, 'vector index type of vector "b" is immutable: attempted change from "hnsw" to "flat"'),
        ]:
            refused = _put(client, change)
            assert refused.status_code == 422 and _message(refused) == message
        assert client.get("/v1/schema/Doc").json() == before
        described = _put(client, lambda w: w.update(description="notes"))
        assert described.status_code == 200 and described.json()["description"] == "notes"


def test_config_update_of_a_substituted_class_with_a_number_property() -> None:
    import weaviate.classes.config as wvc
    from rankql.runtime.server.fixture import weaviate_client

    with weaviate_client(substitute_vectorizers=True) as client:
        notes = client.collections.create(
            "Note",
            properties=[
                wvc.Property(name="body", data_type=wvc.DataType.TEXT),
                wvc.Property(name="n", data_type=wvc.DataType.INT),
            ],
            vector_config=wvc.Configure.Vectors.text2vec_openai(),
        )
        notes.data.insert({"body": "cats", "n": 1})
        # the wire shows the vectorizer's settings on every property; the class as stored has none on "n"
        notes.config.update(
            description="notes", inverted_index_config=wvc.Reconfigure.inverted_index(bm25_k1=1.4)
        )
        config = notes.config.get()
        assert config.description == "notes" and config.inverted_index_config.bm25.k1 == 1.4
        url = f"http://127.0.0.1:{client.rankql_server.port}/v1/schema/Note"
        wire = httpx.get(url).json()
        wire["vectorConfig"]["default"]["vectorizer"]["text2vec-openai"]["model"] = "text-embedding-ada-002"
        refused = httpx.put(url, json=wire)
        assert refused.status_code == 422
        assert _message(refused) == 'vectorizer config of vector "default" is immutable for class Note'


@pytest.mark.parametrize("with_objects", [False, True])
def test_a_property_added_later_is_shown_back_as_it_was_sent(with_objects: bool) -> None:
    import weaviate.classes.config as wvc
    from rankql.runtime.server.fixture import weaviate_client

    with weaviate_client() as client:
        notes = client.collections.create(
            "Note",
            properties=[wvc.Property(name="body", data_type=wvc.DataType.TEXT)],
            vector_config=wvc.Configure.Vectors.text2vec_openai(),
        )
        if with_objects:
            notes.data.insert({"body": "x"}, vector=[1.0, 0.0])
        notes.config.add_property(
            wvc.Property(name="n", data_type=wvc.DataType.NUMBER, index_range_filters=True)
        )
        notes.config.add_property(
            wvc.Property(name="secret", data_type=wvc.DataType.TEXT, skip_vectorization=True)
        )
        assert {p.name: p.index_range_filters for p in notes.config.get().properties} == {
            "body": False,
            "n": True,
            "secret": False,
        }
        wire = httpx.get(f"http://127.0.0.1:{client.rankql_server.port}/v1/schema/Note").json()
        (secret,) = [p for p in wire["properties"] if p["name"] == "secret"]
        assert secret["moduleConfig"]["text2vec-openai"]["skip"] is True
