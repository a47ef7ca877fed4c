"""rerank_all on a real Database: module, query and document resolution, ordering, output fields, errors."""

from __future__ import annotations

import pytest
from rankql.dsl import ast
from rankql.runtime.engine.hits import Hit
from rankql.runtime.engine.rerank_stage import PROPERTY_SEPARATOR, RerankRequest, rerank_all

from .stage_support import BODY_LENGTHS, Counting, make_db


def vector_hits(db, k: int = 10) -> list[Hit]:
    coll = db.collection("Article")
    ids, distances = coll.vector_search([1.0, 0.0], k, lists=True)
    return [Hit(doc_id, distance=d) for doc_id, d in zip(ids, distances, strict=True)]


def request(db, hits, key="Article", search_query=None, **args) -> RerankRequest:
    return RerankRequest(key, db.collection("Article"), ast.Rerank(**args), hits, search_query)


def n_of(db, hit: Hit) -> int:
    return db.collection("Article").properties_of(hit.doc_id)["n"]


def test_dummy_orders_by_length_stably_and_keeps_first_stage_values(dummy_db):
    hits = vector_hits(dummy_db, 10)
    (out,), stats = rerank_all(dummy_db, [request(dummy_db, hits, property="body")])
    assert out.error is None and out.warning is None
    lengths = [BODY_LENGTHS[n_of(dummy_db, h)] for h in out.hits]
    assert lengths == sorted(lengths, reverse=True)
    assert [h.rerank.score for h in out.hits] == [float(x) for x in lengths]
    # ties (three bodies of length 9 at retrieval ranks 1, 3, 8) keep retrieval order
    assert [h.rerank.rank for h in out.hits if h.rerank.score == 9.0] == [1, 3, 8]
    before = {h.doc_id: (i, h.distance) for i, h in enumerate(hits)}
    for h in out.hits:
        assert (h.rerank.rank, h.distance) == before[h.doc_id]
        assert (h.rerank.model, h.rerank.cached, h.rerank.status) == ("reranker-dummy", False, "ok")
    assert all(h.rerank is None for h in hits), "the input hits are not modified"
    assert stats.model_calls == 1 and stats.documents == 10


def test_documents_non_text_and_missing_are_empty(counting):
    db = make_db({"counting": {}}, {"counting": counting}, n=3)
    coll = db.collection("Article")
    coll.update(coll.uuid_of(0), {"title": None})  # unset title on the first object
    hits = [Hit(int(i)) for i in coll.live_ids()]
    (out,), _ = rerank_all(db, [request(db, hits, property="n")])  # an int property
    assert counting.documents == [""]  # three empty documents: one distinct pair, scored once
    assert out.error is None and [h.rerank.score for h in out.hits] == [0.0, 0.0, 0.0]
    counting.calls.clear()
    rerank_all(db, [request(db, hits, property="title", query="q2")])
    docs = sorted(counting.documents)
    assert docs[0] == "" and docs[1:] == ["title 1", "title 2"]


def test_properties_are_joined_in_the_given_order(counting_db, counting):
    hits = vector_hits(counting_db, 2)
    rerank_all(counting_db, [request(counting_db, hits, properties=["title", "body"], query="q")])
    assert PROPERTY_SEPARATOR == "\n"
    assert counting.documents == ["title 0\nbbb", "title 1\n" + "b" * 9]
    counting.calls.clear()
    rerank_all(counting_db, [request(counting_db, hits, properties=["body", "title"], query="q")])
    assert counting.documents == ["bbb\ntitle 0", "b" * 9 + "\ntitle 1"]


def test_property_missing_is_an_error_and_calls_nothing(counting_db, counting):
    (out,), stats = rerank_all(counting_db, [request(counting_db, vector_hits(counting_db), query="q")])
    assert "no properties provided" in out.error.message
    assert out.hits == vector_hits(counting_db)
    assert counting.calls == [] and stats.model_calls == 0


def test_empty_page_calls_nothing(counting_db, counting):
    (out,), stats = rerank_all(counting_db, [request(counting_db, [], property="body", query="q")])
    assert out.hits == [] and out.error is None and counting.calls == [] and stats.model_calls == 0


def test_a_missing_property_is_an_error_even_on_an_empty_page(counting_db, counting):
    # as the front end's Q311 (stricter than Weaviate, which returns an empty page untouched)
    (out,), _ = rerank_all(counting_db, [request(counting_db, [], query="q")])
    assert out.hits == [] and "no properties provided" in out.error.message and counting.calls == []


def test_unknown_property_is_an_error(dummy_db):
    (out,), _ = rerank_all(dummy_db, [request(dummy_db, vector_hits(dummy_db), property="bdoy")])
    assert 'rerank property "bdoy" does not exist' in out.error.message
    assert "body" in out.error.hint


