"""Vector search: metrics as Weaviate reports them, HNSW against the exact oracle, filters, clamping, ties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from rankql.runtime import Database, SearchError, generate_uuid5
from rankql.runtime.store.distances import certainty, distances
from rankql.runtime.store.flat import FlatIndex
from rankql.runtime.store.hnsw import dynamic_ef

from .conftest import clustered
from .shapes import vector_hits


def reference(metric: str, a: np.ndarray, b: np.ndarray) -> float:
    """Weaviate's definitions (adapters/repos/db/vector/hnsw/distancer), in float64."""
    a, b = a.astype(np.float64), b.astype(np.float64)
    if metric == "cosine":
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        return 1.0 if na == 0 or nb == 0 else max(0.0, 1 - a @ b / (na * nb))
    if metric == "dot":
        return -(a @ b)
    if metric == "l2-squared":
        return float(((a - b) ** 2).sum())
    if metric == "manhattan":
        return float(np.abs(a - b).sum())
    return float((a != b).sum())


METRICS = ("cosine", "dot", "l2-squared", "manhattan", "hamming")
# Quarter steps: exact in float32, and no subnormal norms that only float64 could tell apart from zero.
small = arrays(np.float32, 6, elements=st.integers(-32, 32).map(lambda x: x / 4))


@settings(max_examples=150, deadline=None)
@given(st.lists(small, min_size=1, max_size=12), small, st.sampled_from(METRICS))
def test_metrics_match_the_formulas(rows: list, query: np.ndarray, metric: str) -> None:
    matrix = np.stack(rows)
    got = distances(metric, matrix, query)
    want = np.array([reference(metric, r, query) for r in rows])
    if metric == "hamming":
        assert got.tolist() == want.tolist()
    else:
        assert np.allclose(got, want, rtol=1e-5, atol=1e-5)


def test_known_values_and_certainty() -> None:
    m = np.array([[1, 0], [0, 1], [-1, 0], [2, 0]], dtype=np.float32)
    q = np.array([1, 0], dtype=np.float32)
    assert distances("cosine", m, q).tolist() == [0, 1, 2, 0]
    assert distances("dot", m, q).tolist() == [-1, 0, 1, -2]
    assert distances("l2-squared", m, q).tolist() == [0, 2, 4, 1]
    assert distances("manhattan", m, q).tolist() == [0, 2, 2, 1]
    assert distances("hamming", m, q).tolist() == [0, 2, 1, 1]
    assert certainty(0.0) == 1.0 and certainty(2.0) == 0.0 and certainty(0.5) == 0.75


def test_dynamic_ef_is_weaviates() -> None:
    assert [dynamic_ef(k) for k in (1, 10, 12, 13, 62, 63, 100, 600)] == [
        100,
        100,
        100,
        104,
        496,
        500,
        500,
        600,
    ]
    assert dynamic_ef(10, 64) == 64 and dynamic_ef(100, 64) == 100


def _weaviate_search_time_ef(k: int, ef: int, low: int, high: int, factor: int) -> int:
    """hnsw/search.go's searchTimeEF and autoEfFromK, step by step as written there."""
    if ef >= 1:
        return k if ef < k else ef
    auto = k * factor
    if auto > high:
        auto = high
    elif auto < low:
        auto = low
    if k > auto:
        auto = k
    return auto


@given(
    st.integers(1, 2000),
    st.sampled_from([-1, 0, 1, 7, 64, 500]),
    st.integers(-5, 1000),
    st.integers(-5, 1000),
    st.integers(-3, 40),
)
def test_dynamic_ef_follows_weaviates_settings(k: int, ef: int, low: int, high: int, factor: int) -> None:
    assert dynamic_ef(k, ef, (low, high, factor)) == _weaviate_search_time_ef(k, ef, low, high, factor)
    assert dynamic_ef(10, -1, (200, 50, 1)) == 200  # a min above the max wins when k * factor is below both


def test_a_class_dynamic_ef_settings_reach_hnswlib() -> None:
    settings = {"dynamicEfMin": 20, "dynamicEfMax": 60, "dynamicEfFactor": 3}
    c = _collection("cosine", clustered(300, 8, seed=12), **settings)
    q = clustered(1, 8, seed=13)[0]
    for k, ef in ((1, 20), (10, 30), (30, 60), (80, 80)):
        vector_hits(c, q, k)
        assert c.vectors.hnsw._current_ef == ef == c.vectors.hnsw._index.ef


def _collection(metric: str, vectors: np.ndarray, **config: object):
    db = Database()
    c = db.create_collection({"class": "V", "vectorIndexConfig": {"distance": metric, **config}})
    result = c.insert_many(
        [{"id": generate_uuid5(i), "properties": {}, "vector": v} for i, v in enumerate(vectors)]
    )
    assert result.ok
    return c


