"""text2vec-transformers: the object text Weaviate composes, and the real MiniLM finding plain answers."""

from __future__ import annotations

import numpy as np
import pytest
from rankql.runtime import Database, SearchError
from rankql.runtime.store.definition import normalize_definition
from rankql.runtime.store.vectorizers import object_text, split_camel_case

from .shapes import vector_hits


def _definition(**t2v: object) -> dict:
    return normalize_definition(
        {
            "class": "JeopardyQuestion",
            "vectorizer": "none",
            "moduleConfig": {"text2vec-transformers": dict(t2v)} if t2v else {},
            "properties": [
                {"name": "question", "dataType": ["text"]},
                {"name": "answer", "dataType": ["text"]},
                {"name": "tags", "dataType": ["text[]"]},
                {"name": "points", "dataType": ["int"]},
                {
                    "name": "secret",
                    "dataType": ["text"],
                    "moduleConfig": {"text2vec-transformers": {"skip": True}},
                },
                {
                    "name": "airDate",
                    "dataType": ["date"],
                },
                {
                    "name": "showName",
                    "dataType": ["text"],
                    "moduleConfig": {"text2vec-transformers": {"vectorizePropertyName": True}},
                },
            ],
        }
    )


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("JeopardyQuestion", ["Jeopardy", "Question"]),
        ("Article", ["Article"]),
        ("wordCount", ["word", "Count"]),
        ("HTTPServer", ["HTTP", "Server"]),
        ("version2Name", ["version", "2", "Name"]),
        ("my_prop", ["my", "_", "prop"]),
    ],
)
def test_camel_case_split(name: str, parts: list[str]) -> None:
    assert split_camel_case(name) == parts


def test_object_text_follows_weaviate() -> None:
    props = {
        "question": "Which River?",
        "answer": "The Nile",
        "tags": ["geo", "Africa"],
        "points": 100,
        "secret": "hidden",
        "showName": "Jeopardy Live",
    }
    # Class name split, properties alphabetical, text and text[] only, skip honoured, case kept (v1.27+),
    # property name (split on camelCase, lower case) before the value when vectorizePropertyName is set.
    assert object_text(_definition(), props) == (
        "Jeopardy Question The Nile Which River? show name Jeopardy Live geo Africa"
    )
    assert object_text(_definition(vectorizeClassName=False), props).startswith("The Nile Which")


def test_object_text_spec_example() -> None:
    definition = normalize_definition(
        {
            "class": "Article",
            "properties": [{"name": "title", "dataType": ["text"]}, {"name": "body", "dataType": ["text"]}],
        }
    )
    assert object_text(definition, {"title": "Hello World", "body": "Foo"}) == "Article Foo Hello World"


def test_object_without_text_is_its_class_name() -> None:
    assert object_text(_definition(), {"points": 3}) == "Jeopardy Question"
    assert object_text(_definition(vectorizeClassName=False), {}) == "Jeopardy Question"


def test_source_properties_include_non_text() -> None:
    from datetime import UTC, datetime

    props = {"points": 100, "question": "Q", "answer": "A", "airDate": datetime(2020, 1, 2, tzinfo=UTC)}
    text = object_text(_definition(properties=["points", "question", "airDate"]), props)
    assert text == "Jeopardy Question 2020-01-02T00:00:00Z 100 Q"


def test_no_vectorizer_cannot_embed_queries() -> None:
    c = Database().create_collection({"class": "Plain"})
    with pytest.raises(SearchError, match="has no vectorizer"):
        c.embed_queries(["x"])


ANIMALS = [
    ("The cat sat on the windowsill purring in the sun.", "cat"),
    ("A dog fetched the ball and wagged its tail.", "dog"),
    ("The stock market fell sharply after the interest rate decision.", "finance"),
    ("Bake the bread at two hundred degrees for forty minutes.", "baking"),
    ("The goalkeeper saved a penalty in the final minute of the match.", "football"),
    ("Photosynthesis turns sunlight, water and carbon dioxide into sugar.", "biology"),
]


