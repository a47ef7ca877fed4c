"""Named vectors in the store: definitions, writes with `vectors`, per-vector vectorizers, the log and
checkpoints, searches by target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rankql.runtime import Database, ObjectError, SchemaError, SearchError

DEFINITION = {
    "class": "Doc",
    "properties": [{"name": "title", "dataType": ["text"]}, {"name": "body", "dataType": ["text"]}],
    "vectorConfig": {
        "title_vec": {"vectorizer": {"text2vec-transformers": {"properties": ["title"]}}},
        "manual": {
            "vectorizer": {"none": {}},
            "vectorIndexType": "flat",
            "vectorIndexConfig": {"distance": "l2-squared"},
        },
    },
}
OBJECTS = [
    {"properties": {"title": "a fish", "body": "cars"}, "vectors": {"manual": [1, 0, 0]}},
    {"properties": {"title": "a car", "body": "salmon"}, "vectors": {"manual": [0, 1, 0]}},
    {"properties": {"title": "the weather"}},
]


def _nearest(db: Database, target: str, vector: list[float]) -> list[str]:
    c = db.collection("Doc")
    ids, _ = c.vector_search(np.asarray(vector, np.float32), 3, target=target)
    return [c.properties_of(d)["title"] for d in ids.tolist()]


def test_each_named_vector_keeps_its_own_settings() -> None:
    c = Database().create_collection(DEFINITION)
    config = c.definition["vectorConfig"]
    assert list(config) == ["title_vec", "manual"]
    assert config["manual"]["vectorIndexType"] == "flat"
    assert config["manual"]["vectorIndexConfig"]["distance"] == "l2-squared"
    assert config["title_vec"]["vectorizer"]["text2vec-transformers"]["properties"] == ["title"]
    assert c.class_schema.vector_names == ["title_vec", "manual"]
    assert c.class_schema.vector_schema("manual").distance == "l2-squared"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"vectorizer": "text2vec-transformers"}, "both a class level vector index and named vectors"),
        ({"vectorConfig": {"9bad": {}}}, "vector name '9bad'"),
        ({"vectorConfig": {"a": {"vectorizer": {"text2vec-nonesuch": {}}}}}, "unsupported vectorizer"),
        ({"vectorConfig": {"a": {"vectorIndexType": "dynamic"}}}, "vectorIndexType 'dynamic'"),
    ],
)
def test_bad_named_vector_definitions_are_refused(change: dict, words: str) -> None:
    with pytest.raises(SchemaError, match=words):
        Database().create_collection({**DEFINITION, **change})


def test_objects_get_each_vector_from_its_own_vectorizer() -> None:
    db = Database()
    c = db.create_collection(DEFINITION)
    c.insert_many(OBJECTS)
    title_vec = c.vector_of(0, "title_vec")
    expected = c.named_vectorizers["title_vec"].embed([c.object_text({"title": "a fish"}, "title_vec")])[0]
    assert np.allclose(title_vec, expected, atol=1e-5)  # the body is not part of title_vec's text
    assert c.vector_of(2, "manual") is None  # no vectorizer and none given
    assert _nearest(db, "manual", [1, 0, 0])[:2] == ["a fish", "a car"]
    assert c.get(c.uuid_of(0))["vectors"]["manual"] == [1.0, 0.0, 0.0]


def test_vectors_must_fit_the_class() -> None:
    c = Database().create_collection(
        {**DEFINITION, "vectorConfig": {"manual": DEFINITION["vectorConfig"]["manual"]}}
    )
    with pytest.raises(ObjectError, match="no class-level vector"):
        c.insert({"properties": {}, "vector": [1, 2, 3]})
    with pytest.raises(ObjectError, match="does not have named vector other"):
        c.insert({"properties": {}, "vectors": {"other": [1, 2, 3]}})
    c.insert({"properties": {}, "vectors": {"manual": [1, 2, 3]}})
    with pytest.raises(ObjectError, match="length 2"):
        c.insert({"properties": {}, "vectors": {"manual": [1, 2]}})
    with pytest.raises(SearchError, match="Available named vectors \\[manual\\]"):
        c.vector_search([1, 0, 0], 1, target="nope")


def test_named_vectors_survive_the_log_and_a_checkpoint(tmp_path: Path) -> None:
    plain = {**DEFINITION, "vectorConfig": {"manual": DEFINITION["vectorConfig"]["manual"], "other": {}}}
    root = tmp_path / "db"
    with Database(root) as db:
        c = db.create_collection(plain)
        c.insert_many(
            [
                {"properties": {"title": "a"}, "vectors": {"manual": [1, 0], "other": [0, 1, 0]}},
                {"properties": {"title": "b"}, "vectors": {"manual": [0, 1]}},
            ]
        )
        c.update(c.uuid_of(0), {"body": "changed"})  # no vectorizer: both vectors kept
    for _ in range(2):  # first from the log, then from the checkpoint close() wrote
        with Database(root) as db:
            c = db.collection("Doc")
            a = next(d for d in c.live_ids().tolist() if c.properties_of(d)["title"] == "a")
            assert c.vectors_of(a) == {"manual": [1.0, 0.0], "other": [0.0, 1.0, 0.0]}
            assert _nearest(db, "manual", [0, 1])[:2] == ["b", "a"]
            assert len(c.named["other"]) == 1
            db.save()
    with Database(root) as db:
        c = db.collection("Doc")
        a = next(d for d in c.live_ids().tolist() if c.properties_of(d)["title"] == "a")
        c.delete(c.uuid_of(a))  # both of its vectors go
    with Database(root) as db:
        assert sum(len(i) for i in db.collection("Doc").named.values()) == 1


_CHILD = """
import os, sys
from rankql.runtime import Database
db = Database(sys.argv[1])
c = db.create_collection({
    "class": "Doc",
    "properties": [{"name": "title", "dataType": ["text"]}],
    "vectorConfig": {"a": {}, "b": {"vectorIndexConfig": {"distance": "dot"}}},
})
c.insert_many([
    {"properties": {"title": "x"}, "vectors": {"a": [1, 0], "b": [0, 1, 0]}},
    {"properties": {"title": "y"}, "vectors": {"b": [1, 1, 1]}},
])
c.delete_many([c.uuid_of(1)])
c.insert({"properties": {"title": "z"}, "vectors": {"a": [0, 1]}})
os._exit(0)  # no close(): no checkpoint, only the log holds the writes
"""


def test_named_vectors_are_replayed_from_the_log(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = tmp_path / "db"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(root)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    with Database(root) as db:
        c = db.collection("Doc")
        by_title = {c.properties_of(d)["title"]: d for d in c.live_ids().tolist()}
        assert sorted(by_title) == ["x", "z"]
        assert c.vectors_of(by_title["x"]) == {"a": [1.0, 0.0], "b": [0.0, 1.0, 0.0]}
        assert c.vectors_of(by_title["z"]) == {"a": [0.0, 1.0]}
        assert len(c.named["b"]) == 1 and len(c.named["a"]) == 2


def test_a_weaviate_export_with_named_vectors_loads_and_shows_back() -> None:
    from rankql.runtime.server.wire_shown import to_wire
    from rankql.runtime.store.definition_lenient import IgnoredSettingsWarning

    exported = {
        "class": "Doc",
        "properties": [{"name": "title", "dataType": ["text"]}],
        "vectorConfig": {
            "remote": {
                "vectorizer": {"text2vec-openai": {"model": "text-embedding-3-small"}},
                "vectorIndexType": "hnsw",
                "vectorIndexConfig": {
                    "distance": "dot",
                    "pq": {"enabled": True},
                    "cleanupIntervalSeconds": 300,
                },
            },
            "own": {"vectorizer": {"none": {}}, "vectorIndexType": "flat"},
        },
    }
    with pytest.warns(
        IgnoredSettingsWarning, match="vectorConfig.remote.vectorizer 'text2vec-openai'"
    ) as caught:
        c = Database().create_collection(exported)
    assert "vectorConfig.remote.vectorIndexConfig.pq" in str(caught[0].message)
    assert "cleanupIntervalSeconds" not in str(caught[0].message)  # Weaviate's default: nothing to say
    assert c.named_vectorizers["remote"] is None and c.named["remote"].metric == "dot"
    shown = to_wire(c.definition)["vectorConfig"]["remote"]
    assert shown["vectorizer"] == {
        "text2vec-openai": {"model": "text-embedding-3-small", "vectorizeClassName": True}
    }
    assert shown["vectorIndexConfig"]["pq"] == {"enabled": True}


def test_hybrid_searches_near_vector_takes_one_vector_per_target() -> None:
    db = Database()
    db.create_collection(
        {
            "class": "Pair",
            "properties": [{"name": "name", "dataType": ["text"]}],
            "vectorConfig": {
                "x": {"vectorizer": {"none": {}}},
                "y": {"vectorizer": {"none": {}}, "vectorIndexType": "flat"},
            },
        }
    )
    db["Pair"].insert({"properties": {"name": "a"}, "vectors": {"x": [1, 0], "y": [0, 1, 0]}})
    db["Pair"].insert({"properties": {"name": "b"}, "vectors": {"x": [0, 1], "y": [1, 0, 0]}})

    def hybrid(per_target: str, targets: str = '["x", "y"]') -> dict:
        return db.query(
            f'{{ Get {{ Pair(hybrid: {{query: "none", alpha: 1, targetVectors: {targets}, '
            f"searches: {{nearVector: {{vectorPerTarget: {{{per_target}}}}}}}}}) {{ name }} }} }}"
        )

    got = hybrid("x: [1, 0], y: [0, 1, 0]")
    assert [row["name"] for row in got["data"]["Get"]["Pair"]] == ["a", "b"]
    got = hybrid("y: [1, 0, 0]", '["y"]')
    assert [row["name"] for row in got["data"]["Get"]["Pair"]] == ["b", "a"]
    got = hybrid("x: [1, 0]")
    assert got["errors"][0]["message"] == "vectorPerTarget for target y is not provided"
