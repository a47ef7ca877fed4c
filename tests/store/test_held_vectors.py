"""Exact vectors held in the HNSW graph's records: bit-for-bit vectors, exact search against a FlatIndex
oracle, the in-place reading refused where it cannot be trusted, copies that do not share later writes."""

from __future__ import annotations

import hnswlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rankql.runtime import Database
from rankql.runtime.store import graph_memory, held_vectors
from rankql.runtime.store.flat import FlatIndex
from rankql.runtime.store.held_vectors import GraphHeldIndex
from rankql.runtime.store.snapshot import snapshot
from rankql.runtime.store.vector_stage import stage_vectors
from rankql.runtime.store.vectors import VectorIndex

METRICS = ("cosine", "dot", "l2-squared")
DIM = 12

# Rows of every kind the store must rebuild: ordinary, zero, tiny, huge (norm overflows float32), repeated.
row = st.one_of(
    st.lists(st.floats(-10, 10, width=32), min_size=DIM, max_size=DIM),
    st.just([0.0] * DIM),
    st.lists(st.integers(-1000, 1000).map(lambda i: i * 1e-15), min_size=DIM, max_size=DIM),
    # Squares that underflow float32: no direction (cosine distance 1), where hnswlib scales by 1e30.
    st.lists(st.integers(-9, 9).map(lambda i: i * 1e-25), min_size=DIM, max_size=DIM),
    st.lists(st.sampled_from([3e38, -3e38, 1.0]), min_size=DIM, max_size=DIM),
)
step = st.one_of(
    st.tuples(st.just("add"), st.lists(row, min_size=1, max_size=40)),
    st.tuples(st.just("remove"), st.lists(st.integers(0, 200), max_size=10)),
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(METRICS), st.lists(step, min_size=1, max_size=8), row)
def test_held_vectors_come_back_bit_for_bit_and_search_as_the_exact_oracle(
    metric: str, steps: list, query: list
) -> None:
    index = VectorIndex({"distance": metric})
    oracle = FlatIndex(metric, DIM)
    expected: dict[int, np.ndarray] = {}
    next_id = 0
    for kind, payload in steps:
        if kind == "add":
            rows = np.array(payload, np.float32)
            ids = np.arange(next_id, next_id + len(rows))
            next_id += len(rows)
            index.add(ids, rows)
            oracle.add(ids, rows)
            expected.update(zip(ids.tolist(), rows, strict=True))
        else:
            gone = np.array([d for d in set(payload) if d in expected], np.int64)
            index.remove(gone)
            oracle.remove(gone)
            for d in gone.tolist():
                expected.pop(d)
    if index.hnsw is None:
        return  # nothing was ever added
    held = index.flat
    assert isinstance(held, GraphHeldIndex)
    assert len(held) == len(expected)
    for doc_id, want in expected.items():
        assert held.vector(doc_id).view(np.uint32).tolist() == want.view(np.uint32).tolist()
    state = held.state()
    assert sorted(np.flatnonzero(state["live"]).tolist()) == sorted(expected)
    for doc_id, want in expected.items():
        assert np.array_equal(state["vectors"][doc_id].view(np.uint32), want.view(np.uint32))
    q = np.array(query, np.float32)
    allow = np.array(sorted(expected)[::2], np.int64)
    for allowed in (None, allow):
        ids, dist = held.search(q, None, allowed)
        want_ids, want_dist = oracle.search(q, None, allowed)
        assert sorted(ids.tolist()) == sorted(want_ids.tolist())
        if metric == "cosine":  # normalised first, as Weaviate and the graph do: the last bits may differ
            assert np.allclose(np.sort(dist), np.sort(want_dist), atol=1e-5)
        elif np.isfinite(want_dist).all() and np.isfinite(dist).all():
            # The same vectors, summed in another order by a product over every record: equal up to
            # float32 rounding of the terms' magnitudes (and where float32 overflows, whether a sum meets
            # infinity first depends on that order too).
            rows = np.array(list(expected.values()), np.float64).reshape(-1, DIM)
            terms = float(((np.abs(rows) + np.abs(q)) ** 2).sum(axis=1).max(initial=0))  # >= |a.b|, |a-b|^2
            got, want = np.sort(dist).astype(np.float64), np.sort(want_dist).astype(np.float64)
            assert np.allclose(got, want, rtol=1e-6, atol=1e-6 * terms)


