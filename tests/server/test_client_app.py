"""What a typical Weaviate app does with the v4 client, end to end against `serve()`: collections from
Configure helpers and from a dict, MiniLM vectors, near_text, reranker-similarity, updates and deletes."""

from __future__ import annotations

import pytest
from rankql.runtime.server.fixture import weaviate_client
from weaviate.classes.config import Configure, DataType, Property
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, MetadataQuery, Rerank
from weaviate.exceptions import WeaviateQueryError
from weaviate.util import generate_uuid5

from .grpc_support import gql

QUESTIONS = [
    ("Birds and planes", "These creatures fly south for the winter", "geese"),
    ("Oceans", "The largest animal that ever lived swims here", "blue whale"),
    ("Space", "This was the first man-made object to orbit the earth", "sputnik"),
    ("Cooking", "A French sauce of butter and egg yolks", "hollandaise"),
    ("Birds and planes", "The Wright brothers first flew one of these", "airplane"),
    ("Oceans", "A fish that can puff itself up into a ball", "pufferfish"),
]


@pytest.fixture(scope="module")
def client():
    with weaviate_client() as client:
        yield client


def test_minilm_collection_near_text_rerank_update_delete(client) -> None:
    questions = client.collections.create(
        "Question",
        properties=[
            Property(name="category", data_type=DataType.TEXT),
            Property(name="question", data_type=DataType.TEXT),
            Property(name="answer", data_type=DataType.TEXT),
        ],
        vector_config=Configure.Vectors.text2vec_transformers(),
        reranker_config=Configure.Reranker.custom("reranker-similarity"),
    )
    db = client.rankql_server.db
    rows = [{"category": c, "question": q, "answer": a} for c, q, a in QUESTIONS]
    first = questions.data.insert(rows[0])  # REST, embedded by the server with the shipped MiniLM
    result = questions.data.insert_many(rows[1:])  # gRPC batch, no vectors: embedded too
    assert not result.has_errors
    assert db.collection("Question").get(str(first))["vector"] is not None

    got = questions.query.near_text(
        "flying animals",
        limit=3,
        return_metadata=MetadataQuery(distance=True),
        rerank=Rerank(prop="answer", query="birds"),
    )
    expected = gql(
        db,
        'nearText: {concepts: ["flying animals"]}, limit: 3',
        'category question answer _additional { id distance rerank(property: "answer", query: "birds") { score } }',
        cls="Question",
    )
    assert [str(o.uuid) for o in got.objects] == [e["_additional"]["id"] for e in expected]
    assert [o.metadata.rerank_score for o in got.objects] == [
        e["_additional"]["rerank"][0]["score"] for e in expected
    ]
    assert got.objects[0].properties["answer"] == "geese"

    filtered = questions.query.near_text(
        "sea creatures", filters=Filter.by_property("category").equal("Oceans")
    )
    assert {o.properties["answer"] for o in filtered.objects} == {"blue whale", "pufferfish"}

    questions.data.update(uuid=first, properties={"answer": "swallows"})
    assert questions.query.fetch_object_by_id(first).properties["answer"] == "swallows"
    questions.data.delete_by_id(first)
    assert questions.query.fetch_object_by_id(first) is None
    assert len(questions.query.fetch_objects().objects) == 5


def test_create_from_dict_with_own_vectors_and_bm25(client) -> None:
    notes = client.collections.create_from_dict(
        {
            "class": "Note",
            "vectorizer": "none",
            "moduleConfig": {"reranker-dummy": {}},
            "properties": [{"name": "text", "dataType": ["text"]}, {"name": "rank", "dataType": ["int"]}],
        }
    )
    with notes.batch.dynamic() as batch:
        for i in range(30):
            batch.add_object(
                {"text": f"note {i} about {'cats' if i % 3 else 'dogs'}", "rank": i},
                vector=[1.0, i / 30, 0.5],
            )
    assert notes.batch.failed_objects == []
    got = notes.query.bm25(
        "dogs", limit=4, return_metadata=MetadataQuery(score=True), rerank=Rerank(prop="text")
    )
    expected = gql(
        client.rankql_server.db,
        'bm25: {query: "dogs"}, limit: 4',
        'text rank _additional { id score rerank(property: "text") { score } }',
        cls="Note",
    )
    assert [str(o.uuid) for o in got.objects] == [e["_additional"]["id"] for e in expected]
    assert all(isinstance(o.properties["rank"], int) for o in got.objects)
    assert client.collections.exists("Note")
    client.collections.delete("Note")
    assert not client.collections.exists("Note")


def test_objects_with_a_client_generated_uuid(client) -> None:
    things = client.collections.create("Thing", properties=[Property(name="name", data_type=DataType.TEXT)])
    ident = generate_uuid5("thing-1")
    things.data.insert({"name": "one"}, uuid=ident, vector=[0.1, 0.2])
    got = things.query.near_vector([0.1, 0.2], include_vector=True)
    assert str(got.objects[0].uuid) == ident
    assert got.objects[0].vector["default"] == pytest.approx([0.1, 0.2], rel=1e-6)


def test_the_named_vector_default_is_the_class_vector(client) -> None:
    points = client.collections.create(
        "Point",
        properties=[Property(name="label", data_type=DataType.TEXT)],
        vector_config=Configure.Vectors.self_provided(),  # a named vector called "default"
    )
    points.data.insert_many(
        [DataObject(properties={"label": f"p{i}"}, vector=[1.0, i / 10]) for i in range(5)]
    )
    got = points.query.near_vector([1.0, 0.0], target_vector="default", limit=2, include_vector=True)
    assert [o.properties["label"] for o in got.objects] == ["p0", "p1"]
    assert list(got.objects[0].vector) == ["default"]
    assert got.objects[1].vector["default"] == pytest.approx([1.0, 0.1], rel=1e-6)
    named = points.query.fetch_objects(limit=1, include_vector=["default"])
    assert list(named.objects[0].vector) == ["default"]
    with pytest.raises(WeaviateQueryError, match="does not have named vector other configured"):
        points.query.near_vector([1.0, 0.0], target_vector="other")
