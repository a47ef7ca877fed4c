"""Where-filter results kept until a write, and the allowed set a filtered graph search keeps: both follow
every write."""

from __future__ import annotations

import numpy as np
import pytest
from rankql.dsl import ast
from rankql.runtime import Database, generate_uuid5
from rankql.runtime.store import filter_cache
from rankql.runtime.store.filter_cache import FilterCache, cache_key
from rankql.runtime.store.filters import evaluate
from rankql.runtime.store.thresholds import FILTER_CACHE_ENTRIES

from .conftest import clustered
from .test_references import BERLIN, build, names

DIM = 8


def bucket(value: int, operator: str = "Equal") -> ast.Where:
    return ast.Where(operator=operator, path=["bucket"], value_type="valueInt", value=value)


def make(n: int = 400, cutoff: int = 10) -> tuple[Database, np.ndarray]:
    """n objects in buckets 0..9 (bucket 3 the tenth: above the share that post-filters the graph), and a
    flatSearchCutoff low enough that the graph answers the filtered search."""
    db = Database()
    col = db.create_collection(
        {
            "class": "Doc",
            "vectorIndexConfig": {"distance": "cosine", "flatSearchCutoff": cutoff},
            "properties": [{"name": "bucket", "dataType": ["int"]}],
        }
    )
    vectors = clustered(n, DIM, seed=31)
    rows = [
        {"id": generate_uuid5(i), "properties": {"bucket": i % 10}, "vector": vectors[i]} for i in range(n)
    ]
    assert col.insert_many(rows).ok
    return db, vectors


def test_a_repeated_filter_is_kept_read_only_until_a_write() -> None:
    db, vectors = make()
    col = db["Doc"]
    first = col.filter(bucket(3))
    assert col.filter(bucket(3)) is first  # a new Where equal to the first: the kept answer
    assert not first.flags.writeable
    assert first.tolist() == evaluate(bucket(3), col).tolist()
    assert col.filter(bucket(3, "NotEqual")) is not first

    new = col.insert({"properties": {"bucket": 3}, "vector": vectors[0]})
    after_insert = col.filter(bucket(3))
    assert col.doc_id_of(new) in after_insert.tolist()
    assert after_insert.tolist() == evaluate(bucket(3), col).tolist()

    moved = generate_uuid5(3)
    col.update(moved, {"bucket": 4})
    after_update = col.filter(bucket(3))
    assert col.doc_id_of(moved) in col.filter(bucket(4)).tolist()
    assert after_update.tolist() == evaluate(bucket(3), col).tolist()
    assert len(after_update) == len(after_insert) - 1

    gone = generate_uuid5(13)
    doc = col.doc_id_of(gone)
    assert col.delete(gone)
    assert doc not in col.filter(bucket(3)).tolist()
    assert col.filter(bucket(3)).tolist() == evaluate(bucket(3), col).tolist()


def test_filtered_searches_through_db_query_follow_writes() -> None:
    db, vectors = make()
    query = (
        'query Q($vec: [Float]!) { Get { Doc(nearVector: {vector: $vec}, where: {path: ["bucket"], '
        "operator: Equal, valueInt: 3}, limit: 3) { bucket _additional { id } } } }"
    )
    target = vectors[7].tolist()  # bucket 7: not allowed

    def ids() -> list[str]:
        answer = db.query(query, {"vec": target})
        assert "errors" not in answer, answer
        rows = answer["data"]["Get"]["Doc"]
        assert all(row["bucket"] == 3 for row in rows)
        return [row["_additional"]["id"] for row in rows]

    explained = db.explain(query, {"vec": target}, analyze=True)
    assert "hnsw post-filtered: 40 allowed > 10" in explained
    before = ids()
    assert generate_uuid5(7) not in before
    db["Doc"].update(generate_uuid5(7), {"bucket": 3})  # the query's own vector becomes allowed
    assert ids()[0] == generate_uuid5(7)
    db["Doc"].update(generate_uuid5(7), {"bucket": 2})
    assert ids() == before
    db["Doc"].delete(before[0])
    assert ids() == [*before[1:], ids()[2]] and before[0] not in ids()


