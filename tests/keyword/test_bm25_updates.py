"""Incremental writes equal a rebuild; save/load round-trips and refuses damaged files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kw_reference import reference_bm25f
from rankql.runtime.errors import StorageError
from rankql.runtime.store.bm25 import Bm25Index
from rankql.runtime.store.bm25_persist import load_bm25, save_bm25
from rankql.runtime.store.bm25_postings import FieldPostings

WORDS = ["sun", "moon", "star", "the", "sky", "Night", "day"]
FIELDS = {"title": "word", "body": "lowercase", "tags": "word"}
QUERIES = ["sun", "moon star", "night sky sun", "day day", "the sky"]

text = st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join)
obj = st.fixed_dictionaries({}, optional={"title": text, "body": text, "tags": st.lists(text, max_size=3)})
op = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 30), obj),
    st.tuples(st.just("remove"), st.integers(0, 30), st.none()),
    st.tuples(st.just("bulk"), st.integers(0, 30), st.lists(st.tuples(st.integers(0, 30), obj), max_size=80)),
)


def results(index: Bm25Index) -> list:
    out = []
    for query in QUERIES:
        for props in (None, [("title", 2.0), ("tags", 1.0)], [("body", 1.0)]):
            ids, scores, explains = index.search(query, props, explain=True)
            out.append((ids.tolist(), scores.tolist(), explains))
    return out


def forward_terms(index: Bm25Index) -> dict:
    """Each field's forward index as {doc: sorted terms} (terms by name: ids depend on arrival order)."""
    out = {}
    for name, field in index.fields.items():
        names = list(field.vocab)
        docs = {}
        for doc in range(index.size):
            terms = field.terms_of(doc)
            if terms is not None:
                docs[doc] = sorted(names[t] for t in terms.tolist())
        indptr, flat = field.forward(index.size)  # the persisted form says the same
        assert {d: sorted(names[t] for t in flat[indptr[d] : indptr[d + 1]].tolist()) for d in docs} == docs
        assert int(indptr[-1]) == sum(len(t) for t in docs.values())
        out[name] = docs
    return out


@pytest.fixture
def tiny_compaction(monkeypatch):
    """Compact after a handful of postings, so the tests cross the frozen/delta boundary often."""
    monkeypatch.setattr(FieldPostings, "MIN_DELTA", 3)


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(op, max_size=25))
def test_incremental_writes_equal_a_rebuild(ops) -> None:
    original = FieldPostings.MIN_DELTA
    FieldPostings.MIN_DELTA = 3  # the fixture cannot wrap each hypothesis example
    try:
        index = Bm25Index(FIELDS)
        state: dict[int, dict] = {}
        for kind, doc, payload in ops:
            if kind == "add":
                index.add(doc, payload)
                state[doc] = payload
            elif kind == "remove":
                index.remove(doc)
                state.pop(doc, None)
            else:
                index.add_many(payload)
                state.update(dict(payload))
        rebuilt = Bm25Index(FIELDS)
        for doc in sorted(state):
            rebuilt.add(doc, state[doc])
        assert len(index) == len(state) == len(rebuilt)
        assert forward_terms(index) == forward_terms(rebuilt)
        got = results(index)
        assert got == results(rebuilt)
        if state:
            ids, scores, _ = index.search("night sky sun", [("title", 2.0), ("tags", 1.0)])
            want = reference_bm25f(state, FIELDS, "night sky sun", {"title": 2.0, "tags": 1.0})
            assert dict(zip(ids.tolist(), scores.tolist(), strict=True)) == pytest.approx(want, rel=1e-5)
    finally:
        FieldPostings.MIN_DELTA = original


def test_update_replaces_old_text(tiny_compaction) -> None:
    index = Bm25Index({"body": "word"})
    for doc in range(10):
        index.add(doc, {"body": f"filler{doc} common"})
    index.add(3, {"body": "fresh"})
    assert index.search("filler3", None)[0].tolist() == []
    assert index.search("fresh", None)[0].tolist() == [3]
    index.remove(3)
    assert index.search("fresh", None)[0].tolist() == []
    assert len(index) == 9


def test_bulk_add_equals_single_adds() -> None:
    objects = [(d, {"title": " ".join(WORDS[: 1 + d % 7]), "tags": [WORDS[d % 7]]}) for d in range(300)]
    bulk, single = Bm25Index(FIELDS), Bm25Index(FIELDS)
    bulk.add_many(objects)
    for doc, props in objects:
        single.add(doc, props)
    assert results(bulk) == results(single)


def test_save_load_round_trip(tmp_path, tiny_compaction) -> None:
    index = Bm25Index({"title": "word", "code": "field"}, k1=1.5, b=0.5)
    for doc in range(20):
        index.add(doc, {"title": f"word{doc % 4} shared", "code": f"C-{doc % 3}"})
    index.remove(5)
    index.add(25, {"title": "late arrival"})
    save_bm25(index, tmp_path)
    loaded = load_bm25(tmp_path)
    assert (loaded.k1, loaded.b, len(loaded)) == (1.5, 0.5, 20)
    for query in ("word1 shared", "late", "C-2"):
        a, b = index.search(query, None, explain=True), loaded.search(query, None, explain=True)
        assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist() and a[2] == b[2]
    loaded.add(30, {"title": "word1"})  # still writable after a load
    loaded.remove(0)
    assert 30 in loaded.search("word1", None)[0].tolist()


def test_load_refuses_damage(tmp_path) -> None:
    index = Bm25Index({"title": "word"})
    index.add(0, {"title": "hello"})
    save_bm25(index, tmp_path)
    with pytest.raises(StorageError, match="missing"):
        load_bm25(tmp_path / "nowhere")
    (tmp_path / "bm25.npz").write_bytes(b"not a zip file")
    with pytest.raises(StorageError, match="damaged"):
        load_bm25(tmp_path)
    save_bm25(index, tmp_path)
    meta = json.loads((tmp_path / "bm25.json").read_text())
    meta["fields"][0]["vocab"] = []
    (tmp_path / "bm25.json").write_text(json.dumps(meta))
    with pytest.raises(StorageError, match="damaged"):
        load_bm25(tmp_path)
    (tmp_path / "bm25.json").write_text('{"format": "something-else"}')
    with pytest.raises(StorageError, match="not a rankql keyword index"):
        load_bm25(tmp_path)


def test_load_never_unpickles(tmp_path) -> None:
    index = Bm25Index({"title": "word"})
    index.add(0, {"title": "hello"})
    save_bm25(index, tmp_path)
    arrays = dict(np.load(tmp_path / "bm25.npz"))
    arrays["alive"] = np.array([object()], dtype=object)
    np.savez(tmp_path / "bm25.npz", **arrays)
    with pytest.raises(StorageError, match="damaged"):
        load_bm25(tmp_path)
