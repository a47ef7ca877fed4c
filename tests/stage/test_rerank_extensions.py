"""rankql's rerank extensions on rerank_all: minScore, autocut, blend (against hand-worked numbers)."""

from __future__ import annotations

import pytest
from rankql.dsl import ast
from rankql.runtime.engine.hits import Hit
from rankql.runtime.engine.rerank_stage import RerankRequest, rerank_all

from .stage_support import Counting, make_db


def run(db, hits, **args):
    (out,), stats = rerank_all(
        db, [RerankRequest("Article", db.collection("Article"), ast.Rerank(**args), hits)]
    )
    assert out.error is None, out.error
    return out


def title_scores(table: dict[int, float]) -> Counting:
    """A reranker scoring 'title i' as table[i]."""
    return Counting(lambda query, doc: table[int(doc.split()[1])])


def test_min_score_drops_after_reranking(dummy_db):
    hits = [Hit(i, distance=i / 10) for i in range(10)]  # bodies of length 3 9 5 9 1 12 7 2 9 4
    out = run(dummy_db, hits, property="body", min_score=5.0)
    assert [h.rerank.score for h in out.hits] == [12.0, 9.0, 9.0, 9.0, 7.0, 5.0]
    assert [h.doc_id for h in out.hits] == [5, 1, 3, 8, 6, 2]


@pytest.mark.parametrize(
    ("scores", "cut", "kept"),
    [
        ([2, 1.95, 1.9, 0.2, 0.1, 0.1, -1], 1, 3),  # spec test case 15
        ([2, 1.95, 1.9, 0.2, 0.1, 0.1, -2], 2, 6),
        ([5, 1, 1, 1, 1, 0, 0], 1, 1),
        ([5, 1, 1, 1, 1, 0, 0], 2, 5),
        ([5, 1, 1, 1, 1, 0, 0], 0, 7),  # cut <= 0: disabled
    ],
)
def test_autocut_runs_on_rerank_scores(scores, cut, kept):
    # retrieval order is the reverse of the rerank order, so the cut must come after reranking
    table = {i: float(s) for i, s in enumerate(reversed(scores))}
    db = make_db({"t": {}}, {"t": title_scores(table)}, n=len(scores))
    out = run(db, [Hit(i, distance=i / 10) for i in range(len(scores))], property="title", autocut=cut)
    assert [h.rerank.score for h in out.hits] == [float(s) for s in scores[:kept]]


def test_min_score_then_autocut():
    scores = [2, 1.95, 1.9, 0.2, 0.1, 0.1, -1]
    db = make_db({"t": {}}, {"t": title_scores(dict(enumerate(scores)))}, n=7)
    hits = [Hit(i) for i in range(7)]
    assert len(run(db, hits, property="title", min_score=0.15).hits) == 4
    assert [h.rerank.score for h in run(db, hits, property="title", min_score=0.15, autocut=1).hits] == [
        2.0,
        1.95,
        1.9,
    ]


# Hand-worked blend: rerank scores (dummy, body lengths) 3 9 5 9 normalize to 0, 1, 1/3, 1.
# Vector hits at distances 0, .1, .2, .4 -> -distance normalizes to 1, .75, .5, 0.
#   blend .5: 0.5, 0.875, 0.4167, 0.5 -> order 1, 0, 3, 2 (0 and 3 tie at 0.5: retrieval order)
#   blend .8: 0.2, 0.95, 0.3667, 0.8  -> order 1, 3, 2, 0
# BM25 hits with scores 2, 1.5, 1, .5 normalize to 1, 2/3, 1/3, 0:
#   blend .5: 0.5, 0.8333, 0.3333, 0.5 -> order 1, 0, 3, 2
@pytest.mark.parametrize(
    ("blend", "order"), [(0.5, [1, 0, 3, 2]), (0.8, [1, 3, 2, 0]), (1.0, [1, 3, 2, 0]), (0.0, [0, 1, 2, 3])]
)
def test_blend_with_vector_distances(dummy_db, blend, order):
    hits = [Hit(i, distance=d) for i, d in enumerate([0.0, 0.1, 0.2, 0.4])]
    out = run(dummy_db, hits, property="body", blend=blend)
    assert [h.doc_id for h in out.hits] == order
    assert {h.doc_id: h.rerank.score for h in out.hits} == {
        0: 3.0,
        1: 9.0,
        2: 5.0,
        3: 9.0,
    }  # raw scores shown
    assert [h.distance for h in out.hits] == [[0.0, 0.1, 0.2, 0.4][i] for i in order]


def test_blend_with_bm25_scores(dummy_db):
    hits = [Hit(i, score=s) for i, s in enumerate([2.0, 1.5, 1.0, 0.5])]
    assert [h.doc_id for h in run(dummy_db, hits, property="body", blend=0.5).hits] == [1, 0, 3, 2]


def test_blend_on_a_listing_is_the_rerank_order(dummy_db):
    hits = [Hit(i) for i in range(4)]  # no first-stage score: every hit normalizes to 1
    assert [h.doc_id for h in run(dummy_db, hits, property="body", blend=0.3).hits] == [1, 3, 2, 0]


def test_blend_with_equal_rerank_scores_keeps_first_stage_order():
    db = make_db({"t": {}}, {"t": Counting(lambda q, d: 1.0)}, n=4)
    hits = [Hit(i, score=s) for i, s in enumerate([0.1, 0.4, 0.3, 0.2])]
    assert [h.doc_id for h in run(db, hits, property="title", blend=0.5).hits] == [1, 2, 3, 0]


def test_blend_then_autocut_cuts_on_blended_values(dummy_db):
    # blend .5 above gives 0.875, 0.5, 0.5, 0.4167; autocut 1 keeps up to the first bend: 1 hit
    hits = [Hit(i, distance=d) for i, d in enumerate([0.0, 0.1, 0.2, 0.4])]
    out = run(dummy_db, hits, property="body", blend=0.5, autocut=1)
    assert [h.doc_id for h in out.hits] == [1]


def test_keep_order_ignores_min_score_and_autocut():
    db = make_db({"x": {}}, {"x": Counting(fail="down")}, n=4)
    hits = [Hit(i) for i in range(4)]
    (out,), _ = rerank_all(
        db,
        [
            RerankRequest(
                "Article",
                db.collection("Article"),
                ast.Rerank(property="body", on_error="KEEP_ORDER", min_score=100, autocut=1, blend=0.5),
                hits,
            )
        ],
    )
    assert out.error is None and [h.doc_id for h in out.hits] == [0, 1, 2, 3]
    assert all(h.rerank.status.startswith("failed:") for h in out.hits)