def test_a_filter_through_a_reference_sees_writes_to_the_referenced_class() -> None:
    db = build()
    query = '{ Get { Person(where: {path: ["livesIn", "City", "name"], operator: Equal, valueText: "Rome"}) { name } } }'
    assert names(db.query(query)) == []
    db["City"].update(BERLIN, {"name": "Rome"})  # no write to Person
    assert names(db.query(query)) == ["Ann"]


def test_keys_tell_apart_what_filters_apart() -> None:
    def key(value: object, value_type: str = "valueNumber", operator: str = "Equal") -> tuple | None:
        return cache_key(ast.Where(operator=operator, path=["x"], value_type=value_type, value=value))

    assert len({key(1), key(1.0), key(True), key("1"), key([1]), key(None)}) == 6
    assert key(float("nan")) == key(float("nan")) and key(0.0) != key(-0.0)
    assert key(1, operator="GreaterThan") != key(1) and key(1, "valueInt") != key(1)
    here = ast.Where(
        operator="Equal", path=["x"], value_type="valueInt", value=1, span=ast.Span(start=0, end=5)
    )
    assert cache_key(here) == key(1, "valueInt")  # where it was written does not count
    geo = ast.GeoRange(latitude=52.5, longitude=13.4, max_distance=1000.0)
    assert key(geo, "valueGeoRange", "WithinGeoRange") is not None
    assert key(object()) is None  # a value of another type: evaluated each time
    through = ast.Where(operator="Equal", path=["livesIn", "City", "name"], value_type="valueText", value="a")
    assert cache_key(ast.Where(operator="And", operands=[through, bucket(1)])) is None


def test_the_cache_keeps_the_latest_few_filters() -> None:
    db, _ = make(50)
    col = db["Doc"]
    calls: list[int] = []

    def counting(where: ast.Where, collection: object) -> np.ndarray:
        calls.append(where.value)
        return evaluate(where, collection)

    cache = FilterCache()
    for value in range(FILTER_CACHE_ENTRIES + 1):
        cache.allowed(bucket(value), col, counting)
    cache.allowed(bucket(FILTER_CACHE_ENTRIES), col, counting)  # the newest: kept
    cache.allowed(bucket(0), col, counting)  # the oldest: dropped
    assert calls == [*range(FILTER_CACHE_ENTRIES + 1), 0]


def test_an_answer_is_served_whole_only_for_the_same_doc_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each answer keeps the doc id count and drop count it was computed at: after a drop it is carried
    # (the dropped ids taken out), never served as it was.
    db, vectors = make(50)
    col = db["Doc"]
    kept = FilterCache()
    monkeypatch.setattr(col.objects, "kept", lambda key, build: kept)
    before = filter_cache.cached_filter(bucket(3), col, evaluate)
    assert filter_cache.cached_filter(bucket(3), col, evaluate) is before
    col.objects.drops += 1  # as a drop counts itself (the live mask, unchanged here, says which)
    after = filter_cache.cached_filter(bucket(3), col, evaluate)
    assert after is not before and after.tolist() == before.tolist() and not after.flags.writeable


def test_a_kept_allowed_set_follows_vector_writes() -> None:
    db, vectors = make()
    col = db["Doc"]
    bare = col.doc_id_of(col.insert({"properties": {"bucket": 3}}))  # allowed, but no vector yet
    allow = col.filter(bucket(3))
    query = vectors[3]
    nearest = col.doc_id_of(generate_uuid5(3))
    assert col.vector_search(query, 1, allow, lists=True)[0] == [nearest]
    memo = col.vectors._allowed_memo
    assert memo is not None and memo[0] is allow  # kept: the next search with this filter reuses it
    # The store's vectors change under the filter's ids (the same array): what was made of them goes
    col.vectors.remove(np.asarray([nearest]))
    second = col.vector_search(query, 1, allow, lists=True)[0]
    assert second != [nearest] and second[0] in allow.tolist()
    col.vectors.add(np.asarray([bare]), query.reshape(1, -1))
    assert col.vector_search(query, 1, allow, lists=True)[0] == [bare]
    # A writeable array may change in place between searches: nothing is kept for it
    mine = allow[allow != bare]
    assert col.vector_search(query, 1, mine, lists=True)[0] == second
    other = col.doc_id_of(generate_uuid5(13))
    mine[:] = other
    assert other != second[0] and col.vector_search(query, 1, mine, lists=True)[0] == [other]
