"""One Database shared by threads: queries see one moment (no object deleted before they started, no
duplicate, no half batch, no internal error) while a writer and a checkpointer run beside them."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from rankql.runtime import Database, StorageError, generate_uuid5

from .conftest import clustered

DIM = 16
BATCH = 300  # big enough for the staged HNSW path (a private copy swapped in)
SMALL = 7  # inserted in place
ROUNDS = 6  # writer rounds: a batch, a delete and an update each
DEFINITION = {
    "class": "Item",
    "properties": [
        {"name": "title", "dataType": ["text"]},
        {"name": "batch", "dataType": ["int"]},
        {"name": "rev", "dataType": ["int"]},
    ],
}
LIST = "{ Get { Item(limit: 10000) { batch rev _additional { id } } } }"
NEAR = "{ Get { Item(nearVector: {vector: %s}, limit: 40) { batch _additional { id } } } }"
BM25 = '{ Get { Item(bm25: {query: "common"}, limit: 60) { batch _additional { id } } } }'
HYBRID = '{ Get { Item(hybrid: {query: "common", vector: %s}, limit: 30) { batch _additional { id } } } }'


def _batch(tag: int, size: int, seed: int) -> list[dict]:
    vectors = clustered(size, DIM, seed=seed)
    return [
        {
            "id": generate_uuid5(f"{tag}-{i}"),
            "properties": {"title": f"common item {i} of {tag}", "batch": tag, "rev": 0},
            "vector": vectors[i],
        }
        for i in range(size)
    ]


class History:
    """What the writer finished, and when: the facts every later query must agree with."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deleted: dict[str, float] = {}  # uuid -> when its delete returned
        self.sizes: dict[int, int] = {0: 1000}  # batch tag -> objects inserted together

    def deleted_before(self, moment: float) -> set[str]:
        with self.lock:
            return {u for u, t in self.deleted.items() if t < moment}


def _writer(db: Database, history: History, stop: threading.Event, errors: list) -> None:
    c = db.collection("Item")
    try:
        for tag in range(1, ROUNDS + 1):
            size = BATCH if tag % 3 == 1 else SMALL
            with history.lock:
                history.sizes[tag] = size
            assert c.insert_many(_batch(tag, size, seed=tag)).ok
            victim = generate_uuid5(f"0-{tag}")
            assert c.delete(victim)
            with history.lock:
                history.deleted[victim] = time.perf_counter()
            c.update(generate_uuid5(f"0-{500 + tag % 100}"), {"rev": tag})
    except Exception as exc:  # noqa: BLE001 - reported by the test
        errors.append(f"writer: {exc!r}")
    finally:
        stop.set()  # the readers and the checkpointer stop with the writer


def _checkpointer(db: Database, stop: threading.Event, errors: list) -> None:
    try:
        while not stop.is_set():
            db.save()
            time.sleep(0.5)
    except Exception as exc:  # noqa: BLE001
        errors.append(f"checkpointer: {exc!r}")


def _check_answer(answer: dict, started: float, history: History, whole: bool) -> None:
    assert "errors" not in answer, answer.get("errors")
    rows = answer["data"]["Get"]["Item"]
    ids = [r["_additional"]["id"] for r in rows]
    assert len(ids) == len(set(ids)), "a query returned the same object twice"
    gone = history.deleted_before(started) & set(ids)
    assert not gone, f"a query returned objects deleted before it started: {sorted(gone)[:3]}"
    if whole:  # the full listing: every batch is there whole or not at all
        counts: dict[int, int] = {}
        for r in rows:
            counts[r["batch"]] = counts.get(r["batch"], 0) + 1
        with history.lock:
            sizes = dict(history.sizes)
        for tag, count in counts.items():
            if tag:
                assert count == sizes[tag], f"batch {tag}: {count} of {sizes[tag]} objects visible"


def _reader(db: Database, history: History, stop: threading.Event, errors: list, seed: int) -> None:
    rng = np.random.default_rng(seed)
    done = 0
    try:
        while not stop.is_set() or done < 3:
            vector = str(clustered(1, DIM, seed=int(rng.integers(1000)))[0].tolist())
            for text, whole in (
                (LIST, True),
                (NEAR % vector, False),
                (BM25, False),
                (HYBRID % vector, False),
            ):
                started = time.perf_counter()
                _check_answer(db.query(text), started, history, whole)
            done += 1
    except Exception as exc:  # noqa: BLE001
        errors.append(f"reader: {exc!r}")


