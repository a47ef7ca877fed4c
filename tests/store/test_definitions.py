"""Class definitions: defaults filled, every kind of mistake refused with a message that names it."""

from __future__ import annotations

import pytest
from rankql.runtime import Database, SchemaError
from rankql.runtime.store.definition import normalize_definition

from .conftest import article_definition


def _problem(definition: dict, db: Database | None = None) -> str:
    with pytest.raises(SchemaError) as info:
        (db or Database()).create_collection(definition)
    return str(info.value)


def test_defaults_are_filled_and_class_name_capitalized() -> None:
    out = normalize_definition(
        {"class": "jeopardyQuestion", "properties": [{"name": "q", "dataType": ["text"]}]}
    )
    assert out["class"] == "JeopardyQuestion"
    assert out["vectorizer"] == "none"
    assert out["vectorIndexConfig"]["distance"] == "cosine"
    assert out["vectorIndexConfig"]["ef"] == -1
    assert out["invertedIndexConfig"]["bm25"] == {"k1": 1.2, "b": 0.75}
    assert out["invertedIndexConfig"]["stopwords"]["preset"] == "en"
    prop = out["properties"][0]
    assert prop["tokenization"] == "word" and prop["indexSearchable"] and prop["indexFilterable"]


def test_schema_reflects_definition(db: Database) -> None:
    db.create_collection(
        article_definition(
            vectorizer="text2vec-transformers",
            moduleConfig={"reranker-dummy": {}, "reranker-transformers": {}},
            vectorIndexConfig={"distance": "dot"},
        )
    )
    schema = db.schema()
    cls = schema.get("Article")
    assert cls is not None and schema.class_names == ["Article"]
    assert cls.vectorizer == "text2vec-transformers" and cls.distance == "dot"
    assert cls.rerankers == ["reranker-dummy", "reranker-transformers"]
    assert cls.property("wordCount").data_type == "int"
    assert not cls.property("wordCount").index_searchable
    assert cls.property("tags").tokenization == "word"


def test_non_text_property_is_not_searchable_and_has_no_tokenization(db: Database) -> None:
    c = db.create_collection({"class": "A", "properties": [{"name": "n", "dataType": ["int"]}]})
    assert "tokenization" not in c.definition["properties"][0]
    assert c.class_schema.property("n").index_searchable is False


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"class": "1abc"}, "class name '1abc'"),
        ({"class": "Art-icle"}, "class name 'Art-icle'"),
        ({"vectorizer": "text2vec-transformer"}, "unsupported vectorizer 'text2vec-transformer'"),
        ({"moduleConfig": {"reranker-voyageai": {}}}, "unknown module 'reranker-voyageai'"),
        ({"moduleConfig": {"reranker-transformer": {}}}, "did you mean 'reranker-transformers'"),
        ({"vectorIndexConfig": {"distance": "euclid"}}, "distance 'euclid' is not supported"),
        ({"vectorIndexConfig": {"efConstruction": 0}}, "efConstruction must be an integer >= 4"),
        ({"invertedIndexConfig": {"bm25": {"k1": -1}}}, "BM25 k1 must be a number >= 0"),
        ({"invertedIndexConfig": {"bm25": {"b": 1.5}}}, "BM25 b must be a number between 0 and 1"),
        ({"invertedIndexConfig": {"stopwords": {"preset": "fr"}}}, "stopwords preset 'fr' is not known"),
        (
            {"invertedIndexConfig": {"stopwords": {"additions": ["x"], "removals": ["x"]}}},
            "found 'x' in both stopwords.additions and stopwords.removals",
        ),
        ({"invertedIndexConfig": {"stopwords": {"additions": "x"}}}, "stopwords.additions must be a list"),
        ({"vectorIndexType": "dynamic"}, "vectorIndexType 'dynamic' is not supported"),
        ({"vectorizr": "none"}, "unknown field 'vectorizr' in the class (did you mean 'vectorizer'?)"),
    ],
)
def test_class_level_mistakes(change: dict, expected: str) -> None:
    assert expected in _problem(article_definition(**change))


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ({"name": "meta", "dataType": ["object"]}, "At least one nested property is required"),
        (
            {"name": "meta", "dataType": ["text"], "nestedProperties": [{"name": "a", "dataType": ["text"]}]},
            "nestedProperties not allowed for data types other than object/object[]",
        ),
        (
            {
                "name": "meta",
                "dataType": ["object"],
                "nestedProperties": [{"name": "g", "dataType": ["geoCoordinates"]}],
            },
            "property 'meta.g': data type 'geoCoordinates' not allowed as nested property",
        ),
        (
            {
                "name": "meta",
                "dataType": ["object[]"],
                "nestedProperties": [{"name": "b", "dataType": ["blob"], "indexFilterable": True}],
            },
            "indexFilterable is not allowed for blob data type",
        ),
        (
            {
                "name": "meta",
                "dataType": ["object"],
                "nestedProperties": [{"name": "2b", "dataType": ["int"]}],
            },
            "'2b' is not a valid nested property name of 'meta'",
        ),
        (
            {"name": "inPub", "dataType": ["Publication"], "tokenization": "word"},
            "tokenization is not allowed for a cross-reference",
        ),
        ({"name": "x", "dataType": ["txt"]}, "unknown data type 'txt' (did you mean 'text'?)"),
        ({"name": "x", "dataType": ["string"]}, "data type 'string' is not supported (use 'text')"),
        (
            {"name": "x", "dataType": "int[]", "tokenization": "word"},
            "tokenization is not allowed for data type",
        ),
        ({"name": "x", "dataType": ["text"], "tokenization": "gse"}, "tokenization 'gse' is not supported"),
        (
            {"name": "x", "dataType": ["int"], "indexSearchable": True},
            "indexSearchable is only allowed for text",
        ),
        ({"name": "2x", "dataType": ["text"]}, "property name '2x'"),
        ({"name": "id", "dataType": ["text"]}, "property name 'id' is reserved"),
        ({"name": "title", "dataType": ["text"]}, "property 'title' is defined twice"),
        ({"name": "Title", "dataType": ["text"]}, "property 'Title' is defined twice (also as 'title')"),
        (
            {"name": "x", "dataType": ["text"], "moduleConfig": {"text2vec-foo": {}}},
            "unknown module 'text2vec-foo'",
        ),
        ({"name": "x", "dataType": ["text", "int"]}, "dataType must be a list of one type"),
        (
            {"name": "x", "dataType": ["text"], "indexFilterable": "yes"},
            "indexFilterable must be true or false",
        ),
    ],
)
def test_property_mistakes(prop: dict, expected: str) -> None:
    definition = article_definition()
    definition["properties"].append(prop)
    message = _problem(definition)
    assert expected in message
    assert message.startswith("invalid definition of class 'Article'")


