"""Objects: batch results per object, value normalization, ids, times, update and delete across indexes."""

from __future__ import annotations

import time
import uuid as uuidlib
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rankql.runtime import Database, ObjectError, generate_uuid5
from rankql.runtime.store.values import ValueProblem, format_date, normalize_value, parse_date

from .shapes import bm25_hits, vector_hits


def test_generate_uuid5_matches_weaviate_client() -> None:
    # The Python client computes uuid5(NAMESPACE_DNS, str(namespace) + str(identifier)).
    assert generate_uuid5("hello") == str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, "hello"))
    assert generate_uuid5(42, "ns") == str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, "ns42"))
    assert generate_uuid5("x") == generate_uuid5("x") != generate_uuid5("y")


def test_values_are_normalized_per_type(articles) -> None:
    uid = articles.insert(
        {
            "properties": {
                "title": "T",
                "wordCount": 3.0,
                "score": 2,
                "draft": False,
                "published": "2021-03-04T05:06:07+02:00",
                "tags": ("a", "b"),
                "ref": "A1B2C3D4-0000-4000-8000-000000000000",
            }
        }
    )
    props = articles.properties_of(articles.doc_id_of(uid))
    assert props["wordCount"] == 3 and type(props["wordCount"]) is int
    assert props["score"] == 2.0 and type(props["score"]) is float
    assert props["draft"] is False
    assert props["published"] == datetime(2021, 3, 4, 3, 6, 7, tzinfo=UTC)
    assert props["tags"] == ["a", "b"]
    assert props["ref"] == "a1b2c3d4-0000-4000-8000-000000000000"
    assert articles.get(uid)["properties"]["published"] == "2021-03-04T03:06:07Z"


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"title": 5}, "property 'title' (text): expected text, got int 5"),
        ({"wordCount": 2.5}, "expected an int"),
        ({"wordCount": True}, "expected an int, got a boolean"),
        ({"score": "1.0"}, "expected a number"),
        ({"score": float("nan")}, "expected a finite number"),
        ({"draft": 1}, "expected a boolean"),
        ({"published": "2021-01-01"}, "is not an RFC3339 date"),
        ({"published": "2021-01-01T00:00:00"}, "has no time zone"),
        ({"published": 1609459200}, "expected a date"),
        ({"tags": "a"}, "expected a list for text[]"),
        ({"tags": ["a", None]}, "element 1 is null"),
        ({"tags": ["a", 3]}, "element 1: expected text"),
        ({"ref": "not-a-uuid"}, "'not-a-uuid' is not a valid uuid"),
        ({"nope": 1}, "no such prop with name 'nope' found in class 'Article'"),
    ],
)
def test_wrong_values_are_reported(articles, props: dict, expected: str) -> None:
    result = articles.insert_many([{"properties": props}])
    assert not result.ok
    assert expected in result[0].error
    assert len(articles) == 0


def test_batch_stores_valid_objects_and_reports_the_rest(articles) -> None:
    good = generate_uuid5(1)
    batch = [
        {"id": good, "properties": {"title": "one"}, "vector": [1, 0, 0]},
        {"properties": {"title": 2}, "vector": [0, 1, 0]},
        {"id": "nope", "properties": {}},
        {"properties": {"title": "dim"}, "vector": [1, 0]},
        {"id": good, "properties": {"title": "again"}, "vector": [0, 0, 1]},
        {"properties": {"title": "two"}, "vector": [0, 1, 0]},
        "not an object",
        {"properties": {}, "vectr": [1]},
        {"class": "Other", "properties": {}},
    ]
    result = articles.insert_many(batch)
    assert [r.ok for r in result] == [True, False, False, False, False, True, False, False, False]
    assert "appears twice in the batch (first at object 0)" in result[4].error
    assert (
        "new node has a vector with length 2. Existing nodes have vectors with length 3: vector dimensions"
        in result[3].error
    )
    assert "unknown field 'vectr'" in result[7].error
    assert "names class 'Other'" in result[8].error
    assert len(articles) == 2 and len(result.ids) == 2
    assert articles.get(good)["properties"] == {"title": "one"}
    # Nothing of a failed object reached an index.
    assert [d for d, _, _ in bm25_hits(articles, "again dim", k=10)] == []
    assert len(articles.vectors) == 2
    assert repr(result) == "BatchResult(stored=2, failed=7)"


