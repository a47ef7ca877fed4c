"""The Database face: light imports, rerankers through the RerankService, queries through the engine."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rankql.runtime import Database, generate_uuid5

from .shapes import bm25_hits


def test_importing_the_runtime_loads_no_model_library() -> None:
    probe = (
        "import sys, rankql.runtime as r; db = r.Database(); "
        "db.create_collection({'class': 'A', 'properties': [{'name': 't', 'dataType': ['text']}]}); "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


class Length:
    name = "length"

    def score(self, query: str, documents: list[str]) -> list[float]:
        return [float(len(d)) for d in documents]


def test_register_reranker_reaches_the_service_before_and_after_creation() -> None:
    db = Database(rerank_cache_size=7)
    db.register_reranker("early", Length())
    service = db.rerank
    assert service.knows("early") and service.cache is not None
    db.register_reranker("late", Length())
    assert service.knows("late") and db.rerank is service
    assert not service.knows("nobody")


def test_query_prepare_explain_delegate_to_the_engine() -> None:
    calls = []

    class Recorder:
        def query(self, text, variables, *, headers=None):
            calls.append(("query", text, variables, headers))
            return {"data": {}}

        def prepare(self, text):
            calls.append(("prepare", text))
            return "prepared"

        def explain(self, text, variables, analyze=False):
            calls.append(("explain", text, variables, analyze))
            return "plan"

    db = Database()
    db._engine = Recorder()
    assert db.query("{ Get { A { t } } }", {"x": 1}, headers={"X-Key": "k"}) == {"data": {}}
    assert db.prepare("q") == "prepared"
    assert db.explain("q", None, analyze=True) == "plan"
    assert calls == [
        ("query", "{ Get { A { t } } }", {"x": 1}, {"X-Key": "k"}),
        ("prepare", "q"),
        ("explain", "q", None, True),
    ]


def test_the_engine_is_created_once_on_the_database() -> None:
    db = Database()
    engine = db.engine
    assert engine is db.engine and engine.db is db


def test_membership_and_repr(tmp_path) -> None:
    db = Database(tmp_path / "x")
    db.create_collection({"class": "Thing"})
    assert "Thing" in db and "thing" in db and "Other" not in db and 3 not in db
    assert db["thing"].name == "Thing"
    assert "Thing" in repr(db) and "x" in repr(db)


# Property-based: random batches mixing good and bad objects leave exactly the good ones, in every index.
good_object = st.fixed_dictionaries(
    {
        "properties": st.fixed_dictionaries({"t": st.sampled_from(["red fox", "blue fox", "green"])}),
        "vector": st.just(None),
    },
    optional={"id": st.integers(0, 15)},
)
bad_object = st.one_of(
    st.fixed_dictionaries({"properties": st.fixed_dictionaries({"t": st.integers()})}),
    st.fixed_dictionaries({"properties": st.fixed_dictionaries({"nope": st.text(max_size=3)})}),
    st.fixed_dictionaries({"id": st.just("not-a-uuid"), "properties": st.just({})}),
    st.fixed_dictionaries({"properties": st.just({}), "vector": st.just([float("nan"), 1.0, 2.0])}),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.booleans(), good_object, bad_object), max_size=25))
def test_batches_store_exactly_the_valid_objects(items: list) -> None:
    db = Database()
    c = db.create_collection({"class": "B", "properties": [{"name": "t", "dataType": ["text"]}]})
    batch, expected = [], {}
    for position, (use_good, good, bad) in enumerate(items):
        obj = dict(good if use_good else bad)
        if use_good:
            obj["id"] = generate_uuid5(obj.get("id", f"auto{position}"))
            obj["vector"] = [1.0, float(position), 0.5]
        batch.append(obj)
    result = c.insert_many(batch)
    for position, obj in enumerate(batch):
        ok = result[position].ok
        if not items[position][0]:
            assert not ok
        elif obj["id"] in expected:
            assert not ok and "appears twice" in result[position].error
        else:
            assert ok
            expected[obj["id"]] = obj
    assert len(c) == len(expected) == len(c.vectors) == len(c.bm25)
    for uid, obj in expected.items():
        doc = c.doc_id_of(uid)
        assert c.properties_of(doc) == obj["properties"]
        assert np.array_equal(c.vector_of(doc), np.asarray(obj["vector"], dtype=np.float32))
    foxes = {c.uuid_of(d) for d, _, _ in bm25_hits(c, "fox", k=None)}
    assert foxes == {u for u, o in expected.items() if "fox" in o["properties"]["t"]}