def test_every_problem_is_listed_at_once() -> None:
    definition = article_definition(vectorIndexConfig={"distance": "euclid"})
    definition["properties"].append({"name": "g", "dataType": ["string"]})
    message = _problem(definition)
    assert "euclid" in message and "'string'" in message


def test_not_a_dict_and_no_class_name() -> None:
    assert "must be a dict" in _problem([])  # type: ignore[arg-type]
    assert "needs a 'class' name" in _problem({"properties": []})


def test_duplicate_class_and_unknown_collection(db: Database) -> None:
    db.create_collection(article_definition())
    assert "class name 'Article' already exists" in _problem({"class": "article"}, db)
    with pytest.raises(SchemaError, match="class 'Articel' does not exist") as info:
        db.collection("Articel")
    assert "did you mean 'Article'" in str(info.value)
    assert db.collection("article").name == "Article"


def test_registered_reranker_counts_as_module(db: Database) -> None:
    class Length:
        def score(self, query: str, documents: list[str]) -> list[float]:
            return [float(len(d)) for d in documents]

    assert "unknown module 'my-ranker'" in _problem(article_definition(moduleConfig={"my-ranker": {}}), db)
    db.register_reranker("my-ranker", Length())
    c = db.create_collection(article_definition(moduleConfig={"my-ranker": {}, "reranker-dummy": {}}))
    assert c.class_schema.rerankers == ["my-ranker", "reranker-dummy"]
    assert db.schema().get("Article").rerankers == ["my-ranker", "reranker-dummy"]
    with pytest.raises(SchemaError, match="no score"):
        db.register_reranker("bad", object())


def test_delete_collection(db: Database) -> None:
    db.create_collection(article_definition())
    db.create_collection({"class": "Other"})
    assert db.collections() == ["Article", "Other"]
    db.delete_collection("article")
    assert db.collections() == ["Other"]
    with pytest.raises(SchemaError):
        db.delete_collection("Article")


def test_missing_vectorizer_model_fails_at_creation(db: Database, tmp_path) -> None:
    missing = str(tmp_path / "no-such-model")
    definition = article_definition(
        vectorizer="text2vec-transformers", moduleConfig={"text2vec-transformers": {"model": missing}}
    )
    from rankql.runtime import ModelLoadError

    with pytest.raises(ModelLoadError, match="no-such-model"):
        db.create_collection(definition)
    with pytest.raises(ModelLoadError, match="not on this machine"):
        db.create_collection(
            article_definition(
                vectorizer="text2vec-transformers",
                moduleConfig={"text2vec-transformers": {"model": "someone/not-downloaded-model"}},
            )
        )
    assert db.collections() == []
