"""QueryEngine entry points: prepare/run, caching, explain, errors without tracebacks, timestamps."""

from __future__ import annotations

import time

import pytest
from rankql.runtime.engine import QueryEngine

from .test_golden import mask

NEAR = "{ Get { Article(nearVector: {vector: $v}, limit: 2) { title } } }"
NEAR_Q = "query Q($v: [Float]!) " + NEAR


def test_prepare_once_run_many(articles_db):
    engine = QueryEngine(articles_db)
    prepared = engine.prepare(NEAR_Q)
    assert engine.prepare(NEAR_Q) is prepared  # cached by text
    food = prepared.run({"v": [1, 0, 0, 0]})
    money = prepared.run({"v": [0, 0, 0, 1]})
    assert [a["title"] for a in food["data"]["Get"]["Article"]] == [
        "Fresh fish recipes",
        "Fish markets of Tokyo",
    ]
    assert money["data"]["Get"]["Article"][0]["title"] == "Stock markets today"


def test_prepared_cache_is_bounded():
    engine = QueryEngine(db=None, cache_size=2)
    texts = [f"{{ Get {{ Article(limit: {n}) {{ title }} }} }}" for n in (1, 2, 3)]
    for text in texts:
        engine.prepare(text)
    assert list(engine._cache) == texts[1:]


def test_empty_and_syntax_errors_are_answers(articles_db):
    assert articles_db.query("   ") == {"errors": [{"message": "query cannot be empty"}]}
    answer = articles_db.query("{ Get { Article(limit: ) { title } } }")
    assert "data" not in answer and answer["errors"][0]["locations"]


@pytest.mark.parametrize("text", [5, b"{ Get { Article { title } } }", ["{ Get }"], {"query": "x"}])
def test_a_query_that_is_not_text_is_an_error_entry(articles_db, text):
    answer = articles_db.query(text)
    assert "data" not in answer
    assert answer["errors"][0]["extensions"]["code"] == "Q000"
    assert "a query is text" in answer["errors"][0]["message"]


def test_timestamps_are_millisecond_strings(articles_db):
    before = int(time.time() * 1000)
    answer = articles_db.query(
        "{ Get { Publication(limit: 1) { _additional { creationTimeUnix lastUpdateTimeUnix } } } }"
    )
    extra = answer["data"]["Get"]["Publication"][0]["_additional"]
    for key in ("creationTimeUnix", "lastUpdateTimeUnix"):
        assert isinstance(extra[key], str) and extra[key].isdigit()
        assert 0 < int(extra[key]) <= before + 1


def test_unexpected_failure_is_an_error_entry_not_a_traceback(articles_db, monkeypatch):
    from rankql.runtime.engine import operators

    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(operators, "cut", boom)
    answer = articles_db.query("{ Get { a: Article(limit: 1) { title } b: Publication(limit: 1) { name } } }")
    assert answer["data"]["Get"] == {"a": None, "b": None}
    entry = answer["errors"][0]
    assert entry["message"] == "internal error in CutOp: ZeroDivisionError: division by zero"
    assert entry["path"] == ["Get", "a"] and entry["locations"] == [{"line": 1, "column": 9}]
    assert "Traceback" not in str(answer)


def test_explain_analyze_rows_and_rerank_stats(articles_db):
    text = """{ Get { Article(hybrid: {query: "fish", vector: [1, 0, 0, 0]}, limit: 2) {
      title _additional { rerank(property: "title") { score } } } } }"""
    plain = articles_db.explain(text)
    analyzed = mask(articles_db.explain(text, analyze=True))
    assert [line.split("  [")[0] for line in analyzed.splitlines()] == plain.splitlines()
    assert "CutOp: offset=0, limit=2  [rows 10→2, _ ms]" in analyzed
    assert "model calls" in analyzed and "cache hits" in analyzed


def test_explain_raises_on_invalid_query(articles_db):
    from rankql.dsl import QueryError

    with pytest.raises(QueryError):
        articles_db.explain("{ Get { Nope { x } } }")


def test_rerank_headers_reach_the_stage(articles_db, monkeypatch):
    from rankql.runtime.engine import rerank_stage

    seen = {}
    original = rerank_stage.rerank_all

    def spy(db, requests, headers=None, *rest):
        seen["headers"] = headers
        seen["keys"] = [r.key for r in requests]
        return original(db, requests, headers, *rest)

    monkeypatch.setattr(rerank_stage, "rerank_all", spy)
    text = """{ Get { a: Article(limit: 1) { _additional { rerank(property: "title") { score } } }
                     b: Article(limit: 1) { _additional { rerank(property: "body") { score } } } } }"""
    articles_db.query(text, headers={"X-Cohere-Api-Key": "k"})
    assert seen == {"headers": {"X-Cohere-Api-Key": "k"}, "keys": ["a", "b"]}  # one call for both