def test_existing_dimension_is_enforced_later(articles) -> None:
    articles.insert({"properties": {}, "vector": [1, 2, 3]})
    result = articles.insert_many([{"properties": {}, "vector": [1, 2, 3, 4]}])
    assert "length 4. Existing nodes have vectors with length 3" in result[0].error
    for bad in ([[1, 2, 3]], [], [1, float("inf"), 3], ["a", "b", "c"]):
        assert not articles.insert_many([{"properties": {}, "vector": bad}]).ok


def test_insert_refuses_an_existing_id_but_batch_replaces(articles) -> None:
    uid = articles.insert({"properties": {"title": "first"}})
    with pytest.raises(ObjectError, match="already exists"):
        articles.insert({"id": uid, "properties": {"title": "second"}})
    created = articles.get(uid)["creationTimeUnix"]
    time.sleep(0.002)
    assert articles.insert_many([{"id": uid, "properties": {"title": "second"}}]).ok
    obj = articles.get(uid)
    assert obj["properties"] == {"title": "second"} and len(articles) == 1
    assert obj["creationTimeUnix"] == created < obj["lastUpdateTimeUnix"]
    assert [articles.uuid_of(d) for d, _, _ in bm25_hits(articles, "first", k=5)] == []
    assert [articles.uuid_of(d) for d, _, _ in bm25_hits(articles, "second", k=5)] == [uid]
    with pytest.raises(ObjectError, match="not a valid uuid"):
        articles.insert({"id": "x", "properties": {}})


def test_times_are_milliseconds_now(articles) -> None:
    before = time.time() * 1000
    uid = articles.insert({"properties": {"title": "t"}})
    after = time.time() * 1000
    doc = articles.doc_id_of(uid)
    assert before - 1 <= articles.created_ms(doc) <= after + 1
    assert articles.created_ms(doc) == articles.updated_ms(doc)


def test_update_merges_reindexes_and_keeps_creation_time(articles) -> None:
    uid = articles.insert({"properties": {"title": "old words", "wordCount": 1}, "vector": [1, 0]})
    doc = articles.doc_id_of(uid)
    created = articles.created_ms(doc)
    time.sleep(0.002)
    articles.update(uid, {"title": "new words"})
    new_doc = articles.doc_id_of(uid)
    assert new_doc != doc  # a new version gets a new doc id, as in Weaviate
    assert articles.properties_of(new_doc) == {"title": "new words", "wordCount": 1}
    assert articles.created_ms(new_doc) == created < articles.updated_ms(new_doc)
    assert np.allclose(articles.vector_of(new_doc), [1, 0]) and articles.vector_of(doc) is None
    assert bm25_hits(articles, "old", k=5) == []
    assert [d for d, _, _ in bm25_hits(articles, "new", k=5)] == [new_doc]
    assert vector_hits(articles, [1, 0], 5) == [(new_doc, 0.0)]
    articles.update(uid, {"wordCount": None, "body": "b"}, vector=[0, 1])
    doc = articles.doc_id_of(uid)
    assert articles.properties_of(doc) == {"title": "new words", "body": "b"}
    assert np.allclose(articles.vector_of(doc), [0, 1])
    articles.update(uid, {"body": "only"}, replace=True)
    assert articles.get(uid)["properties"] == {"body": "only"}
    with pytest.raises(ObjectError, match="expected an int"):
        articles.update(uid, {"wordCount": "x"})
    assert articles.get(uid)["properties"] == {"body": "only"}  # a failed update changes nothing
    with pytest.raises(ObjectError, match="no object with id"):
        articles.update(generate_uuid5("missing"), {"title": "x"})


def test_delete_removes_from_every_index(articles) -> None:
    ids = [articles.insert({"properties": {"title": f"word{i}"}, "vector": [i, 1]}) for i in range(5)]
    assert articles.delete(ids[2]) is True and articles.delete(ids[2]) is False
    assert len(articles) == 4 and articles.get(ids[2]) is None
    doc_ids = articles.live_ids().tolist()
    assert len(doc_ids) == 4 and 2 not in doc_ids
    assert bm25_hits(articles, "word2", k=5) == []
    assert all(d != 2 for d, _ in vector_hits(articles, [2, 1], 10))
    assert articles.column("title")[2] is None


def test_listing_order_and_columns(articles) -> None:
    ids = [generate_uuid5(i) for i in range(20)]
    articles.insert_many([{"id": u, "properties": {"wordCount": i}} for i, u in enumerate(ids)])
    listed = [articles.uuid_of(d) for d in articles.list_ids()]
    assert listed == sorted(ids)
    allow = np.array([3, 1, 7], dtype=np.int64)
    assert [articles.uuid_of(d) for d in articles.list_ids(allow)] == sorted(ids[i] for i in (1, 3, 7))
    assert articles.column("wordCount") == list(range(20))
    articles.update(ids[0], {"wordCount": 100})
    assert articles.column("wordCount")[0] is None and articles.column("wordCount")[20] == 100


