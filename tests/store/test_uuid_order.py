"""The uuid order kept across writes (uuid_order.py) against sorting every live uuid again."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from rankql.runtime import Database
from rankql.runtime.store.objects import ObjectTable
from rankql.runtime.store.uuids import random_uuids

# put: a new object; drop: delete a live one; update: drop it and put its uuid again; skip: burn ids;
# look: ask for the order (so that the next steps update it instead of building it)
STEPS = st.lists(
    st.tuples(st.sampled_from(["put", "drop", "update", "skip", "look"]), st.integers(0, 10**6)),
    max_size=80,
)


def _sorted_again(table: ObjectTable) -> list[int]:
    return [d for _, d in sorted(table.by_uuid.items())]


@settings(max_examples=150, deadline=None)
@given(STEPS, st.integers(0, 30))
def test_the_kept_order_is_the_sorted_order_after_any_writes(steps, start: int) -> None:
    table = ObjectTable()
    for uuid in random_uuids(start):
        table.put(uuid, {}, 0, 0)
    for op, pick in steps:
        live = sorted(table.by_uuid.values())
        if op == "put":
            table.put(random_uuids(1)[0], {}, 0, 0)
        elif op == "skip":
            table.skip(1 + pick % 3)
        elif op in ("drop", "update") and live:
            doc = live[pick % len(live)]
            uuid = table.uuids[doc]
            if op == "update":  # as a write replaces an object: the new row first, then the old dropped
                table.put(uuid, {}, 0, 0)
            table.drop(doc)
        table.touch()
        if op == "look" or pick % 2:
            order = table.uuid_order()
            assert order.tolist() == _sorted_again(table)
            assert not order.flags.writeable
            ranks = table.rank_of_uuid()
            assert np.array_equal(ranks[order], np.arange(len(order)))
    assert table.uuid_order().tolist() == _sorted_again(table)


def test_an_order_handed_out_does_not_change_under_later_writes() -> None:
    table = ObjectTable()
    for uuid in random_uuids(50):
        table.put(uuid, {}, 0, 0)
    first = table.uuid_order()
    kept = first.copy()
    table.drop(int(first[0]))
    table.put(random_uuids(1)[0], {}, 0, 0)
    table.touch()
    second = table.uuid_order()
    assert np.array_equal(first, kept) and second.tolist() == _sorted_again(table)


def test_text_that_is_not_a_canonical_uuid_is_sorted_as_text() -> None:
    table = ObjectTable()
    for uuid in ["b", "a-long-identifier-that-is-longer-than-thirty-six-characters", "é", "c"]:
        table.put(uuid, {}, 0, 0)
    table.touch()
    assert table.uuid_order().tolist() == _sorted_again(table)
    table.put("0", {}, 0, 0)
    table.touch()
    assert table.uuid_order().tolist() == _sorted_again(table)


def test_listing_and_ties_after_writes_follow_uuid_order() -> None:
    db = Database()
    docs = db.create_collection({"class": "D", "properties": [{"name": "n", "dataType": ["int"]}]})
    assert docs.insert_many([{"properties": {"n": i}, "vector": [1.0, 0.0]} for i in range(40)]).ok
    listing = "{ Get { D(limit: 100) { n _additional { id } } } }"
    near = "{ Get { D(nearVector: {vector: [1, 0]}, limit: 5) { _additional { id } } } }"  # all tied
    for round_ in range(5):
        ids = [row["_additional"]["id"] for row in db.query(listing)["data"]["Get"]["D"]]
        assert ids == sorted(ids) and len(ids) == len(docs)
        tied = [row["_additional"]["id"] for row in db.query(near)["data"]["Get"]["D"]]
        assert tied == ids[:5]
        docs.delete(ids[round_ * 3])
        docs.insert({"properties": {"n": 100 + round_}, "vector": [1.0, 0.0]})
