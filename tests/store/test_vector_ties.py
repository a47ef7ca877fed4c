"""Ties at the cut of a vector search: the top k is exact in (distance asc, uuid asc) on every path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rankql.runtime import Database, generate_uuid5


def _build(metric: str, vectors: list, index_type: str = "hnsw", **config: object):
    """Objects whose uuid order is unrelated to their insertion (doc id) order."""
    db = Database()
    definition = {
        "class": "T",
        "vectorIndexType": index_type,
        "vectorIndexConfig": {"distance": metric, **config},
    }
    c = db.create_collection(definition)
    objects = [
        {"id": generate_uuid5(f"tie-{i}"), "properties": {}, "vector": v} for i, v in enumerate(vectors)
    ]
    assert c.insert_many(objects).ok
    return c


def _expected(c, query, k: int, allow=None) -> list[tuple[str, float]]:
    """The spec's order over every candidate, from the exact distances the flat index computes."""
    ids = c.live_ids() if allow is None else np.asarray(allow, dtype=np.int64)
    dist = c.vectors.flat.search(np.asarray(query, dtype=np.float32), None, ids)
    pairs = sorted((float(d), c.uuid_of(int(i))) for i, d in zip(*dist, strict=True))
    return [(u, d) for d, u in pairs[:k]]


def _got(c, query, k: int, allow=None, max_distance=None, exact: bool = False) -> list[tuple[str, float]]:
    """vector_search's answer as lists, checked equal to its answer as arrays, for a list and a float32
    query (a float32 numpy query takes the fast paths: unfiltered, hnswlib and straight back)."""
    ids, dist = c.vector_search(query, k, allow, max_distance, exact=exact, lists=True)
    got = [(c.uuid_of(d), x) for d, x in zip(ids, dist, strict=True)]
    q32 = np.asarray(query, dtype=np.float32)
    ids, dist = c.vector_search(q32, k, allow, max_distance, exact=exact, lists=True)
    assert [(c.uuid_of(d), x) for d, x in zip(ids, dist, strict=True)] == got
    ids, dist = c.vector_search(q32, k, allow, max_distance, exact=exact)
    assert [(c.uuid_of(d), x) for d, x in zip(ids.tolist(), dist.tolist(), strict=True)] == got
    return got


# 3 objects on the query, then 20 tied a little further away, then 7 further still: k=8 cuts the tie.
TIED = [[1.0, 0.0]] * 3 + [[1.0, 1.0]] * 20 + [[0.0, 3.0]] * 7


@pytest.mark.parametrize("metric", ["cosine", "dot", "l2-squared"])
@pytest.mark.parametrize("index_type", ["hnsw", "flat"])
def test_a_tie_across_the_cut_is_decided_by_uuid(metric: str, index_type: str) -> None:
    vectors = TIED
    c = _build(metric, vectors, index_type)
    assert (c.vectors.hnsw is not None) == (index_type == "hnsw")
    for k in (1, 3, 4, 8, 22, 23, 24, 30, 40):
        want = _expected(c, [1.0, 0.0], k)
        got = _got(c, [1.0, 0.0], k)
        assert got == want, k
        assert len(got) == min(k, len(vectors))


def test_doc_id_order_is_not_uuid_order_here() -> None:
    """The test above would pass by luck if insertion order matched uuid order: it does not."""
    c = _build("l2-squared", TIED)
    tied = [c.uuid_of(i) for i in range(3, 23)]
    assert tied != sorted(tied)


@pytest.mark.parametrize("exact", [False, True])
def test_filtered_ties_on_the_hnsw_and_exact_paths(exact: bool) -> None:
    """A 15-id allow-list through hnswlib's filter, and the exact scan (the engine picks by flatSearchCutoff)."""
    c = _build("l2-squared", TIED)
    allow = np.arange(0, 30, 2, dtype=np.int64)
    for k in (2, 3, 5, 10, 12, 15):
        assert _got(c, [1.0, 0.0], k, allow, exact=exact) == _expected(c, [1.0, 0.0], k, allow)


def test_a_long_tie_widens_the_hnswlib_search() -> None:
    """150 identical vectors behind 5 exact matches: k=10 needs 5 of the 150 by uuid."""
    vectors = [[0.0, 0.0, 1.0]] * 5 + [[2.0, 0.0, 1.0]] * 150 + [[9.0, 9.0, 9.0]] * 45
    c = _build("l2-squared", vectors)
    assert c.vectors.hnsw is not None
    for k in (6, 10, 100, 154, 155, 156):
        assert _got(c, [0.0, 0.0, 1.0], k) == _expected(c, [0.0, 0.0, 1.0], k)


def test_max_distance_applies_after_the_tie_cut() -> None:
    c = _build("l2-squared", TIED)
    got = _got(c, [1.0, 0.0], 8, max_distance=0.5)
    assert [x for _, x in got] == [0.0, 0.0, 0.0]
    got = _got(c, [1.0, 0.0], 8, max_distance=1.0)
    assert [u for u, _ in got] == [u for u, _ in _expected(c, [1.0, 0.0], 8)]
    assert [x for _, x in _got(c, [1.0, 0.0], 2, max_distance=0.0)] == [0.0, 0.0]


@pytest.mark.parametrize(("metric", "k"), [("cosine", 3), ("l2-squared", 3), ("dot", 23)])
def test_the_page_path_orders_ties_inside_the_page_by_itself(metric: str, k: int, monkeypatch) -> None:
    """k takes a whole tie (dot: [1, 1] ties with [1, 0]) and none crosses the cut: no wider search."""
    c = _build(metric, TIED)
    want = _expected(c, [1.0, 0.0], k)

    def general_path(*args, **kwargs):
        raise AssertionError("the page path fell back to the column path")

    monkeypatch.setattr(c, "_vector_columns", general_path)
    ids, dist = c.vector_search(np.array([1.0, 0.0], dtype=np.float32), k, lists=True)
    assert [(c.uuid_of(d), x) for d, x in zip(ids, dist, strict=True)] == want
    assert [c.uuid_of(d) for d in ids] == sorted(c.uuid_of(d) for d in ids)


small_ints = st.lists(st.integers(-2, 2), min_size=3, max_size=3)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(small_ints, min_size=1, max_size=40),
    small_ints,
    st.integers(1, 45),
    st.sampled_from(["l2-squared", "dot", "manhattan"]),
    st.sampled_from(["hnsw", "flat"]),
)
def test_any_tied_data_matches_the_spec_order(
    vectors: list, query: list, k: int, metric: str, index_type: str
) -> None:
    """Small integer vectors tie a lot; integer distances are exact in every implementation."""
    c = _build(metric, [[float(x) for x in v] for v in vectors], index_type)
    q = [float(x) for x in query]
    assert _got(c, q, k) == _expected(c, q, k)
