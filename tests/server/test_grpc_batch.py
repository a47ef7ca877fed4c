"""gRPC BatchObjects and BatchDelete through the v4 client: typed properties, vectors, per-object errors."""

from __future__ import annotations

import struct
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import numpy as np
import pytest
import weaviate
from rankql.runtime import Database, generate_uuid5, serve
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter
from weaviate.proto.v1 import base_pb2, batch_pb2, weaviate_pb2_grpc

from .grpc_support import ARTICLE, article, gql


@pytest.fixture
def served() -> Iterator[tuple]:
    db = Database()
    db.create_collection(ARTICLE)
    with serve(db) as server:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        try:
            yield db, client.collections.use("Article")
        finally:
            client.close()


def test_insert_many_types_numbers_back_through_the_schema(served) -> None:
    db, articles = served
    objects = [article(i) for i in range(12)]
    result = articles.data.insert_many(
        [DataObject(properties=o["properties"], uuid=o["id"], vector=o["vector"]) for o in objects]
    )
    assert not result.has_errors, result.errors
    stored = db.collection("Article")
    for obj in objects:
        got = stored.get(obj["id"])
        assert type(got["properties"]["points"]) is int  # arrived as a protobuf double
        assert got["properties"]["points"] == obj["properties"]["points"]
        assert got["properties"]["price"] == obj["properties"]["price"]
        assert got["properties"]["tags"] == obj["properties"]["tags"]
        # little-endian float32 bytes: the stored vector is exactly the float32 the client sent
        assert np.array_equal(np.float32(got["vector"]), np.float32(obj["vector"]))
    answer = gql(db, 'where: {path: ["points"], operator: Equal, valueInt: 7}', "points _additional { id }")
    assert [a["_additional"]["id"] for a in answer] == [objects[1]["id"]]


def test_per_object_errors_keep_the_others(served) -> None:
    db, articles = served
    good = article(1)
    result = articles.data.insert_many(
        [
            DataObject(properties=good["properties"], uuid=good["id"], vector=good["vector"]),
            DataObject(properties={"points": "many"}, vector=good["vector"]),
            DataObject(properties={"unknown": 1}, vector=good["vector"]),
        ]
    )
    assert sorted(result.errors) == [1, 2]
    assert "points" in result.errors[1].message
    assert "no such prop with name 'unknown'" in result.errors[2].message
    assert db.collection("Article").get(good["id"]) is not None
    assert len(db.collection("Article").live_ids()) == 1


def test_batch_context_manager_and_objects_without_vectors(served) -> None:
    db, articles = served
    with articles.batch.fixed_size(batch_size=25) as batch:
        for i in range(60):
            obj = article(i)
            batch.add_object(
                properties=obj["properties"], uuid=obj["id"], vector=obj["vector"] if i % 2 else None
            )
    assert articles.batch.failed_objects == []
    stored = db.collection("Article")
    assert len(stored.live_ids()) == 60
    assert stored.get(article(1)["id"])["vector"] is not None
    assert stored.get(generate_uuid5("article-0"))["properties"]["title"] == article(0)["properties"]["title"]


def test_delete_many_dry_run_verbose_and_real(served) -> None:
    db, articles = served
    articles.data.insert_many(
        [DataObject(properties=article(i)["properties"], uuid=article(i)["id"]) for i in range(20)]
    )
    where = Filter.by_property("category").equal("a")
    expected = {
        a["_additional"]["id"]
        for a in gql(db, 'where: {path: ["category"], operator: Equal, valueText: "a"}', "_additional { id }")
    }
    dry = articles.data.delete_many(where=where, dry_run=True, verbose=True)
    assert dry.matches == len(expected) == 7
    assert {str(o.uuid) for o in dry.objects} == expected
    assert len(db.collection("Article").live_ids()) == 20
    done = articles.data.delete_many(where=where)
    assert (done.matches, done.successful, done.failed) == (7, 7, 0)
    assert len(db.collection("Article").live_ids()) == 13
    with pytest.raises(weaviate.exceptions.WeaviateBaseError, match="no such prop with name 'nope'"):
        articles.data.delete_many(where=Filter.by_property("nope").equal("x"))


def _raw_batch(port: int, objects: list) -> batch_pb2.BatchObjectsReply:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = weaviate_pb2_grpc.WeaviateStub(channel)
        return stub.BatchObjects(batch_pb2.BatchObjectsRequest(objects=objects), timeout=10)


def test_torn_vector_or_number_bytes_fail_only_their_object() -> None:
    db = Database()
    db.create_collection(ARTICLE)
    good = article(1)
    props = batch_pb2.BatchObject.Properties
    with serve(db) as server:
        reply = _raw_batch(
            server.grpc_port,
            [
                batch_pb2.BatchObject(
                    collection="Article", uuid=good["id"], vector_bytes=struct.pack("<8f", *good["vector"])
                ),
                batch_pb2.BatchObject(collection="Article", vector_bytes=b"\x00" * 7),
                batch_pb2.BatchObject(
                    collection="Article",
                    vectors=[base_pb2.Vectors(name="default", vector_bytes=b"\x00" * 30)],
                ),
                batch_pb2.BatchObject(
                    collection="Article",
                    vector_bytes=struct.pack("<8f", *good["vector"]),
                    properties=props(
                        number_array_properties=[
                            base_pb2.NumberArrayProperties(prop_name="price", values_bytes=b"\x00" * 12)
                        ]
                    ),
                ),
            ],
        )
    errors = {e.index: e.error for e in reply.errors}
    assert sorted(errors) == [1, 2, 3]
    assert "7 bytes is not a multiple of 4" in errors[1]
    assert "30 bytes is not a multiple of 4" in errors[2]
    assert "property 'price' bytes must be float64 values: 12 bytes" in errors[3]
    assert db.collection("Article").live_ids().tolist() == [db.collection("Article").doc_id_of(good["id"])]