def test_only_a_small_record_per_vector_is_kept_beside_the_graph() -> None:
    rng = np.random.default_rng(3)
    index = VectorIndex({"distance": "cosine"})
    index.add(np.arange(3000), rng.standard_normal((3000, 384)).astype(np.float32))
    held = index.flat
    assert isinstance(held, GraphHeldIndex)
    kept = sum(getattr(held, name).nbytes for name in ("_live", "_slot", "_kind", "_scale", "_fine"))
    assert kept / len(held._live) < 120  # against 1,541 bytes a row for a second copy
    assert len(held._whole) < 30  # rows kept whole are the rare exception


def test_the_records_read_in_place_are_hnswlibs_own() -> None:
    rng = np.random.default_rng(4)
    graph = hnswlib.Index(space="cosine", dim=DIM)
    graph.init_index(max_elements=100, M=8, allow_replace_deleted=True)
    data = rng.standard_normal((60, DIM)).astype(np.float32)
    graph.add_items(data, np.arange(60) * 7, num_threads=1)  # one thread: records in the order given
    graph.mark_deleted(14)
    vectors, labels, marks = graph_memory.level0(graph, DIM, 8, True)
    assert labels.tolist() == (np.arange(60) * 7).tolist()
    assert (marks & 1).nonzero()[0].tolist() == [2]
    live = labels[(marks & 1) == 0]
    assert np.array_equal(vectors[(marks & 1) == 0], graph.get_items(live, return_type="numpy"))
    with pytest.raises(ValueError):
        vectors[0, 0] = 1  # read-only: the graph is hnswlib's


@pytest.mark.parametrize(
    "call",
    [
        lambda g: graph_memory.level0(g, DIM + 1, 8, True),  # another size than the graph's
        lambda g: graph_memory.level0(g, DIM, 16, True),  # another M
        lambda g: graph_memory.level0(g, DIM, 8, False),  # not normalised, where the graph is
        lambda g: graph_memory.level0(object(), DIM, 8, True),  # not an hnswlib index
    ],
)
def test_a_graph_that_does_not_read_back_as_told_is_not_read(call) -> None:
    graph = hnswlib.Index(space="cosine", dim=DIM)
    graph.init_index(max_elements=10, M=8)
    graph.add_items(np.ones((3, DIM), np.float32), np.arange(3))
    assert call(graph) is None


def test_another_hnswlib_version_keeps_a_copy_and_answers_the_same(monkeypatch) -> None:
    monkeypatch.setattr(graph_memory, "_usable", None)
    monkeypatch.setattr(graph_memory, "_SUPPORTED", "0.0.0")  # as if another hnswlib were installed
    rng = np.random.default_rng(5)
    data = rng.standard_normal((500, DIM)).astype(np.float32)
    copy_kept = VectorIndex({"distance": "cosine"})
    copy_kept.add(np.arange(500), data)
    assert type(copy_kept.flat) is FlatIndex
    assert np.array_equal(copy_kept.flat.vector(7), data[7])
    ids, _ = copy_kept.search(data[3], 5)
    assert ids[0] == 3


def test_a_checkpoint_copy_keeps_its_vectors_while_writes_go_on() -> None:
    rng = np.random.default_rng(6)
    db = Database()
    col = db.create_collection({"class": "Doc", "vectorizer": "none"})
    first = rng.standard_normal((300, DIM)).astype(np.float32)
    assert col.insert_many([{"properties": {}, "vector": v.tolist()} for v in first]).ok
    assert isinstance(col.vectors.flat, GraphHeldIndex)
    frozen = snapshot(col)
    # A big write (a staged graph copy swapped in), a small one in place, and deletions.
    more = rng.standard_normal((400, DIM)).astype(np.float32)
    assert col.insert_many([{"properties": {}, "vector": v.tolist()} for v in more]).ok
    assert col.insert_many([{"properties": {}, "vector": v.tolist()} for v in more[:5]]).ok
    for doc_id in range(0, 300, 3):
        col.delete(col.objects.uuids[doc_id])
    assert len(frozen.vectors.flat) == 300
    for doc_id in range(300):
        assert np.array_equal(frozen.vectors.flat.vector(doc_id), first[doc_id])
    live = col.vectors.flat
    assert isinstance(live, GraphHeldIndex) and live.graph is col.vectors.hnsw
    assert len(live) == 200 + 405
    for doc_id in range(300, 700):
        assert np.array_equal(live.vector(doc_id), more[doc_id - 300])
    for doc_id in range(700, 705):
        assert np.array_equal(live.vector(doc_id), more[doc_id - 700])


