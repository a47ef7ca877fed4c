"""BM25 and filters through the store's real Collection: inserts, updates, deletes, persistence."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from kw_filter_oracle import Oracle
from kw_reference import reference_bm25f
from rankql.dsl import ast
from rankql.runtime import Database
from rankql.runtime.errors import SearchError

DEFINITION = {
    "class": "Article",
    "vectorizer": "none",
    "properties": [
        {"name": "title", "dataType": ["text"]},
        {"name": "body", "dataType": ["text"], "tokenization": "lowercase"},
        {"name": "code", "dataType": ["text"], "tokenization": "field"},
        {"name": "tags", "dataType": ["text[]"]},
        {"name": "wordCount", "dataType": ["int"]},
        {"name": "published", "dataType": ["date"]},
        {"name": "hidden", "dataType": ["text"], "indexSearchable": False},
    ],
}
ROWS = [
    {
        "title": "Fresh fish soup",
        "body": "Cook the fish. Fish is good.",
        "code": "FS-1",
        "tags": ["food", "fish"],
        "wordCount": 120,
        "published": "2021-01-01T00:00:00Z",
        "hidden": "fish",
    },
    {
        "title": "Bread and butter",
        "body": "No fish here",
        "code": "BB-2",
        "tags": ["food"],
        "wordCount": 80,
        "published": "2021-06-01T00:00:00Z",
    },
    {
        "title": "The New York Times",
        "body": "news",
        "code": "NYT",
        "tags": ["news", "new york"],
        "wordCount": 300,
    },
    {"title": "Fishing boats", "body": "boats and nets", "code": "FB-4", "wordCount": 50},
    {"title": "Soup of the day", "body": "tomato soup", "tags": [], "wordCount": 10},
]


@pytest.fixture
def articles():
    db = Database()
    collection = db.create_collection(DEFINITION)
    result = collection.insert_many([{"properties": row} for row in ROWS])
    assert all(r.error is None for r in result)
    return collection


def state(collection) -> dict[int, dict]:
    return {d: collection.properties_of(d) for d in collection.live_ids().tolist()}


def bm25_hits(collection, *args, **kwargs) -> list[tuple[int, float, str | None]]:
    """Collection.bm25_search's columns as (doc_id, score, explainScore or None) rows, best first."""
    ids, scores, explains = collection.bm25_search(*args, **kwargs)
    texts = explains if explains is not None else [None] * len(ids)
    return list(zip(ids.tolist(), scores.tolist(), texts, strict=True))


def scores_by_doc(hits) -> dict[int, float]:
    return {doc: score for doc, score, _ in hits}


SEARCHABLE = {"title": "word", "body": "lowercase", "code": "field", "tags": "word"}


def test_bm25_search_matches_reference(articles) -> None:
    for query, props in [("fish soup", None), ("fish", [("title", 2.0), ("body", 1.0)]), ("FS-1 fish", None)]:
        hits = bm25_hits(articles, query, props, explain=True)
        boosts = dict(props) if props else dict.fromkeys(SEARCHABLE, 1.0)
        want = reference_bm25f(state(articles), SEARCHABLE, query, boosts)
        assert scores_by_doc(hits) == pytest.approx(want, rel=1e-5)
        assert all(text.startswith(", BM25F_") for _, _, text in hits)


def test_writes_are_visible_to_the_next_search(articles) -> None:
    uuid = articles.insert({"properties": {"title": "fish fish fish"}})
    assert articles.doc_id_of(uuid) in scores_by_doc(bm25_hits(articles, "fish", [("title", 1.0)]))
    articles.update(uuid, {"title": "cake"})
    found = scores_by_doc(bm25_hits(articles, "fish", [("title", 1.0)]))
    assert articles.doc_id_of(uuid) not in found
    want = reference_bm25f(state(articles), SEARCHABLE, "fish", {"title": 1.0})
    assert found == pytest.approx(want, rel=1e-5)
    articles.delete(uuid)
    assert bm25_hits(articles, "cake", None) == []


