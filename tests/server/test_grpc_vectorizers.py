"""gRPC batches and searches on classes whose vectorizer rankql cannot run (text2vec-openai): Weaviate's
"could not vectorize input" without --substitute-vectorizers, the shipped MiniLM with it."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import weaviate
from rankql.runtime import Database, serve
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.exceptions import WeaviateQueryError

ROWS = [
    {"text": "a cat sleeps on the sofa"},
    {"text": "stock markets fell sharply"},
    {"text": "kittens play"},
]


def _create(client):
    return client.collections.create(
        "Post",
        properties=[Property(name="text", data_type=DataType.TEXT)],
        vector_config=Configure.Vectors.text2vec_openai(),
    )


def test_without_substitution_objects_need_vectors() -> None:
    with serve(Database()) as server:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        try:
            posts = _create(client)
            result = posts.data.insert_many(
                [DataObject(properties=ROWS[0]), DataObject(properties=ROWS[1], vector=[0.1, 0.2, 0.3])]
            )
            assert list(result.errors) == [0]
            message = result.errors[0].message
            assert "could not vectorize input for collection Post" in message
            assert "--substitute-vectorizers" in message
            assert len(server.db.collection("Post").live_ids()) == 1
            with pytest.raises(WeaviateQueryError, match="could not vectorize input .* search-type nearText"):
                posts.query.near_text("cats")
            assert len(posts.query.near_vector([0.1, 0.2, 0.3]).objects) == 1
        finally:
            client.close()


def test_with_substitution_minilm_embeds_objects_and_queries() -> None:
    with serve(Database(), substitute_vectorizers=True) as server:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        try:
            posts = _create(client)
            assert not posts.data.insert_many(ROWS).has_errors
            stored = server.db.collection("Post")
            # embedded before the write lock, exactly as the store's own insert_many embeds them
            twin = Database()
            twin.create_collection(copy.deepcopy(stored.definition))
            ids = [stored.uuid_of(int(doc)) for doc in stored.live_ids()]
            twin.collection("Post").insert_many(
                [{"id": i, "properties": stored.get(i)["properties"]} for i in ids], progress=False
            )
            for i in ids:
                assert np.array_equal(stored.get(i)["vector"], twin.collection("Post").get(i)["vector"])
            got = posts.query.near_text("a sleeping cat", limit=3)
            expected = server.db.query(
                '{ Get { Post(nearText: {concepts: ["a sleeping cat"]}, limit: 3) { text _additional { id } } } }'
            )["data"]["Get"]["Post"]
            assert [str(o.uuid) for o in got.objects] == [e["_additional"]["id"] for e in expected]
            assert got.objects[0].properties["text"] == "a cat sleeps on the sofa"
        finally:
            client.close()