def test_query_explicit_fallback_and_empty(counting):
    db = make_db({"counting": {}}, {"counting": counting}, n=2)
    hits = vector_hits(db, 2)
    rerank_all(db, [request(db, hits, search_query="fish", property="body", query="explicit")])
    rerank_all(db, [request(db, hits, search_query="fish", property="body")])
    rerank_all(db, [request(db, hits, search_query=None, property="body")])
    assert [q for q, _ in counting.calls] == ["explicit", "fish", ""]

    weaviate = Counting()
    db = make_db({"counting": {}}, {"counting": weaviate}, fallback=False, n=2)
    rerank_all(db, [request(db, vector_hits(db, 2), search_query="fish", property="body")])
    assert [q for q, _ in weaviate.calls] == [""]


def test_empty_hits_never_call_the_model(counting_db, counting):
    outs, stats = rerank_all(counting_db, [request(counting_db, [], property="body", query="q")])
    assert outs[0].hits == [] and outs[0].error is None
    assert counting.calls == [] and stats.model_calls == 0 and stats.documents == 0


def test_module_resolution():
    first, second = Counting(), Counting(lambda q, d: -float(len(d)))
    db = make_db({"first": {}, "second": {}}, {"first": first, "second": second}, n=4)
    hits = vector_hits(db, 4)
    (out,), _ = rerank_all(db, [request(db, hits, property="body")])
    assert "several rerankers" in out.error.message and "module:" in out.error.hint
    (out,), _ = rerank_all(db, [request(db, hits, property="body", module="second")])
    assert out.error is None and second.calls and not first.calls
    assert [h.rerank.score for h in out.hits] == sorted(h.rerank.score for h in out.hits)[::-1]
    (out,), _ = rerank_all(db, [request(db, hits, property="body", module="reranker-dummy")])
    assert 'reranker module "reranker-dummy" is not configured for class "Article"' in out.error.message

    bare = make_db({}, n=2)
    (out,), _ = rerank_all(bare, [request(bare, vector_hits(bare, 2), property="body")])
    assert out.error.message == 'Cannot query field "rerank" on type "ArticleAdditional".'


def test_requests_share_one_model_call(counting_db, counting):
    hits = vector_hits(counting_db, 6)
    reqs = [
        request(counting_db, hits[:4], key="a", property="body", query="q"),
        request(counting_db, hits[2:], key="b", property="body", query="q"),
    ]
    outs, stats = rerank_all(counting_db, reqs)
    assert [o.error for o in outs] == [None, None]
    assert len(counting.calls) == 1 and stats.model_calls == 1
    # documents 2 and 3 are in both requests; each distinct (query, document) pair is scored once
    assert len(counting.documents) == len(set(counting.documents))
    assert {h.doc_id for h in outs[0].hits} == {h.doc_id for h in hits[:4]}
    assert {h.doc_id for h in outs[1].hits} == {h.doc_id for h in hits[2:]}


def test_cache_makes_a_repeated_query_free(counting_db, counting):
    hits = vector_hits(counting_db, 5)
    (first,), s1 = rerank_all(counting_db, [request(counting_db, hits, property="body", query="q")])
    (again,), s2 = rerank_all(counting_db, [request(counting_db, hits, property="body", query="q")])
    assert len(counting.calls) == 1
    assert s1.cache_misses == 5 and s2.cache_hits == 5 and s2.model_calls == 0
    assert [h.rerank.cached for h in first.hits] == [False] * 5
    assert [h.rerank.cached for h in again.hits] == [True] * 5
    assert [h.doc_id for h in again.hits] == [h.doc_id for h in first.hits]


def test_failure_fail_and_keep_order():
    broken, working = Counting(fail="model exploded"), Counting()
    db = make_db({"broken": {}, "working": {}}, {"broken": broken, "working": working}, n=5)
    hits = vector_hits(db, 5)
    outs, _ = rerank_all(
        db,
        [
            request(db, hits, key="a", property="body", module="broken"),
            request(db, hits, key="b", property="body", module="broken", on_error="KEEP_ORDER"),
            request(db, hits, key="c", property="body", module="working"),
        ],
    )
    fail, keep, fine = outs
    assert fail.error is not None and "client rank: " in fail.error.message
    assert "model exploded" in fail.error.message
    assert fail.hits == hits
    assert keep.error is None and [h.doc_id for h in keep.hits] == [h.doc_id for h in hits]
    assert all(
        h.rerank.score is None and h.rerank.status.startswith("failed: client rank: ") for h in keep.hits
    )
    assert [h.rerank.rank for h in keep.hits] == list(range(5))
    assert "KEEP_ORDER" in keep.warning and "model exploded" in keep.warning and "b" in keep.warning
    assert fine.error is None and fine.warning is None and len(fine.hits) == 5


def test_model_label_of_a_registered_reranker_with_a_model():
    ranker = Counting()
    ranker.model = "tiny-v1"
    db = make_db({"mine": {}}, {"mine": ranker}, n=2)
    (out,), _ = rerank_all(db, [request(db, vector_hits(db, 2), property="body")])
    assert {h.rerank.model for h in out.hits} == {"mine:tiny-v1"}


@pytest.mark.parametrize("n", [1, 2])
def test_tiny_inputs(dummy_db, n):
    (out,), _ = rerank_all(
        dummy_db, [request(dummy_db, vector_hits(dummy_db, n), property="body", autocut=1)]
    )
    assert out.error is None and 1 <= len(out.hits) <= n
