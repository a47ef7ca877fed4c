"""A prepared query bound again for a new vector copies its last query with the vector in place, and
answers exactly as a full binding does; anything else takes the binder."""

from __future__ import annotations

import random

import pytest
from rankql.dsl import QueryError, compile_query
from rankql.runtime import Database
from rankql.runtime.engine import QueryEngine

DIM = 32  # vectors of more than 16 floats are keyed by their bytes: the ones this path takes
NEAR = "query Q($v: [Float]!) { Get { Doc(nearVector: {vector: $v}, limit: 3) { title } } }"
TWO = """query Q($v: [Float]!, $n: Int) {
  Get {
    a: Doc(nearVector: {vector: $v}, limit: $n) { title }
    b: Doc(hybrid: {query: "fish", vector: $v}, limit: 3) { title _additional { score } }
    c: Doc(bm25: {query: "markets"}, limit: 1) { title }
  }
}"""
WORDS = ["fish", "markets", "recipes", "stocks", "tokyo", "fresh", "prices", "river"]


def _vector(rng: random.Random) -> list[float]:
    return [rng.uniform(-1.0, 1.0) for _ in range(DIM)]


@pytest.fixture(scope="module")
def db() -> Database:
    rng = random.Random(7)
    db = Database()
    docs = db.create_collection({"class": "Doc", "properties": [{"name": "title", "dataType": ["text"]}]})
    rows = [
        {"properties": {"title": " ".join(rng.sample(WORDS, 3))}, "vector": _vector(rng)} for _ in range(40)
    ]
    assert docs.insert_many(rows).ok
    return db


class _Counted:
    """The prepared query's compiled query, counting the binder's runs."""

    def __init__(self, compiled) -> None:
        self.compiled, self.calls = compiled, 0

    def bind(self, *args, **kwargs):
        self.calls += 1
        return self.compiled.bind(*args, **kwargs)

    def __getattr__(self, name: str):
        return getattr(self.compiled, name)


def _counting(prepared) -> _Counted:
    prepared.compiled = _Counted(prepared.compiled)
    return prepared.compiled


VECTORS = [_vector(random.Random(seed)) for seed in range(5)]
ZERO = [0.0] * (DIM - 1)


@pytest.mark.parametrize("text", [NEAR, TWO])
def test_after_two_bindings_a_new_vector_is_put_in_place_and_answers_as_a_full_binding(db, text):
    engine = QueryEngine(db)
    prepared = engine.prepare(text)
    calls = _counting(prepared)
    for vector in VECTORS:
        variables = {"v": vector, "n": 2}
        fast = prepared.bind(variables)
        full = compile_query(text).bind(variables, db.schema())  # the binder itself
        assert fast == full
        assert [g.search for g in fast.gets] == [g.search for g in full.gets]
        assert prepared.run(variables) == QueryEngine(db).prepare(text).run(variables)  # a new engine
    assert calls.calls == 2  # the first two learn where $v lands; the rest are copies


def test_any_other_change_takes_the_binder(db):
    engine = QueryEngine(db)
    prepared = engine.prepare(TWO)
    calls = _counting(prepared)
    prepared.bind({"v": VECTORS[0], "n": 2})
    prepared.bind({"v": VECTORS[1], "n": 2})
    assert calls.calls == 2
    assert prepared.bind({"v": VECTORS[2], "n": 3}).gets[0].limit == 3  # another value beside the vector
    assert calls.calls == 3
    answer = prepared.run(
        {"v": [1.0, 0.0, 0.0], "n": 2}
    )  # another length: the binder, then the store's error
    assert calls.calls == 4 and "errors" in answer
    with pytest.raises(QueryError):  # a NaN is refused by the binder, with its own error
        prepared.bind({"v": [float("nan"), *ZERO], "n": 3})
    assert calls.calls == 5


def test_a_vector_equal_but_for_negative_zero_teaches_nothing(db):
    prepared = QueryEngine(db).prepare(NEAR)
    calls = _counting(prepared)
    prepared.bind({"v": [0.0, 1.0, *ZERO[1:]]})
    prepared.bind({"v": [-0.0, 1.0, *ZERO[1:]]})  # a new key, the same floats: no slot can be seen
    assert prepared._slots is None
    prepared.bind({"v": VECTORS[0]})
    assert calls.calls == 3 and prepared._slots is not None
