"""A prepared query keeps its bound query and plans only while their inputs stay the same."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rankql.runtime import Database
from rankql.runtime.engine import QueryEngine

from .dataset import build_articles

NEAR = "query Q($v: [Float]!) { Get { Article(nearVector: {vector: $v}, limit: 2) { title } } }"
RERANK = """{ Get { Article(bm25: {query: "fish"}, limit: 3) {
  title _additional { rerank(property: "title") { score } } } } }"""


class Shortest:
    def score(self, query: str, documents: list[str]) -> list[float]:
        return [-float(len(d)) for d in documents]


def _titles(answer: dict) -> list[str]:
    return [a["title"] for a in answer["data"]["Get"]["Article"]]


def test_bound_query_and_plan_are_reused_per_set_of_variables():
    db = build_articles(Database())
    prepared = QueryEngine(db).prepare(NEAR)
    food, money = {"v": [1, 0, 0, 0]}, {"v": [0, 0, 0, 1]}
    first = prepared.bind(food)
    assert prepared.bind({"v": [1, 0, 0, 0]}) is first  # equal variables: the same bound query
    assert prepared.bind(money) is not first
    assert prepared.bind({"v": (1, 0, 0, 0)}) is not first  # a tuple is not taken for a list
    assert _titles(prepared.run(food)) == ["Fresh fish recipes", "Fish markets of Tokyo"]
    compiled = prepared.plans[id(first.gets[0])]
    plan, physical, pipeline = compiled.logical, compiled.physical, compiled.pipeline
    assert physical is not None and pipeline is not None
    assert _titles(prepared.run(food)) == ["Fresh fish recipes", "Fish markets of Tokyo"]
    compiled = prepared.plans[id(first.gets[0])]
    assert compiled.logical is plan  # planned once
    assert compiled.physical is physical and compiled.pipeline is pipeline  # lowered and compiled once
    assert _titles(prepared.run(money))[0] == "Stock markets today"


def test_schema_changes_rebind_and_replan():
    db = build_articles(Database())
    engine = QueryEngine(db)
    text = '{ Get { Magazine(limit: 5) { name _additional { rerank(property: "name") { score } } } } }'
    assert "errors" in engine.prepare(text).run()  # no such class yet
    schema = db.schema()
    assert db.schema() is schema  # kept while nothing changes
    db.register_reranker("shortest", Shortest())
    assert db.schema() is not schema  # a registration changes what classes may use
    definition = dict(db.collection("Publication").definition)
    magazines = db.create_collection({**definition, "class": "Magazine", "moduleConfig": {"shortest": {}}})
    magazines.insert_many([{"properties": {"name": n}} for n in ("Wired", "The Economist", "Nature")])
    answer = engine.prepare(text).run()  # the same prepared query, bound again against the new schema
    assert "errors" not in answer, answer
    names = [m["name"] for m in answer["data"]["Get"]["Magazine"]]
    assert names == sorted(names, key=len)  # reranked by the registered module: shortest first


def test_rerank_query_fallback_switch_replans():
    db = build_articles(Database())
    prepared = QueryEngine(db).prepare(RERANK)
    with_fallback = prepared.explain()
    db.rerank_query_fallback = False
    without = prepared.explain()
    assert with_fallback != without and "search query" in with_fallback and "search query" not in without


VECTORS = [[1, 0, 0, 0], [0, 0, 0, 1], [0.2, 0.7, 0.1, 0.0], [0.0, 0.3, 0.9, 0.1], [0.5, 0.5, 0.5, 0.5]]
NEAR_ALL = """query Q($v: [Float]!) { Get { Article(nearVector: {vector: $v}, limit: 4) {
  title _additional { id distance } } } }"""
HYBRID = """query Q($v: [Float]!) { Get { Article(hybrid: {query: "fish market", vector: $v, alpha: 0.5},
  limit: 4) { title _additional { id score } } } }"""


def _fresh(db: Database, text: str, variables: dict) -> dict:
    return QueryEngine(db).query(text, variables)  # a new engine: nothing cached


def test_a_new_vector_runs_on_the_plan_of_the_last_one():
    db = build_articles(Database())
    for text in (NEAR_ALL, HYBRID):
        prepared = QueryEngine(db).prepare(text)
        answers = [prepared.run({"v": v}) for v in VECTORS]
        (compiled,) = prepared.plans.values()  # planned for the first vector only
        assert list(prepared.plans.by_place.values()) == [compiled]
        for vector, answer in zip(VECTORS, answers, strict=True):
            assert "errors" not in answer, answer
            assert answer == _fresh(db, text, {"v": vector})  # as planning it afresh answers
        assert len({str(a["data"]) for a in answers}) > 1  # the vectors gave different answers


def test_a_plan_is_reused_only_when_nothing_but_the_vector_differs():
    db = build_articles(Database())
    text = "query Q($v: [Float]!, $n: Int) { Get { Article(nearVector: {vector: $v}, limit: $n) { title } } }"
    prepared = QueryEngine(db).prepare(text)
    assert len(_titles(prepared.run({"v": VECTORS[0], "n": 2}))) == 2
    assert len(_titles(prepared.run({"v": VECTORS[1], "n": 3}))) == 3  # another limit: planned again
    assert len(prepared.plans) == 2
    short = prepared.run({"v": [1, 0, 0], "n": 3})  # another length: planned again, and refused
    assert "errors" in short and short == _fresh(db, text, {"v": [1, 0, 0], "n": 3})
    assert _titles(prepared.run({"v": VECTORS[2], "n": 3})) == _titles(
        _fresh(db, text, {"v": VECTORS[2], "n": 3})
    )


WIDE = "query Q($v: [Float]!) { Get { Wide(nearVector: {vector: $v}, limit: 3) { n _additional { distance } } } }"


def _wide_database() -> Database:
    db = Database()
    wide = db.create_collection({"class": "Wide", "properties": [{"name": "n", "dataType": ["int"]}]})
    rng = np.random.default_rng(3)
    wide.insert_many([{"properties": {"n": i}, "vector": rng.normal(size=24).tolist()} for i in range(30)])
    return db


@pytest.mark.filterwarnings("ignore:overflow encountered")
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.lists(st.floats(allow_subnormal=True, width=64), min_size=24, max_size=24), min_size=3, max_size=6
    )
)
def test_a_query_rebound_for_a_new_vector_is_the_query_the_binder_makes(vectors: list[list[float]]) -> None:
    """Vectors of more than 16 floats are rebound by copying the last query (vector_slots.py): each bound
    query, and each answer or error, is the one a fresh engine gives, NaN and infinities included."""
    db = _wide_database()
    prepared = QueryEngine(db).prepare(WIDE)
    warm = np.linspace(-1, 1, 24)
    prepared.run({"v": warm.tolist()})
    prepared.run({"v": (warm * 0.5).tolist()})  # two bindings that differ in the vector: the slots learned
    assert prepared._slots is not None
    for vector in vectors:
        fresh = QueryEngine(db).prepare(WIDE)
        answer, expected = prepared.run({"v": vector}), fresh.run({"v": list(vector)})
        assert answer == expected
        if "errors" not in expected:
            bound, made = prepared.bind({"v": vector}), fresh.bind({"v": vector})
            assert (
                bound == made
                and bound.gets[0].search.model_fields_set == made.gets[0].search.model_fields_set
            )
            vector.append(1.0)  # the caller's list changing later does not change the bound query
            assert len(bound.gets[0].search.vector) == 24


def test_the_lean_copy_is_used_only_where_it_makes_what_model_copy_makes(monkeypatch) -> None:
    from rankql.runtime.engine import vector_slots

    assert vector_slots._lean_copy_agrees()  # the pydantic installed here

    lean = vector_slots._replaced

    def forgets_the_private_values(model, name, value):
        twin = lean(model, name, value)
        object.__setattr__(twin, "__pydantic_private__", {})
        return twin

    monkeypatch.setattr(vector_slots, "_replaced", forgets_the_private_values)
    assert not vector_slots._lean_copy_agrees()  # such a pydantic would get model_copy instead
