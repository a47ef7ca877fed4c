"""Class definitions through the wire layer: what GET shows goes back in unchanged (PUT and new properties
rely on it), and what rankql keeps apart from what it only shows back."""

from __future__ import annotations

import pytest
from rankql.runtime.errors import SchemaError
from rankql.runtime.server.wire_schema import to_rankql, unrunnable_vectorizer, vector_name
from rankql.runtime.server.wire_shown import to_wire
from rankql.runtime.store.definition import normalize_definition

DEFINITIONS = [
    {"class": "Plain", "properties": [{"name": "t", "dataType": ["text"]}]},
    {
        "class": "Local",
        "vectorizer": "text2vec-transformers",
        "vectorIndexType": "flat",
        "vectorIndexConfig": {"distance": "l2-squared", "bq": {"enabled": True}},
        "invertedIndexConfig": {"bm25": {"k1": 1.5, "b": 0.5}, "indexNullState": True},
        "properties": [
            {"name": "t", "dataType": ["text[]"], "tokenization": "field", "indexRangeFilters": False},
            {"name": "n", "dataType": ["number"], "indexRangeFilters": True},
        ],
    },
    {
        "class": "Foreign",
        "vectorizer": "text2vec-cohere",
        "moduleConfig": {"text2vec-cohere": {"model": "embed-v3"}, "generative-cohere": {}},
        "properties": [
            {"name": "t", "dataType": ["text"], "moduleConfig": {"text2vec-cohere": {"skip": True}}}
        ],
        "replicationConfig": {"factor": 3},
    },
    {
        "class": "Named",
        "vectorConfig": {"v": {"vectorizer": {"text2vec-openai": {}}, "vectorIndexConfig": {"ef": 50}}},
        "properties": [{"name": "t", "dataType": ["text"]}],
    },
]


def _through(wire: dict, substitute: bool) -> dict:
    return to_wire(normalize_definition(to_rankql(wire, substitute=substitute)))


@pytest.mark.parametrize("substitute", [False, True])
@pytest.mark.parametrize("wire", DEFINITIONS, ids=lambda d: d["class"])
def test_what_get_shows_goes_back_in_unchanged(wire: dict, substitute: bool) -> None:
    shown = _through(wire, substitute)
    assert _through(shown, substitute) == shown


def test_kept_apart_and_shown_back() -> None:
    foreign = normalize_definition(to_rankql(DEFINITIONS[2]))
    assert foreign["vectorizer"] == "none" and unrunnable_vectorizer(foreign) == "text2vec-cohere"
    assert "text2vec-cohere" not in foreign["moduleConfig"]
    shown = to_wire(foreign)
    assert shown["moduleConfig"] == {
        "text2vec-cohere": {"model": "embed-v3", "vectorizeClassName": True},
        "generative-cohere": {},
    }
    assert shown["properties"][0]["moduleConfig"] == {
        "text2vec-cohere": {"skip": True, "vectorizePropertyName": False}
    }
    assert shown["replicationConfig"]["factor"] == 3
    substituted = normalize_definition(to_rankql(DEFINITIONS[2], substitute=True))
    assert substituted["vectorizer"] == "text2vec-transformers" and unrunnable_vectorizer(substituted) is None
    assert substituted["properties"][0]["moduleConfig"] == {"text2vec-transformers": {"skip": True}}
    named = normalize_definition(to_rankql(DEFINITIONS[3], substitute=True))
    assert vector_name(named) == "v" and named["vectorIndexConfig"]["ef"] == 50
    local = to_wire(normalize_definition(to_rankql(DEFINITIONS[1])))
    assert set(local["vectorIndexConfig"]) == {"bq", "pq", "sq", "rq", "distance", "vectorCacheMaxObjects"}
    assert local["vectorIndexConfig"]["bq"] == {"enabled": True}
    assert local["invertedIndexConfig"]["indexNullState"] is True
    assert [p["indexRangeFilters"] for p in local["properties"]] == [False, True]


def test_refused_with_a_clear_message() -> None:
    with pytest.raises(SchemaError, match="a class-level vectorizer and a named vector cannot be combined"):
        to_rankql({"class": "X", "vectorizer": "text2vec-openai", "vectorConfig": {"a": {}}})
    with pytest.raises(SchemaError, match="multi-vector indexes are not supported"):
        to_rankql({"class": "X", "vectorIndexConfig": {"multivector": {"enabled": True}}})
    with pytest.raises(SchemaError, match="must be a JSON object"):
        to_rankql(["X"])