def test_readers_writer_and_checkpointer_share_one_database(tmp_path: Path) -> None:
    path = tmp_path / "db"
    db = Database(path)
    db.create_collection(DEFINITION).insert_many(_batch(0, 1000, seed=0))
    history = History()
    stop = threading.Event()
    errors: list[str] = []
    threads = [
        threading.Thread(target=_reader, args=(db, history, stop, errors, s), daemon=True) for s in range(3)
    ]
    threads += [  # daemon threads: a hang fails the test below instead of blocking pytest's exit
        threading.Thread(target=_writer, args=(db, history, stop, errors), daemon=True),
        threading.Thread(target=_checkpointer, args=(db, stop, errors), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    assert not errors, errors
    assert len(history.deleted) == ROUNDS
    c = db.collection("Item")
    expected = {c.uuid_of(d): c.properties_of(d) for d in c.live_ids()}
    assert len(c.vectors) == len(c) == len(c.bm25)
    db._folder.close()  # a crash after the last write: the last checkpoint plus the log bring it back
    with Database(path) as reopened:
        c = reopened.collection("Item")
        assert {c.uuid_of(d): c.properties_of(d) for d in c.live_ids()} == expected
        assert len(c.vectors) == len(c) == len(c.bm25)


def test_a_query_in_flight_sees_no_write_that_started_after_it(tmp_path: Path) -> None:
    db = Database()
    c = db.create_collection(DEFINITION)
    c.insert_many(_batch(0, 10, seed=0))
    committed = threading.Event()

    def write() -> None:
        c.insert_many(_batch(1, BATCH, seed=1))
        committed.set()

    with db.read_view():  # what the engine holds for the length of one query
        writer = threading.Thread(target=write)
        writer.start()
        # The writer checks, stages its vectors and logs meanwhile, but cannot make them visible.
        assert not committed.wait(1.0)
        assert len(c) == 10 and len(db.query(LIST)["data"]["Get"]["Item"]) == 10
    writer.join(timeout=60)
    assert committed.is_set() and len(db.query(LIST)["data"]["Get"]["Item"]) == 10 + BATCH


def test_staged_and_in_place_hnsw_inserts_find_every_vector() -> None:
    db = Database()
    c = db.create_collection(DEFINITION)
    batches = [_batch(0, BATCH, seed=0), _batch(1, BATCH, seed=1), _batch(2, SMALL, seed=2)]
    graphs = []
    for batch in batches:  # a new graph built aside, a copy swapped in, then an insertion in place
        assert c.insert_many(batch).ok
        graphs.append(c.vectors.hnsw)
    assert graphs[0] is not graphs[1] and graphs[1] is graphs[2]
    assert len(c.vectors.hnsw) == len(c) == 2 * BATCH + SMALL
    for batch in batches:
        for obj in batch[:: max(1, len(batch) // 20)]:
            doc = c.doc_id_of(obj["id"])
            assert c.vector_search(obj["vector"], 1)[0][0] == doc


def test_a_write_inside_a_query_is_refused_while_another_write_waits() -> None:
    db = Database()
    c = db.create_collection(DEFINITION)
    c.insert_many(_batch(0, 10, seed=0))
    other = threading.Thread(target=c.insert_many, args=(_batch(1, SMALL, seed=1),), daemon=True)
    outcome: list[str] = []

    def query_then_write() -> None:
        with db.read_view():
            other.start()
            time.sleep(0.3)  # the other write now holds the writer's turn and waits for this query
            try:
                c.insert_many(_batch(2, SMALL, seed=2))
                outcome.append("accepted")
            except StorageError as exc:
                outcome.append(str(exc))

    reader = threading.Thread(target=query_then_write, daemon=True)
    reader.start()
    reader.join(timeout=30)
    assert not reader.is_alive(), "the write inside the query deadlocked"
    assert "inside a query" in outcome[0]
    other.join(timeout=30)
    assert not other.is_alive() and len(c) == 10 + SMALL


def test_writes_after_close_are_refused(tmp_path: Path) -> None:
    db = Database(tmp_path / "db")
    c = db.create_collection(DEFINITION)
    db.close()
    with pytest.raises(StorageError, match="closed"):
        c.insert_many(_batch(0, 3, seed=0))
    with pytest.raises(StorageError, match="closed"):
        c.delete(generate_uuid5("0-0"))
    with Database(tmp_path / "db") as reopened:
        assert len(reopened.collection("Item")) == 0


class _HeldReranker:
    """Scores by the length of the document; its first call waits until the test lets it go."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls: list[list[str]] = []

    def score(self, query: str, documents: list[str]) -> list[float]:
        self.calls.append(list(documents))
        if len(self.calls) == 1:
            self.entered.set()
            self.release.wait(60)
        return [float(len(d)) for d in documents]


RERANKED = (
    '{ Get { Item(bm25: {query: "common"}, limit: 5) { title '
    '_additional { rerank(property: "title", query: "q") { score } } } } }'
)


def _reranked_db() -> tuple[Database, _HeldReranker]:
    db = Database()
    reranker = _HeldReranker()
    db.register_reranker("held", reranker)
    db.create_collection({**DEFINITION, "moduleConfig": {"held": {}}})
    db["Item"].insert_many(_batch(0, 4, seed=0))
    return db, reranker


def test_a_write_does_not_wait_for_a_rerank_call_and_the_answer_is_of_one_moment() -> None:
    db, reranker = _reranked_db()
    answers: list[dict] = []
    query = threading.Thread(target=lambda: answers.append(db.query(RERANKED)), daemon=True)
    query.start()
    assert reranker.entered.wait(30)
    longest = {"properties": {"title": "common and by far the longest title", "batch": 9, "rev": 0}}
    writer = threading.Thread(target=db["Item"].insert, args=(longest,), daemon=True)
    writer.start()
    writer.join(timeout=30)
    written = not writer.is_alive()
    reranker.release.set()  # let the query go whatever happened, so that no thread is left waiting
    query.join(timeout=30)
    assert written, "the insert waited for the rerank call"
    rows = answers[0]["data"]["Get"]["Item"]
    assert rows[0]["title"] == longest["properties"]["title"]  # run again on the database as it is now
    assert rows == db.query(RERANKED)["data"]["Get"]["Item"]
    assert reranker.calls[1] == [longest["properties"]["title"]]  # the others came from the score cache


def test_a_rerank_inside_a_callers_read_view_keeps_the_view() -> None:
    db, reranker = _reranked_db()
    reranker.entered.set()
    reranker.calls.append([])  # no call waits
    committed = threading.Event()
    with db.read_view():
        writer = threading.Thread(
            target=lambda: (db["Item"].insert({"properties": {"title": "x"}}), committed.set()), daemon=True
        )
        writer.start()
        assert len(db.query(RERANKED)["data"]["Get"]["Item"]) == 4
        assert not committed.is_set()  # the caller's block still sees one moment
    writer.join(timeout=30)
    assert committed.is_set()