def test_delete_many_is_capped_like_weaviate_and_logged_once(tmp_path) -> None:
    from rankql.runtime.store.wal import read_records

    db = Database(tmp_path / "db")
    db.create_collection({"class": "Note", "properties": [{"name": "kind", "dataType": ["text"]}]})
    result = db.collection("Note").insert_many([{"properties": {"kind": "old"}} for _ in range(10_003)])
    assert result.ok
    with serve(db) as server:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        try:
            notes = client.collections.use("Note")
            done = notes.data.delete_many(where=Filter.by_property("kind").equal("old"))
        finally:
            client.close()
    assert (done.matches, done.successful, done.failed) == (10_000, 10_000, 0)  # QUERY_MAXIMUM_RESULTS
    assert len(db.collection("Note")) == 3
    (log,) = (tmp_path / "db").glob("wal-*.log")
    deletes = [h for h, _ in read_records(log)[0] if h["op"] == "delete"]
    assert [len(h["uuids"]) for h in deletes] == [10_000]  # one logged write, not one per object
    db.close()


def test_a_batch_embeds_outside_any_lock_so_a_waiting_write_stalls_no_query(monkeypatch) -> None:
    """While MiniLM embeds a batch, a write comes in and a query after it: the query answers before the
    embedding ends (in a read view the write would wait for it, and new queries behind the write)."""
    db = Database()
    posts = db.create_collection(
        {
            "class": "Post",
            "vectorizer": "text2vec-transformers",
            "properties": [{"name": "text", "dataType": ["text"]}],
        }
    )
    posts.insert_many([{"properties": {"text": "a cat sleeps on the sofa"}}])
    embedding, release = threading.Event(), threading.Event()
    real_embed = posts.vectorizer.embed

    def gated(texts, *args, **kwargs):
        if threading.current_thread().name.startswith("rankql-grpc"):
            embedding.set()
            release.wait(timeout=30)
        return real_embed(texts, *args, **kwargs)

    monkeypatch.setattr(posts.vectorizer, "embed", gated)
    with serve(db) as server, ThreadPoolExecutor(3) as pool:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        try:
            batch = pool.submit(
                client.collections.use("Post").data.insert_many,
                [
                    DataObject(properties={"text": "kittens play"}),
                    DataObject(properties={"text": "markets fell"}),
                ],
            )
            assert embedding.wait(timeout=30)
            vector = posts.get(posts.uuid_of(0))["vector"]
            write = pool.submit(posts.insert, {"properties": {"text": "a dog"}, "vector": vector})
            time.sleep(0.5)  # the write is waiting for its turn, or done
            query = pool.submit(db.query, "{ Get { Post { text } } }")
            answered = query.result(timeout=20)  # before the fix: held until the embedding ends
            assert not release.is_set() and "errors" not in answered
        finally:
            release.set()
            try:
                assert not batch.result(timeout=60).has_errors
            finally:
                client.close()
        write.result(timeout=30)
    assert sorted(posts.properties_of(d)["text"] for d in posts.live_ids()) == [
        "a cat sleeps on the sofa",
        "a dog",
        "kittens play",
        "markets fell",
    ]


def test_batch_references_over_grpc_add_them_and_report_failures_by_index() -> None:
    db = Database()
    db.create_collection({"class": "City", "properties": [{"name": "name", "dataType": ["text"]}]})
    db.create_collection(
        {
            "class": "Person",
            "properties": [{"name": "name", "dataType": ["text"]}, {"name": "livesIn", "dataType": ["City"]}],
        }
    )
    berlin = db["City"].insert({"properties": {"name": "Berlin"}, "vector": [1.0, 0.0]})
    ann = db["Person"].insert({"properties": {"name": "Ann"}, "vector": [1.0, 0.0]})
    missing = "00000000-0000-0000-0000-00000000dead"
    refs = [
        batch_pb2.BatchReference(
            name="livesIn", from_collection="Person", from_uuid=ann, to_collection="City", to_uuid=berlin
        ),
        batch_pb2.BatchReference(name="livesIn", from_collection="Person", from_uuid=ann, to_uuid=missing),
        batch_pb2.BatchReference(name="nope", from_collection="Person", from_uuid=ann, to_uuid=berlin),
    ]
    with serve(db) as server, grpc.insecure_channel(f"127.0.0.1:{server.grpc_port}") as channel:
        stub = weaviate_pb2_grpc.WeaviateStub(channel)
        reply = stub.BatchReferences(batch_pb2.BatchReferencesRequest(references=refs), timeout=10)
    assert [e.index for e in reply.errors] == [1, 2]
    assert (
        "no object with id" in reply.errors[0].error
        and "property nope does not exist" in reply.errors[1].error
    )
    got = gql(db, "limit: 5", "name livesIn { ... on City { name } }", cls="Person")
    assert got == [{"name": "Ann", "livesIn": [{"name": "Berlin"}]}]