@pytest.mark.parametrize("metric", ["cosine", "dot", "l2-squared"])
def test_hnsw_agrees_with_the_exact_oracle(metric: str) -> None:
    data = clustered(3000, 32, seed=1)
    queries = clustered(60, 32, seed=2)
    c = _collection(metric, data)
    assert c.vectors.hnsw is not None and len(c.vectors.hnsw) == 3000
    oracle = FlatIndex(metric)
    oracle.add(np.arange(3000), data)
    found = 0
    for q in queries:
        got = vector_hits(c, q, 10)
        want_ids, want_dist = oracle.search(q, 10)
        found += len({d for d, _ in got} & set(want_ids.tolist()))
        # Every reported distance is the exact metric of that object.
        for doc_id, dist in got:
            assert dist == pytest.approx(reference(metric, data[doc_id], q), rel=1e-4, abs=1e-4)
        assert [d for _, d in got] == sorted(d for _, d in got)
    assert found / (10 * len(queries)) >= 0.95


@pytest.mark.parametrize("metric", ["manhattan", "hamming"])
def test_exact_metrics_through_the_collection(metric: str) -> None:
    data = np.round(clustered(300, 8, seed=3)) if metric == "hamming" else clustered(300, 8, seed=3)
    c = _collection(metric, data)
    assert c.vectors.hnsw is None
    q = data[17]
    got = vector_hits(c, q, 5)
    assert got[0] == (c.doc_id_of(generate_uuid5(17)), 0.0) or got[0][1] == 0.0
    want = sorted((reference(metric, data[i], q), generate_uuid5(i)) for i in range(300))[:5]
    assert [pytest.approx(d) for d, _ in want] == [d for _, d in got]


def test_hnsw_build_is_deterministic() -> None:
    data = clustered(1500, 16, seed=4)
    a, b = _collection("cosine", data), _collection("cosine", data)
    for q in clustered(20, 16, seed=5):
        assert vector_hits(a, q, 10) == vector_hits(b, q, 10)


def test_filtered_search_exact_and_hnsw_paths() -> None:
    data = clustered(2000, 16, seed=6)
    c = _collection("l2-squared", data)
    oracle = FlatIndex("l2-squared")
    oracle.add(np.arange(2000), data)
    rng = np.random.default_rng(7)
    hits = total = 0
    for q in clustered(20, 16, seed=8):
        allow = np.sort(rng.choice(2000, size=600, replace=False))
        want = oracle.search(q, 10, allow)[0].tolist()
        got_exact = vector_hits(c, q, 10, allow, exact=True)
        got_graph = vector_hits(c, q, 10, allow)  # through hnswlib's filter
        assert [d for d, _ in got_exact] == want
        assert all(d in set(allow.tolist()) for d, _ in got_graph)
        hits += len({d for d, _ in got_graph} & set(want))
        total += 10
    assert hits / total >= 0.95


def test_k_is_clamped_and_hnswlib_never_raises() -> None:
    data = clustered(200, 8, seed=9)
    c = _collection("cosine", data)
    q = data[0]
    assert len(vector_hits(c, q, 500)) == 200
    allow = np.array([5, 9, 11, 13], dtype=np.int64)
    assert sorted(d for d, _ in vector_hits(c, q, 50, allow)) == [5, 9, 11, 13]  # hnswlib's filter
    assert [d for d, _ in vector_hits(c, q, 50, np.array([7]))] == [7]
    assert vector_hits(c, q, 10, np.array([], dtype=np.int64)) == []
    assert vector_hits(c, q, 0) == []
    for i in range(0, 200, 2):
        c.delete(generate_uuid5(i))
    got = vector_hits(c, q, 150)
    assert len(got) == 100 and all(
        c.uuid_of(d) in {generate_uuid5(i) for i in range(1, 200, 2)} for d, _ in got
    )
    gone = vector_hits(c, q, 10, np.arange(0, 200, 2))
    assert gone == []  # every allowed id was deleted


def test_ties_are_broken_by_uuid() -> None:
    db = Database()
    c = db.create_collection({"class": "T", "vectorIndexConfig": {"distance": "dot"}})
    ids = [generate_uuid5(f"t{i}") for i in range(12)]
    c.insert_many([{"id": u, "properties": {}, "vector": [1.0, 0.0]} for u in ids])
    got = vector_hits(c, [1.0, 0.0], 12)
    assert [c.uuid_of(d) for d, _ in got] == sorted(ids)
    assert {d for _, d in got} == {-1.0}


def test_max_distance_and_k_none() -> None:
    c = _collection("l2-squared", np.array([[0.0], [1.0], [2.0], [3.0]], dtype=np.float32))
    assert [d for _, d in vector_hits(c, [0.0], None, max_distance=4.0)] == [0, 1, 4]
    assert [d for _, d in vector_hits(c, [0.0], 2, max_distance=4.0)] == [0, 1]
    assert len(vector_hits(c, [0.0], None)) == 4
    assert [d for _, d in vector_hits(c, [0.0], None, allow=np.array([1, 3]))] == [1, 9]


def test_query_vector_checks() -> None:
    c = _collection("cosine", clustered(10, 4))
    with pytest.raises(SearchError, match="3 vs 4: vector lengths don't match"):
        vector_hits(c, [1, 2, 3], 5)
    with pytest.raises(SearchError, match="NaN"):
        vector_hits(c, [1, 2, 3, float("nan")], 5)
    with pytest.raises(SearchError, match="flat list"):
        vector_hits(c, [[1, 2, 3, 4]], 5)
    empty = Database().create_collection({"class": "E"})
    assert vector_hits(empty, [1, 2], 3) == []