@pytest.fixture(scope="module")
def minilm_collection(minilm_path: str):
    db = Database()
    c = db.create_collection(
        {
            "class": "Passage",
            "vectorizer": "text2vec-transformers",
            "properties": [
                {"name": "text", "dataType": ["text"]},
                {"name": "topic", "dataType": ["text"]},
                {"name": "year", "dataType": ["int"]},
            ],
            "moduleConfig": {"text2vec-transformers": {"model": minilm_path}},
        }
    )
    result = c.insert_many(
        [{"properties": {"text": t, "topic": topic}} for t, topic in ANIMALS]
        + [{"properties": {"text": "explicit vector"}, "vector": np.ones(384).tolist()}]
    )
    assert result.ok
    return c


@pytest.mark.parametrize(
    ("query", "topic"),
    [
        ("kitten", "cat"),
        ("puppy playing fetch", "dog"),
        ("shares and bonds losing value", "finance"),
        ("oven recipe for a loaf", "baking"),
        ("soccer game", "football"),
        ("how plants make food from light", "biology"),
    ],
)
def test_minilm_finds_the_plain_answer(minilm_collection, query: str, topic: str) -> None:
    vector = minilm_collection.embed_queries([query])[0]
    best = vector_hits(minilm_collection, vector, 1)[0][0]
    assert minilm_collection.properties_of(best)["topic"] == topic


def test_minilm_vectors_are_the_object_text_embeddings(minilm_collection) -> None:
    doc = next(
        d for d in minilm_collection.list_ids() if minilm_collection.properties_of(d).get("topic") == "cat"
    )
    text = minilm_collection.object_text(minilm_collection.properties_of(doc))
    assert text.startswith("Passage ")
    again = minilm_collection.embed_queries([text])[0]
    assert np.allclose(minilm_collection.vector_of(doc), again, atol=1e-5)
    assert minilm_collection.dim == 384
    # A given vector is kept as-is even though the class has a vectorizer.
    explicit = [
        d
        for d in minilm_collection.live_ids()
        if minilm_collection.properties_of(d).get("text") == "explicit vector"
    ]
    assert np.array_equal(minilm_collection.vector_of(explicit[0]), np.ones(384, dtype=np.float32))


def test_update_re_embeds_only_when_the_text_changes(minilm_collection) -> None:
    uid = minilm_collection.insert(
        {"properties": {"text": "A violin concerto in D major.", "topic": "music"}}
    )
    before = minilm_collection.vector_of(minilm_collection.doc_id_of(uid))
    minilm_collection.update(uid, {"year": 1721})  # not part of the object text: the vector stays
    assert np.array_equal(minilm_collection.vector_of(minilm_collection.doc_id_of(uid)), before)
    minilm_collection.update(uid, {"topic": "classical music"})  # topic is text too: the vector changes
    changed = minilm_collection.vector_of(minilm_collection.doc_id_of(uid))
    assert not np.allclose(before, changed)
    vector = minilm_collection.embed_queries(["orchestra playing string instruments"])[0]
    assert minilm_collection.uuid_of(vector_hits(minilm_collection, vector, 1)[0][0]) == uid
    minilm_collection.delete(uid)


def test_object_text_of_the_new_data_types() -> None:
    # As usecases/modulecomponents/vectorizer/object_texts.go: a blob is a string and is embedded; geo and
    # phone values never are; object values only with source properties, as compact JSON.
    definition = normalize_definition(
        {
            "class": "Place",
            "vectorizer": "text2vec-transformers",
            "properties": [
                {"name": "name", "dataType": ["text"]},
                {"name": "photo", "dataType": ["blob"]},
                {"name": "at", "dataType": ["geoCoordinates"]},
                {"name": "phone", "dataType": ["phoneNumber"]},
                {
                    "name": "address",
                    "dataType": ["object"],
                    "nestedProperties": [{"name": "city", "dataType": ["text"]}],
                },
            ],
        }
    )
    props = {
        "name": "Home",
        "photo": "aGk=",
        "at": {"latitude": 1.0, "longitude": 2.0},
        "phone": {"input": "+311234567"},
        "address": {"city": "Köln"},
    }
    assert object_text(definition, props) == "Place Home aGk="
    definition["moduleConfig"]["text2vec-transformers"]["properties"] = ["name", "address", "at"]
    assert object_text(definition, props) == 'Place {"city":"Köln"} Home'