def test_not_searchable_property_is_refused(articles) -> None:
    with pytest.raises(SearchError, match="requires inverted index"):
        bm25_hits(articles, "fish", [("hidden", 1.0)])


def where(op, path, vt, value):
    return ast.Where(operator=op, path=[path], value_type=vt, value=value)


def test_filters_through_collection(articles) -> None:
    class View:  # the oracle reads objects by doc id, as the fake collection keeps them
        def __init__(self, c):
            self.c = c
            self.class_schema = c.class_schema
            self.stopwords = c.stopwords
            size = int(c.live_ids().max()) + 1
            live = set(c.live_ids().tolist())
            self.objects = [c.properties_of(d) if d in live else None for d in range(size)]

        def __getattr__(self, name):
            return getattr(self.c, name)

    cases = [
        where("Equal", "title", "valueText", "new york"),
        where("Equal", "code", "valueText", "NYT"),
        where("Like", "title", "valueText", "fish*"),
        where("ContainsAny", "tags", "valueText", ["fish", "new york"]),
        where("GreaterThan", "wordCount", "valueInt", 60),
        where("LessThan", "published", "valueDate", "2021-03-01T00:00:00Z"),
        where("IsNull", "published", "valueBoolean", True),
        where("IsNull", "tags", "valueBoolean", True),
        where("Equal", "len(tags)", "valueInt", 1),
        ast.Where(operator="Not", operands=[where("Equal", "body", "valueText", "fish")]),
    ]
    view = View(articles)
    for case in cases:
        assert articles.filter(case).tolist() == sorted(Oracle(view).evaluate(case)), case
    assert articles.filter(where("Equal", "title", "valueText", "new york")).tolist() == [2]
    uuid = articles.get(articles.uuid_of(0))["id"]
    assert articles.filter(where("Equal", "id", "valueText", uuid.upper())).tolist() == [0]
    assert articles.filter(where("NotEqual", "id", "valueText", uuid)).tolist() == [1, 2, 3, 4]
    other = articles.uuid_of(3)
    assert articles.filter(where("ContainsAny", "_id", "valueText", [uuid, other])).tolist() == [0, 3]
    assert articles.filter(where("ContainsNone", "id", "valueText", [uuid, other])).tolist() == [1, 2, 4]
    assert articles.filter(where("GreaterThanEqual", "id", "valueText", uuid)).tolist() == sorted(
        d for d in range(5) if articles.uuid_of(d) >= uuid
    )
    articles.update(uuid, {"title": "Renamed"})
    assert articles.filter(where("Like", "title", "valueText", "fish*")).tolist() == [3]
    with pytest.raises(SearchError, match='cannot use "valueText" on type "int"'):
        articles.filter(where("Equal", "wordCount", "valueText", "3"))


def test_filter_restricts_bm25(articles) -> None:
    allow = articles.filter(where("GreaterThan", "wordCount", "valueInt", 60))
    hits = bm25_hits(articles, "fish", None, allow=allow)
    assert {doc for doc, _, _ in hits} == {0, 1}
    unfiltered = scores_by_doc(bm25_hits(articles, "fish", None))
    assert scores_by_doc(hits) == {d: unfiltered[d] for d in (0, 1)}  # n and N ignore the filter


def test_keyword_index_survives_save_and_reopen(tmp_path) -> None:
    with Database(tmp_path / "db") as db:
        collection = db.create_collection(DEFINITION)
        collection.insert_many([{"properties": row} for row in ROWS])
        before = bm25_hits(collection, "fish soup", None, explain=True)
        db.save()
    with Database(tmp_path / "db") as db:
        collection = db.collection("Article")
        assert bm25_hits(collection, "fish soup", None, explain=True) == before
        collection.insert(
            {"properties": {"title": "more fish", "published": datetime(2022, 1, 1, tzinfo=UTC)}}
        )
        assert [doc for doc, _, _ in bm25_hits(collection, "fish", [("title", 1.0)])] == [
            5,
            0,
        ]  # no stemming
