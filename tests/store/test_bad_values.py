"""Bad values and arguments: one clear RankqlError each, raised by the call that was wrong, nothing lost."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from rankql.runtime import Database, ObjectError, RerankError, SchemaError, StorageError

from .conftest import article_definition


def _nested(depth: int, leaf: object = "x") -> object:
    value = leaf
    for _ in range(depth):
        value = [value]
    return value


def _nested_dict(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"score": 10**400}, "too large for a number"),
        ({"wordCount": 10**400}, "outside the 64-bit range of an int"),
        ({"wordCount": 2**63}, "outside the 64-bit range of an int"),
        ({"wordCount": 1e300}, "expected an int"),
        ({"published": "0001-01-01T00:00:00+05:00"}, "is out of range"),
        ({"published": "9999-12-31T23:00:00-05:00"}, "is out of range"),
        ({"title": _nested(5000)}, "expected text, got list"),
        ({"title": _nested_dict(5000)}, "expected text, got dict"),
        ({"tags": [_nested(5000)]}, "element 0: expected text"),
        ({"score": 10**5000}, "too large for a number"),
    ],
)
def test_a_bad_value_is_an_error_of_its_object_and_the_batch_is_stored(
    properties: dict, message: str
) -> None:
    articles = Database().create_collection(article_definition())
    result = articles.insert_many(
        [{"properties": {"title": "before"}}, {"properties": properties}, {"properties": {"title": "after"}}]
    )
    assert [r.ok for r in result] == [True, False, True]
    assert message in result[1].error and len(result[1].error) < 400
    assert len(articles) == 2


def test_the_largest_values_that_fit_are_kept() -> None:
    articles = Database().create_collection(article_definition())
    result = articles.insert_many(
        [
            {"properties": {"wordCount": 2**63 - 1, "score": 1.7e308, "published": "0001-01-01T00:00:00Z"}},
            {"properties": {"wordCount": -(2**63), "published": "9999-12-31T23:59:59Z"}},
        ]
    )
    assert result.ok, result.errors
    stored = articles.get(result.ids[0])["properties"]
    assert stored["wordCount"] == 2**63 - 1 and stored["published"] == "0001-01-01T00:00:00Z"


@pytest.mark.parametrize("objects", [5, None, "abc", {"properties": {}}, 3.5])
def test_insert_many_of_something_that_is_no_list(objects: object) -> None:
    articles = Database().create_collection(article_definition())
    with pytest.raises(ObjectError, match="insert_many takes a list of objects") as caught:
        articles.insert_many(objects)  # type: ignore[arg-type]
    assert caught.value.hint and "insert(obj)" in caught.value.hint


def test_a_deeply_nested_class_field_is_an_object_error() -> None:
    articles = Database().create_collection(article_definition())
    result = articles.insert_many([{"class": _nested(5000), "properties": {}}])
    assert "object names class" in result[0].error


@pytest.mark.parametrize("properties", [[1, 2], "title", 5])
def test_update_with_properties_that_are_no_object(properties: object) -> None:
    articles = Database().create_collection(article_definition())
    uuid = articles.insert({"properties": {"title": "t"}})
    with pytest.raises(ObjectError, match="properties must be an object"):
        articles.update(uuid, properties)  # type: ignore[arg-type]
    assert articles.get(uuid)["properties"] == {"title": "t"}


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "message"),
    [
        ((5,), {}, StorageError, "must be a folder path"),
        ((b"folder",), {}, StorageError, "must be a folder path"),
        (("db\0name",), {}, StorageError, "NUL character"),
        ((Path("db\0name"),), {}, StorageError, "NUL character"),
        ((), {"rerank_cache_size": "x"}, RerankError, "rerank_cache_size"),
        ((), {"rerank_cache_size": -1}, RerankError, "rerank_cache_size"),
        ((), {"rerank_cache_size": 2.5}, RerankError, "rerank_cache_size"),
        ((), {"rerank_query_fallback": "yes"}, RerankError, "rerank_query_fallback"),
    ],
)
def test_database_arguments_are_checked_at_the_call(args, kwargs, error, message: str) -> None:
    with pytest.raises(error, match=message) as caught:
        Database(*args, **kwargs)
    assert caught.value.hint


def test_a_zero_rerank_cache_is_allowed() -> None:
    assert Database(rerank_cache_size=0).rerank.cache.size == 0


def _refused(definition: dict) -> str:
    with pytest.raises(SchemaError) as caught:
        Database().create_collection(definition)
    return caught.value.message


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"moduleConfig": {5: {}}}, "moduleConfig keys must be module names (text), got int 5"),
        ({"moduleConfig": {("a",): {}}}, "moduleConfig keys must be module names"),
        ({"invertedIndexConfig": {"bm25": {"k1": math.nan}}}, "BM25 k1 must be a number >= 0, got nan"),
        ({"invertedIndexConfig": {"bm25": {"k1": math.inf}}}, "BM25 k1 must be a number >= 0, got inf"),
        ({"invertedIndexConfig": {"bm25": {"b": math.nan}}}, "BM25 b must be a number between 0 and 1"),
        ({"invertedIndexConfig": {"bm25": 5}}, "invertedIndexConfig.bm25 must be an object, got int 5"),
        ({"invertedIndexConfig": {"bm25": "fast"}}, "invertedIndexConfig.bm25 must be an object"),
        ({"invertedIndexConfig": {"stopwords": ["a"]}}, "invertedIndexConfig.stopwords must be an object"),
        ({"multiTenancyConfig": True}, "multiTenancyConfig must be an object, got bool True"),
        ({"multiTenancyConfig": {"enabled": "no"}}, "multiTenancyConfig.enabled must be true or false"),
        (
            {"multiTenancyConfig": {"enabled": True, "autoTenantCreation": 1}},
            "autoTenantCreation must be true",
        ),
        ({"moduleConfig": {"reranker-dummy": _nested_dict(5000)}}, "nested too deeply"),
    ],
)
def test_definition_values_of_the_wrong_kind_are_refused_at_creation(overrides: dict, message: str) -> None:
    assert message in _refused(article_definition(**overrides))


def test_a_property_module_key_that_is_no_text() -> None:
    definition = {"class": "A", "properties": [{"name": "t", "dataType": ["text"], "moduleConfig": {7: {}}}]}
    assert "property 't': moduleConfig keys must be module names (text), got 7" in _refused(definition)


def test_multi_tenancy_switched_off_is_accepted() -> None:
    Database().create_collection(article_definition(multiTenancyConfig={"enabled": False}))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("A" * 251, "class name is 251 characters long; rankql allows at most 250"),
        ("../../Evil", "must start with a letter"),
        ("Has-Dash", "must start with a letter"),
        ("Ünicode", "must start with a letter"),
        ("_Under", "must start with a letter"),
    ],
)
def test_class_names_that_cannot_be_saved_are_refused(name: str, message: str) -> None:
    assert message in _refused({"class": name})


def test_the_longest_class_and_property_names_save_and_reopen(tmp_path: Path) -> None:
    cls, prop = "A" * 250, "p" * 231
    with Database(tmp_path / "db") as db:
        db.create_collection({"class": cls, "properties": [{"name": prop, "dataType": ["text"]}]}).insert(
            {"properties": {prop: "kept"}}
        )
    reopened = Database(tmp_path / "db").collection(cls)
    assert [reopened.get(reopened.uuid_of(d))["properties"] for d in reopened.live_ids()] == [{prop: "kept"}]
    assert "at most 231" in _refused(
        {"class": "A", "properties": [{"name": "p" * 232, "dataType": ["text"]}]}
    )
