"""A prepared query's cache of bound queries keys a vector variable by its bytes: never a wrong hit."""

from __future__ import annotations

import pytest
from rankql.dsl import QueryError
from rankql.runtime import Database

TEXT = "query Q($v: [{t}]) {{ Get {{ Doc(nearVector: {{vector: $v}}, limit: 2) {{ n }} }} }}"


@pytest.fixture()
def db() -> Database:
    db = Database()
    col = db.create_collection({"class": "Doc", "properties": [{"name": "n", "dataType": ["int"]}]})
    col.insert_many([{"properties": {"n": i}, "vector": [float(i + 1)] + [0.5] * 19} for i in range(5)])
    return db


def test_negative_zero_and_zero_are_different_vectors(db: Database) -> None:
    prepared = db.prepare(TEXT.format(t="Float"))
    zero = prepared.bind({"v": [0.0] * 20})
    negative = prepared.bind({"v": [-0.0] * 20})
    assert repr(zero.gets[0].search.vector) != repr(negative.gets[0].search.vector)
    assert prepared.bind({"v": [0.0] * 20}) is zero  # the same vector again: the cached bind


def test_ints_and_floats_are_told_apart(db: Database) -> None:
    prepared = db.prepare(TEXT.format(t="Int"))
    assert prepared.bind({"v": [1] * 20}).gets[0].search.vector == [1.0] * 20
    with pytest.raises(QueryError) as err:
        prepared.bind({"v": [1.0] * 20})  # equal as numbers, but not Ints: no cached answer for it
    assert err.value.diagnostics[0].code == "Q403"


def test_a_changed_list_is_a_new_key(db: Database) -> None:
    prepared = db.prepare(TEXT.format(t="Float"))
    vector = [0.25] * 20
    first = prepared.bind({"v": vector})
    vector[3] = 0.75  # the caller reuses its list
    second = prepared.bind({"v": vector})
    assert first.gets[0].search.vector[3] == 0.25 and second.gets[0].search.vector[3] == 0.75


def test_a_vector_variable_answers_as_the_literal_does(db: Database) -> None:
    vector = [2.0] + [0.5] * 19
    literal = "{ Get { Doc(nearVector: {vector: [" + ", ".join(map(repr, vector)) + "]}, limit: 2) { n } } }"
    assert db.query(TEXT.format(t="Float"), {"v": vector}) == db.query(literal)
    assert db.query(literal)["data"]["Get"]["Doc"][0]["n"] == 1