def test_progress_bar_on_request(articles, capsys) -> None:
    articles.insert_many([{"properties": {"title": "x"}} for _ in range(30)], progress=True)
    assert "importing into Article" in capsys.readouterr().err


def test_dates(articles) -> None:
    assert format_date(datetime(2021, 1, 1, tzinfo=UTC)) == "2021-01-01T00:00:00Z"
    assert format_date(datetime(2021, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)) == "2021-01-01T00:00:00.5Z"
    east = timezone(timedelta(hours=5))
    assert format_date(datetime(2021, 1, 1, 5, tzinfo=east)) == "2021-01-01T00:00:00Z"
    assert parse_date("2021-01-01T00:00:00.123Z").microsecond == 123000
    assert parse_date(datetime(2020, 5, 5)).tzinfo is UTC
    with pytest.raises(ValueProblem):
        parse_date("yesterday afternoon")


@settings(max_examples=200, deadline=None)
@given(st.datetimes(timezones=st.just(UTC)))
def test_date_text_round_trips(dt: datetime) -> None:
    assert parse_date(format_date(dt)) == dt


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.integers(-(2**62), 2**62),
        st.floats(allow_nan=False, allow_infinity=False),
        st.booleans(),
        st.text(max_size=5),
        st.none(),
    )
)
def test_scalar_checks_agree_with_python_types(value: object) -> None:
    def accepted(data_type: str) -> bool:
        try:
            normalize_value(data_type, value)
        except ValueProblem:
            return False
        return True

    is_bool = isinstance(value, bool)
    assert accepted("boolean") == is_bool
    assert accepted("text") == isinstance(value, str)
    assert accepted("number") == (isinstance(value, int | float) and not is_bool)
    # Weaviate's int is 64-bit: a whole float beyond that range is no int.
    whole = isinstance(value, int) or (
        isinstance(value, float) and value.is_integer() and -(2**63) <= value < 2**63
    )
    assert accepted("int") == (whole and not is_bool)


def test_many_objects_in_a_fresh_database_are_independent() -> None:
    a, b = Database(), Database()
    a.create_collection({"class": "X"}).insert({"properties": {}})
    assert b.collections() == []


def test_insert_many_reports_progress_to_a_callback() -> None:
    db = Database()
    notes = db.create_collection({"class": "Note", "properties": [{"name": "body", "dataType": ["text"]}]})
    steps: list[int] = []
    objects = [{"properties": {"body": f"note {i}"}, "vector": [1.0, float(i)]} for i in range(5)]
    result = notes.insert_many([*objects, {"properties": {"pages": 3}}], progress=steps.append)
    assert [r.error is None for r in result] == [True] * 5 + [False]
    assert sum(steps) == 5 and len(notes) == 5  # the refused object is never counted as done


def test_delete_many_is_one_logged_write_replayed_after_a_crash(tmp_path) -> None:
    from rankql.runtime.store.wal import read_records

    path = tmp_path / "db"
    db = Database(path)
    c = db.create_collection({"class": "A", "properties": [{"name": "t", "dataType": ["text"]}]})
    ids = [generate_uuid5(f"a{i}") for i in range(6)]
    c.insert_many(
        [{"id": u, "properties": {"t": f"word{i}"}, "vector": [1.0, float(i)]} for i, u in enumerate(ids)]
    )
    gone = [ids[1], ids[3].upper(), ids[3], ids[4], generate_uuid5("never-stored")]
    assert c.delete_many(gone) == 3  # the unknown id is skipped, the repeated one counted once
    assert c.delete_many([ids[1]]) == 0
    assert sorted(c.uuid_of(d) for d in c.live_ids()) == sorted([ids[0], ids[2], ids[5]])
    assert bm25_hits(c, "word3") == [] and len(vector_hits(c, [1.0, 3.0], 10)) == 3
    (log,) = path.glob("wal-*.log")
    deletes = [h for h, _ in read_records(log)[0] if h["op"] == "delete"]
    assert [sorted(h["uuids"]) for h in deletes] == [
        sorted([ids[1], ids[3], ids[4]])
    ]  # one record, one fsync
    db._folder.close()  # a crash
    with Database(path) as reopened:
        again = reopened.collection("A")
        assert sorted(again.uuid_of(d) for d in again.live_ids()) == sorted([ids[0], ids[2], ids[5]])
