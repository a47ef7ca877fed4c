"""Filters, Aggregate and sort right after writes (columns, their views and the live mask kept across
writes) give what a database built afresh from the same live objects gives."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rankql.dsl import ast
from rankql.runtime import Database
from rankql.runtime.store.filters import evaluate
from rankql.runtime.store.objects import ObjectTable

WORDS = ["alpha", "beta", "gamma", "delta", "omega"]
TAGS = ["red", "green", "blue"]
REFS = [f"00000000-0000-0000-0000-00000000{i:04x}" for i in range(6)]
DATES = [f"2024-0{m}-1{d}T00:00:00Z" for m in range(1, 4) for d in range(3)]
DEFINITION = {
    "class": "Doc",
    "vectorIndexConfig": {"distance": "cosine"},
    "properties": [
        {"name": "n", "dataType": ["int"]},
        {"name": "x", "dataType": ["number"]},
        {"name": "t", "dataType": ["text"]},
        {"name": "flag", "dataType": ["boolean"]},
        {"name": "when", "dataType": ["date"]},
        {"name": "ref", "dataType": ["uuid"]},
        {"name": "tags", "dataType": ["text[]"]},
        {"name": "ns", "dataType": ["int[]"]},
        {"name": "links", "dataType": ["Doc"]},
    ],
}
ADDED = {"name": "later", "dataType": ["int"]}


def _props(rng: random.Random, added: bool) -> dict:
    """Random properties, each one unset now and then (IsNull)."""
    values = {
        "n": rng.randrange(6),
        "x": rng.choice([0.5, 1.5, 2.5]),
        "t": " ".join(rng.choices(WORDS, k=rng.randrange(1, 4))),
        "flag": rng.random() < 0.5,
        "when": rng.choice(DATES),
        "ref": rng.choice(REFS),
        "tags": rng.sample(TAGS, rng.randrange(0, 3)),
        "ns": [rng.randrange(4) for _ in range(rng.randrange(0, 3))],
    }
    if added:
        values["later"] = rng.randrange(3)
    return {k: v for k, v in values.items() if rng.random() < 0.85}


def _where(operator: str, path: list[str], value_type: str, value: object) -> ast.Where:
    return ast.Where(operator=operator, path=path, value_type=value_type, value=value)


def _filters(rng: random.Random, added: bool) -> list[ast.Where]:
    out = [
        _where("Equal", ["n"], "valueInt", rng.randrange(6)),
        _where("GreaterThan", ["n"], "valueInt", rng.randrange(6)),
        _where("NotEqual", ["n"], "valueInt", rng.randrange(6)),
        _where("LessThanEqual", ["x"], "valueNumber", rng.choice([0.5, 1.5, 2.5])),
        _where("Equal", ["t"], "valueText", rng.choice(WORDS)),
        _where("Like", ["t"], "valueText", rng.choice(WORDS)[:2] + "*"),
        _where("Equal", ["flag"], "valueBoolean", rng.random() < 0.5),
        _where("GreaterThanEqual", ["when"], "valueDate", rng.choice(DATES)),
        _where("Equal", ["ref"], "valueText", rng.choice(REFS)),
        _where("ContainsAny", ["tags"], "valueText", rng.sample(TAGS, 2)),
        _where("ContainsAll", ["ns"], "valueInt", [rng.randrange(4)]),
        _where("IsNull", [rng.choice(["n", "t", "tags", "when", "ns"])], "valueBoolean", rng.random() < 0.5),
        _where("GreaterThanEqual", ["links"], "valueInt", 1),
        _where("Equal", ["links", "Doc", "n"], "valueInt", rng.randrange(6)),
        ast.Where(operator="Not", operands=[_where("Equal", ["n"], "valueInt", rng.randrange(6))], path=None),
    ]
    if added:
        out.append(_where("Equal", ["later"], "valueInt", rng.randrange(3)))
        out.append(_where("IsNull", ["later"], "valueBoolean", True))
    return out


def _fresh(col, definition: dict) -> Database:
    """A new database holding the live objects of `col` (same uuids and properties)."""
    db = Database()
    fresh = db.create_collection({**definition, "properties": list(definition["properties"])})
    rows = []
    for doc in col.live_ids().tolist():
        stored = col.get(col.uuid_of(doc))  # as Weaviate shows it: what an insert takes
        rows.append({"id": stored["id"], "properties": stored["properties"], "vector": stored["vector"]})
    # References are checked on write: first every object without them, then with them (a replace)
    plain = [
        {**row, "properties": {k: v for k, v in row["properties"].items() if k != "links"}} for row in rows
    ]
    for batch in (plain, rows):
        done = fresh.insert_many(batch)
        assert done.ok, done.errors
    return db


def _uuids(col, where: ast.Where) -> list[str]:
    return sorted(col.uuid_of(int(d)) for d in col.filter(where).tolist())


GET = (
    '{ Get { Doc(where: {path: ["flag"], operator: Equal, valueBoolean: true}, '
    'sort: [{path: ["n"], order: desc}, {path: ["x"]}]) { n x _additional { id } } } }'
)
AGGREGATE = (
    '{ Aggregate { Doc(where: {path: ["n"], operator: GreaterThan, valueInt: 1}) '
    "{ meta { count } n { count sum mean minimum maximum } x { sum } tags { count } } } }"
)
GROUPED = '{ Aggregate { Doc(groupBy: ["n"]) { meta { count } groupedBy { value } x { sum } } } }'


@pytest.mark.parametrize("seed", range(6))
def test_random_writes_interleaved_with_filters_answer_as_a_fresh_database(seed: int) -> None:
    rng = random.Random(seed)
    db = Database()
    col = db.create_collection(DEFINITION)
    definition = dict(DEFINITION)
    added = False
    uuids: list[str] = []
    targets: set[str] = set()

    def vector() -> list[float]:
        return [rng.random() + 0.01 for _ in range(4)]

    def insert() -> None:
        new = col.insert({"properties": _props(rng, added), "vector": vector()})
        uuids.append(new)

    for _ in range(25):
        insert()
    for step in range(60):
        live = [u for u in uuids if col.doc_id_of(u) is not None]
        action = rng.choice(["insert", "insert", "batch", "replace", "update", "delete", "delete", "ref"])
        if step == 30:
            action = "property"
        if action == "insert" or not live:
            insert()
        elif action == "batch":
            rows = [
                {"properties": _props(rng, added), "vector": vector()} for _ in range(rng.randrange(1, 4))
            ]
            uuids.extend(col.insert_many(rows).ids)
        elif action == "replace":  # insert_many with an existing id replaces the object (a new doc id)
            assert col.insert_many([{"id": rng.choice(live), "properties": _props(rng, added)}]).ok
        elif action == "update":
            changes = _props(rng, added)
            if rng.random() < 0.3:
                changes["n"] = None  # a null unsets
            col.update(rng.choice(live), changes)
        elif action == "delete":  # not an object a reference points at (the fresh database checks them)
            free = [u for u in live if u not in targets]
            gone = rng.sample(free, min(len(free), rng.randrange(1, 3)))
            if not gone:
                continue
            if len(gone) == 1:
                assert col.delete(gone[0])
            else:
                assert col.delete_many(gone) == len(gone)
        elif action == "ref":
            target = rng.choice(live)
            targets.add(target)
            col.add_reference(rng.choice(live), "links", target)
        elif action == "property":
            db.add_property("Doc", ADDED)
            definition = {**definition, "properties": [*definition["properties"], ADDED]}
            added = True
        # The first query after the write, then again (from the cache): both as the fresh database answers.
        wheres = rng.sample(_filters(rng, added), 4)
        fresh_db = _fresh(col, definition)
        fresh = fresh_db["Doc"]
        for where in wheres:
            want = _uuids(fresh, where)
            assert _uuids(col, where) == want, (step, action, where)
            assert _uuids(col, where) == want
        # Ids, times and lengths differ or are not kept in a database built afresh: against evaluating
        # the filter anew on this one (no answer carried from before the write)
        some = rng.choice([u for u in uuids if col.doc_id_of(u) is not None] or uuids)
        stamp = col.created_ms(int(rng.choice(col.live_ids().tolist() or [0])))
        for where in (
            _where("Equal", ["id"], "valueText", some),
            _where("ContainsAny", ["id"], "valueText", [some, rng.choice(uuids)]),
            _where("Like", ["id"], "valueText", some[:3] + "*"),
            _where("GreaterThanEqual", ["_creationTimeUnix"], "valueText", str(stamp)),
            _where("LessThan", ["_lastUpdateTimeUnix"], "valueText", str(stamp)),
            _where("Equal", ["len(tags)"], "valueInt", rng.randrange(3)),
        ):
            assert col.filter(where).tolist() == evaluate(where, col).tolist(), (step, action, where)
        if step % 5 == 0:
            for query in (GET, AGGREGATE, GROUPED):
                assert db.query(query) == fresh_db.query(query), (step, action, query)


def test_object_table_keeps_columns_and_live_mask_as_a_rebuilt_one() -> None:
    """put, drop and skip keep a column and the live mask as building them again from the table gives."""
    rng = random.Random(7)
    table = ObjectTable()
    for step in range(300):
        kind = rng.random()
        if kind < 0.6 or table.next_id == 0:
            uuid = f"u{rng.randrange(80)}"
            old = table.by_uuid.get(uuid)
            if old is not None and rng.random() < 0.5:
                table.drop(old)  # as a writer replaces: drop, then put
            table.put(uuid, {"a": rng.randrange(5)} if rng.random() < 0.8 else {}, 0, 0)
        elif kind < 0.9:
            table.drop(rng.randrange(table.next_id))
        else:
            table.skip(rng.randrange(1, 3))
        table.touch()
        if step % 7 == 0:
            column, mask, ids = table.column("a"), table.live_mask(), table.live_ids()
            rebuilt = ObjectTable()
            rebuilt.uuids, rebuilt.props, rebuilt.by_uuid = table.uuids, table.props, table.by_uuid
            assert column == rebuilt.column("a")
            assert mask.tolist() == rebuilt.live_mask().tolist()
            assert ids.tolist() == sorted(table.by_uuid.values())
            assert len(mask) == table.next_id and not mask.flags.writeable
    # A change made in place, not by put, drop or skip: reset() builds the columns and mask again
    doc = table.live_ids()[0]
    before = table.column("a")
    table.props[doc] = {"a": 99}
    table.reset()
    assert table.column("a") is not before and table.column("a")[doc] == 99
    assert table.kept("x", dict) is table.kept("x", dict)


def test_a_view_held_by_a_query_does_not_change_when_a_later_one_extends() -> None:
    """Extended elements share their arrays with the older version: it still reads its own rows."""
    from rankql.runtime.store.filter_columns import Elements

    column: list = [1, None, 3]
    first = Elements(column, "int")
    column.extend([4, 5])
    second = first.extended(column)
    column.append(6)
    third = second.extended(column)
    fork = second.extended([*column[:5], 9])  # extending an older version again: a copy, not in place
    assert first.dense is not None and first.dense.tolist() == [1, 0, 3]
    assert second.dense is not None and second.dense.tolist() == [1, 0, 3, 4, 5]
    assert third.dense is not None and third.dense.tolist() == [1, 0, 3, 4, 5, 6]
    assert fork.dense is not None and fork.dense.tolist() == [1, 0, 3, 4, 5, 9]
    assert third.docs.tolist() == [0, 2, 3, 4, 5] and third.present is not None
    assert third.present.tolist() == [True, False, True, True, True, True]
    arrays = third.extended([*column, [1, 2]])  # an array of several values: no dense view any more
    assert not arrays.scalar and arrays.dense is None
    assert arrays.docs.tolist() == [0, 2, 3, 4, 5, 6, 6] and np.array_equal(
        arrays.values, [1, 3, 4, 5, 6, 1, 2]
    )


def test_a_token_index_extended_and_merged_matches_one_built_afresh() -> None:
    """Docs appended one or a few at a time (past the size that merges the tail into the arrays), some
    dropped (None): every term and Like pattern finds the live docs an index built afresh finds."""
    from rankql.runtime.store.filter_columns import TokenIndex, like_regex

    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(40)]

    def text() -> str | list[str] | None:
        kind = rng.random()
        if kind < 0.1:
            return None
        words = rng.choices(vocabulary, k=rng.randrange(1, 8))
        return words if kind < 0.3 else " ".join(words)

    column = [text() for _ in range(150)]
    index = TokenIndex(column, "word")
    versions = [(index, list(column))]
    merges = 0
    for step in range(400):
        column.extend(text() for _ in range(rng.randrange(1, 4)))
        if rng.random() < 0.2:
            column[rng.randrange(len(column))] = None  # a dropped doc (its entries may stay: masked)
        built = index.built
        index = index.extended(column)
        merges += index.built != built
        if step % 40 == 0:
            versions.append((index, list(column)))
    assert merges >= 2
    for held, seen in versions:  # each version, also an older one a query still holds, reads its own docs
        fresh = TokenIndex(seen, "word")
        live = np.asarray([v is not None for v in seen])
        assert held.size == len(seen)
        for term in vocabulary:
            got = held.docs_of(term)
            assert np.all(got < len(seen)) and np.all(np.diff(got) > 0)
            assert got[live[got]].tolist() == fresh.docs_of(term).tolist(), term
        for pattern in ("w1*", "w?", "*3"):
            got = held.docs_matching(like_regex(pattern).fullmatch)
            assert got[live[got]].tolist() == fresh.docs_matching(like_regex(pattern).fullmatch).tolist()
