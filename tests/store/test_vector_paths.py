"""The HNSW build's thread count, the stores' growth, and the post-filtered graph search against exact."""

from __future__ import annotations

import numpy as np
import pytest
from rankql.runtime import Database, generate_uuid5
from rankql.runtime.store import hnsw as hnsw_module
from rankql.runtime.store.flat import FlatIndex
from rankql.runtime.store.hnsw import HnswIndex, build_threads
from rankql.runtime.store.thresholds import GROWTH, PARALLEL_BUILD_ROWS, postfilter_wins

from .conftest import clustered
from .shapes import vector_hits


def _collection(vectors: np.ndarray, metric: str = "cosine"):
    c = Database().create_collection({"class": "V", "vectorIndexConfig": {"distance": metric}})
    rows = [{"id": generate_uuid5(i), "properties": {}, "vector": v} for i, v in enumerate(vectors)]
    assert c.insert_many(rows).ok
    return c


def test_threads_follow_the_setting_then_the_batch_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANKQL_HNSW_THREADS", "3")
    assert build_threads(10) == 3 and build_threads(10**6) == 3
    monkeypatch.setenv("RANKQL_HNSW_THREADS", "many")
    with pytest.raises(ValueError, match="RANKQL_HNSW_THREADS must be a whole number"):
        build_threads(10)
    monkeypatch.delenv("RANKQL_HNSW_THREADS")
    assert build_threads(PARALLEL_BUILD_ROWS - 1) == 1
    monkeypatch.setattr(hnsw_module.os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    assert build_threads(PARALLEL_BUILD_ROWS) == 4


def test_a_parallel_build_finds_what_exact_search_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RANKQL_HNSW_THREADS")
    used = []
    real = hnsw_module.build_threads
    monkeypatch.setattr(
        hnsw_module, "build_threads", lambda rows: used.append(max(2, real(rows))) or used[-1]
    )
    data = clustered(3000, 32, seed=11)
    c = _collection(data)
    assert used and used[0] >= 2  # one batch of 3000: built on several threads
    oracle = FlatIndex("cosine")
    oracle.add(np.arange(3000), data)
    found = 0
    for q in clustered(40, 32, seed=12):
        want = oracle.search(q, 10)[0].tolist()
        found += len({d for d, _ in vector_hits(c, q, 10)} & set(want))
    assert found / 400 >= 0.95


def test_one_thread_builds_the_same_graph_each_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RANKQL_HNSW_THREADS", "1")
    data = clustered(2500, 16, seed=13)  # past PARALLEL_BUILD_ROWS: the setting, not the size, decides
    a, b = _collection(data), _collection(data)
    for q in clustered(20, 16, seed=14):
        assert vector_hits(a, q, 10) == vector_hits(b, q, 10)


def test_capacity_grows_by_a_quarter_not_double() -> None:
    flat = FlatIndex("cosine", 4)
    graph = HnswIndex("cosine", 4)
    for start in range(0, 1200, 100):  # past 1024, within 1280
        ids = np.arange(start, start + 100)
        vectors = np.ones((100, 4), np.float32)
        flat.add(ids, vectors)
        graph.add(ids, vectors)
    assert flat.state()["vectors"].shape[0] == int(1024 * GROWTH)
    assert graph._index.get_max_elements() == int(1024 * GROWTH)


def test_the_share_rule() -> None:
    assert postfilter_wins(100, 1000) and not postfilter_wins(10, 1000) and not postfilter_wins(0, 0)


@pytest.mark.parametrize("share", [0.1, 0.03])  # post-filtered, and hnswlib's filter
def test_filtered_graph_search_matches_exact(share: float) -> None:
    data = clustered(4000, 16, seed=15)
    c = _collection(data, "l2-squared")
    rng = np.random.default_rng(16)
    hits = 0
    queries = clustered(30, 16, seed=17)
    for q in queries:
        allow = np.sort(rng.choice(4000, size=int(4000 * share), replace=False))
        want = c.vectors.flat.search(q, 10, allow)[0].tolist()
        got = vector_hits(c, q, 10, allow)
        assert len(got) == 10 and set(d for d, _ in got) <= set(allow.tolist())
        assert [d for _, d in got] == sorted(d for _, d in got)
        hits += len({d for d, _ in got} & set(want))
    assert hits / (10 * len(queries)) >= 0.95


def test_post_filter_widens_then_hands_the_filter_to_hnswlib() -> None:
    # The allowed are the cluster farthest from the query: the first unfiltered pages hold none of them.
    near = np.zeros((3000, 8), np.float32)
    near[:, 0] = np.linspace(0, 1, 3000)
    far = np.zeros((300, 8), np.float32)
    far[:, 0] = 100 + np.linspace(0, 1, 300)
    c = _collection(np.vstack([near, far]), "l2-squared")
    allow = np.arange(3000, 3300)
    assert postfilter_wins(len(allow), 3300)
    got = vector_hits(c, np.zeros(8, np.float32), 5, allow)
    assert [d for d, _ in got] == c.vectors.flat.search(np.zeros(8, np.float32), 5, allow)[0].tolist()


def test_post_filter_orders_exact_ties_by_uuid() -> None:
    c = Database().create_collection({"class": "T", "vectorIndexConfig": {"distance": "dot"}})
    rows = [{"id": generate_uuid5(f"t{i}"), "properties": {}, "vector": [1.0, 0.0]} for i in range(60)]
    rows += [{"id": generate_uuid5(f"o{i}"), "properties": {}, "vector": [0.0, 1.0]} for i in range(60)]
    assert c.insert_many(rows).ok
    allow = np.array(sorted(c.doc_id_of(generate_uuid5(f"t{i}")) for i in range(0, 60, 2)))
    got = vector_hits(c, [1.0, 0.0], 5, allow)
    want = sorted(generate_uuid5(f"t{i}") for i in range(0, 60, 2))[:5]
    assert [c.uuid_of(d) for d, _ in got] == want