def test_a_big_write_does_its_work_before_the_exclusive_step(monkeypatch) -> None:
    rng = np.random.default_rng(7)
    index = VectorIndex({"distance": "cosine"})
    first = rng.standard_normal((300, DIM)).astype(np.float32)
    index.add(np.arange(300), first)
    more = rng.standard_normal((500, DIM)).astype(np.float32)
    publish = stage_vectors(index, np.arange(300, 800), more)
    assert len(index) == 300  # nothing visible yet
    # Inside the exclusive step nothing is encoded any more: only arrays are assigned.
    monkeypatch.setattr(GraphHeldIndex, "_encode", lambda *a: pytest.fail("encoded in the exclusive step"))
    publish()
    assert len(index) == 800 and index.flat.graph is index.hnsw
    for doc_id in (0, 299, 300, 799):
        want = first[doc_id] if doc_id < 300 else more[doc_id - 300]
        assert np.array_equal(index.flat.vector(doc_id), want)


def test_a_store_that_cannot_be_held_on_opening_keeps_its_copy(tmp_path, monkeypatch) -> None:
    rng = np.random.default_rng(8)
    data = rng.standard_normal((200, DIM)).astype(np.float32)
    with Database(tmp_path / "db") as db:
        col = db.create_collection({"class": "Doc", "vectorizer": "none"})
        assert col.insert_many([{"properties": {}, "vector": v.tolist()} for v in data]).ok

    def out_of_memory(*args):
        raise MemoryError

    monkeypatch.setattr(GraphHeldIndex, "holding", out_of_memory)
    with Database(tmp_path / "db") as db:
        col = db.collection("Doc")
        assert type(col.vectors.flat) is FlatIndex  # holding is a saving, not a condition of opening
        assert np.array_equal(col.vectors.flat.vector(5), data[5])
        ids, _ = col.vectors.search(data[9], 3)
        assert ids[0] == 9


def test_records_deleted_before_a_store_is_made_are_refilled_without_a_full_scan(monkeypatch) -> None:
    rng = np.random.default_rng(9)
    data = rng.standard_normal((400, DIM)).astype(np.float32)
    index = VectorIndex({"distance": "cosine"})
    index.add(np.arange(300), data[:300])
    index.remove(np.arange(0, 300, 3))
    # A store made over a graph that already has deleted records (as on opening a saved folder).
    plain = FlatIndex("cosine", DIM)
    plain.add(index.flat.live_ids(), index.flat.rows(index.flat.live_ids()))
    held = GraphHeldIndex.holding(plain, index.hnsw)
    assert held is not None and len(held._freed) == 100
    index.flat = held
    searched = []
    real = held_vectors._find
    monkeypatch.setattr(held_vectors, "_find", lambda *a: searched.append(1) or real(*a))
    index.add(np.arange(300, 350), data[300:350])  # refills deleted records
    assert len(searched) == 1  # found among the freed records, not by the scan of every record
    for doc_id in range(300, 350):
        assert np.array_equal(held.vector(doc_id), data[doc_id])


def test_a_big_write_that_fails_in_its_exclusive_step_changes_nothing(monkeypatch) -> None:
    rng = np.random.default_rng(10)
    index = VectorIndex({"distance": "cosine"})
    index.add(np.arange(300), rng.standard_normal((300, DIM)).astype(np.float32))
    graph, held = index.hnsw, index.flat
    publish = stage_vectors(index, np.arange(300, 2000), rng.standard_normal((1700, DIM)).astype(np.float32))

    def out_of_memory(*args):
        raise MemoryError

    monkeypatch.setattr(GraphHeldIndex, "_grow", out_of_memory)
    with pytest.raises(MemoryError):
        publish()
    assert index.hnsw is graph and held.graph is graph and len(held) == 300
    monkeypatch.undo()
    more = rng.standard_normal((5, DIM)).astype(np.float32)
    index.add(np.arange(2000, 2005), more)  # the store and its graph still agree
    assert len(index.hnsw) == len(held) == 305
    assert np.array_equal(held.vector(2003), more[3])