def test_dot_distances_through_hnsw_are_negative_products() -> None:
    data = clustered(500, 8, seed=10)
    c = _collection("dot", data)
    q = data[3]
    for doc_id, dist in vector_hits(c, q, 10):
        assert dist == pytest.approx(-float(data[doc_id] @ q), rel=1e-5, abs=1e-4)


def test_flat_vector_index_type() -> None:
    c = _collection("cosine", clustered(100, 4), ef=64)
    assert c.vectors.hnsw is not None
    db = Database()
    flat = db.create_collection({"class": "F", "vectorIndexType": "flat"})
    flat.insert_many([{"properties": {}, "vector": v} for v in clustered(50, 4)])
    assert flat.vectors.hnsw is None and len(vector_hits(flat, [1, 0, 0, 0], 5)) == 5


def test_updates_reuse_hnsw_slots() -> None:
    data = clustered(100, 8, seed=11)
    c = _collection("cosine", data)
    for round_ in range(5):
        for i in range(100):
            c.update(generate_uuid5(i), vector=data[(i + round_) % 100])
    assert len(c.vectors.hnsw) == 100
    assert c.vectors.hnsw._index.get_max_elements() <= 1024
    top = vector_hits(c, data[0], 1)[0]
    assert top[1] == pytest.approx(0.0, abs=1e-5)


def test_search_uses_weaviates_dynamic_ef() -> None:
    c = _collection("cosine", clustered(300, 8, seed=12))
    q = clustered(1, 8, seed=13)[0]
    for k, ef in ((1, 100), (13, 104), (40, 320), (80, 500), (290, 500)):
        vector_hits(c, q, k)
        assert c.vectors.hnsw._current_ef == ef == dynamic_ef(k)
    fixed = _collection("cosine", clustered(300, 8, seed=12), ef=64)
    vector_hits(fixed, q, 10)
    assert fixed.vectors.hnsw._current_ef == 64


def test_filter_feeds_vector_search() -> None:
    from rankql.dsl.ast import Where

    db = Database()
    c = db.create_collection({"class": "W", "properties": [{"name": "n", "dataType": ["int"]}]})
    data = clustered(100, 8, seed=14)
    c.insert_many([{"properties": {"n": i}, "vector": v} for i, v in enumerate(data)])
    allow = c.filter(Where(operator="LessThan", path=["n"], value_type="valueInt", value=10))
    assert sorted(c.properties_of(d)["n"] for d in allow) == list(range(10))
    hits = vector_hits(c, data[50], 5, allow)
    assert len(hits) == 5 and all(c.properties_of(d)["n"] < 10 for d, _ in hits)


@pytest.mark.parametrize("metric", ["cosine", "dot", "l2-squared"])
def test_a_filter_never_changes_a_docs_exact_distance(metric: str) -> None:
    """Exact search over most of the matrix takes one product over all of it, then the allowed rows; a
    few allowed rows are gathered first. Either way each distance is the formula's, and with most rows
    allowed it is the same float32 as without a filter (both take the whole product)."""
    rng = np.random.default_rng(12)
    data = rng.normal(size=(900, 384)).astype(np.float32)
    flat = FlatIndex(metric)
    flat.add(np.arange(900), data)
    for q in rng.normal(size=(5, 384)).astype(np.float32):
        all_ids, all_dist = flat.search(q, None)
        everything = dict(zip(all_ids.tolist(), all_dist.tolist(), strict=True))
        for allowed in (np.sort(rng.choice(900, 600, replace=False)), np.array([3, 77, 512])):
            ids, dist = flat.search(q, None, allowed)
            assert sorted(ids.tolist()) == allowed.tolist()
            for doc, d in zip(ids.tolist(), dist.tolist(), strict=True):
                assert d == pytest.approx(reference(metric, data[doc], q), rel=1e-4, abs=1e-4)
                if len(allowed) * 8 >= flat.state()["vectors"].shape[0]:
                    assert d == everything[doc]


@pytest.mark.parametrize("index_type", ["flat", "hnsw"])
def test_a_vector_of_huge_values_is_stored_and_searched_without_numpy_warnings(index_type: str) -> None:
    import warnings

    db = Database()
    c = db.create_collection({"class": "V", "vectorIndexType": index_type})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow RuntimeWarning must not reach the user
        c.insert({"properties": {}, "vector": [3e38, 3e38, 1.0]})
        c.insert({"properties": {}, "vector": [1.0, 2.0, 1.0]})
        answer = db.query("{ Get { V(nearVector: {vector: [1, 1, 1]}) { _additional { distance } } } }")
    distances = [hit["_additional"]["distance"] for hit in answer["data"]["Get"]["V"]]
    assert distances[1] == 1.0 and 0 < distances[0] < 0.1  # an infinite norm: cosine 0, distance 1
