"""A class that holds objects changes the settings Weaviate lets change (BM25 k1/b and stopwords, ef,
flatSearchCutoff, the description): queries follow at once, a reopened folder keeps them, and every other
change is refused in Weaviate's words or says what to do."""

from __future__ import annotations

import copy

import pytest
from rankql.runtime import Database, SchemaError

DEFINITION = {
    "class": "Doc",
    "vectorizer": "none",
    "properties": [{"name": "body", "dataType": ["text"]}],
}
BODIES = ["the cat sat on the mat", "a cat and a cat and a dog", "dogs bark at the mailman", "the end"]


def _filled(path=None) -> Database:
    db = Database(path)
    db.create_collection(DEFINITION).insert_many(
        [{"properties": {"body": b}, "vector": [1.0, float(i)]} for i, b in enumerate(BODIES)]
    )
    return db


def _bm25(db: Database, query: str = "cat the") -> list[tuple[str, str]]:
    answer = db.query(f'{{ Get {{ Doc(bm25: {{query: "{query}"}}) {{ body _additional {{ score }} }} }} }}')
    assert "errors" not in answer, answer
    return [(row["body"], row["_additional"]["score"]) for row in answer["data"]["Get"]["Doc"]]


def _changed(db: Database, **inverted) -> dict:
    definition = copy.deepcopy(db.collection("Doc").definition)
    definition["invertedIndexConfig"].update(inverted)
    return definition


def test_bm25_and_stopwords_apply_at_once_as_a_class_made_with_them() -> None:
    db = _filled()
    before = _bm25(db)
    settings = {
        "bm25": {"k1": 2.0, "b": 0.2},
        "stopwords": {"preset": "none", "additions": None, "removals": None},
    }
    db.update_collection_settings("Doc", _changed(db, **settings))
    fresh = Database()
    fresh.create_collection({**DEFINITION, "invertedIndexConfig": settings}).insert_many(
        [{"properties": {"body": b}, "vector": [1.0, float(i)]} for i, b in enumerate(BODIES)]
    )
    assert _bm25(db) == _bm25(fresh) != before  # "the" now counts, and k1/b weigh it differently


def test_ef_and_flat_search_cutoff_reach_the_physical_plan() -> None:
    db = _filled()
    query = '{ Get { Doc(nearVector: {vector: [1, 0]}, limit: 2, where: {path: ["body"], operator: Like, valueText: "*"}) { body } } }'
    assert "flatSearchCutoff" in db.explain(query) and "ef=100" in db.explain(query)
    definition = copy.deepcopy(db.collection("Doc").definition)
    definition["vectorIndexConfig"].update(ef=321, flatSearchCutoff=1)
    db.update_collection_settings("Doc", definition)
    shown = db.explain(query)
    assert "allowed <= 1 (flatSearchCutoff)" in shown and "ef=321" in shown
    assert db.collection("Doc").vectors.hnsw.ef == 321


def test_a_new_ef_reaches_hnswlib_for_a_search_of_the_same_limit() -> None:
    db = _filled()
    near = "{ Get { Doc(nearVector: {vector: [1, 0]}, limit: 2) { body } } }"
    assert len(db.query(near)["data"]["Get"]["Doc"]) == 2  # hnswlib set to ef=100 for k=2
    definition = copy.deepcopy(db.collection("Doc").definition)
    definition["vectorIndexConfig"]["ef"] = 321
    db.update_collection_settings("Doc", definition)
    assert len(db.query(near)["data"]["Get"]["Doc"]) == 2
    assert db.collection("Doc").vectors.hnsw._index.ef == 321  # the ef the graph was searched with


def test_dynamic_ef_settings_change_in_place_and_survive_reopening(tmp_path) -> None:
    db = _filled(tmp_path / "db")
    near = "{ Get { Doc(nearVector: {vector: [1, 0]}, limit: 2) { body } } }"
    assert "ef=100" in db.explain(near)
    definition = copy.deepcopy(db.collection("Doc").definition)
    definition["vectorIndexConfig"].update(dynamicEfMin=3, dynamicEfFactor=4)
    db.update_collection_settings("Doc", definition)
    assert "ef=8" in db.explain(near)  # limit 2 x factor 4, above the new min of 3
    assert len(db.query(near)["data"]["Get"]["Doc"]) == 2
    assert db.collection("Doc").vectors.hnsw._index.ef == 8  # the ef the graph was searched with
    db.close()
    with Database(tmp_path / "db") as again:
        assert "ef=8" in again.explain(near)
        assert len(again.query(near)["data"]["Get"]["Doc"]) == 2
        assert again.collection("Doc").vectors.hnsw._index.ef == 8


def test_settings_survive_the_log_and_a_checkpoint(tmp_path) -> None:
    path = tmp_path / "db"
    db = _filled(path)
    db.update_collection_settings("Doc", _changed(db, bm25={"k1": 0.5, "b": 1.0}))
    changed = _bm25(db)
    db.close()
    with Database(path) as again:  # from the checkpoint close() made
        assert _bm25(again) == changed
        assert again.collection("Doc").definition["invertedIndexConfig"]["bm25"] == {"k1": 0.5, "b": 1.0}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["vectorIndexConfig"].update(distance="dot"),
            'distance is immutable: attempted change from "cosine" to "dot"',
        ),
        (
            lambda d: d["vectorIndexConfig"].update(maxConnections=8),
            'maxConnections is immutable: attempted change from "32" to "8"',
        ),
        (
            lambda d: d.update(vectorIndexType="flat"),
            'vector index type is immutable: attempted change from "hnsw" to "flat"',
        ),
        (
            lambda d: d["invertedIndexConfig"].update(indexNullState=True),
            '"indexNullState" setting is immutable. Value changed from "false" to "true"',
        ),
        (
            lambda d: d["properties"].append({"name": "extra", "dataType": ["int"]}),
            "property fields other than description cannot be updated through updating the class",
        ),
        (
            lambda d: d["properties"][0].update(tokenization="field"),
            "property fields other than description cannot be updated through updating the class",
        ),
        (
            lambda d: d.update(multiTenancyConfig={"enabled": True}),
            "enabling multi-tenancy for an existing class is not supported",
        ),
    ],
)
def test_other_changes_are_refused_and_nothing_changes(change, message: str) -> None:
    db = _filled()
    before = copy.deepcopy(db.collection("Doc").definition)
    proposed = copy.deepcopy(before)
    change(proposed)
    with pytest.raises(SchemaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        db.update_collection_settings("Doc", proposed)
    assert db.collection("Doc").definition == before


def test_a_property_description_changes_in_place_and_is_logged(tmp_path) -> None:
    db = _filled(tmp_path / "db")
    definition = copy.deepcopy(db.collection("Doc").definition)
    definition["properties"][0]["description"] = "the note itself"
    db.update_collection_settings("Doc", definition)
    assert db["Doc"].definition["properties"][0]["description"] == "the note itself"
    db._folder.close()  # a crash: the log alone holds the change
    with Database(tmp_path / "db") as again:
        assert again["Doc"].definition["properties"][0]["description"] == "the note itself"
        assert _bm25(again) == _bm25(_filled())  # nothing indexed changed


def _rows(db: Database, args: str, fields: str = "body") -> list:
    answer = db.query(f"{{ Get {{ Doc({args}) {{ {fields} }} }} }}")
    assert "errors" not in answer, answer
    return answer["data"]["Get"]["Doc"]


@pytest.mark.parametrize("crash", [True, False])
def test_a_property_added_to_a_class_with_objects_is_empty_for_them_and_indexed_after(
    tmp_path, crash
) -> None:
    db = _filled(tmp_path / "db")
    db.add_property("Doc", {"name": "title", "dataType": ["text"]})
    fresh = Database()  # the same objects in a class made with both properties score the same
    fresh.create_collection({**DEFINITION, "properties": db["Doc"].definition["properties"]}).insert_many(
        [{"properties": {"body": b}, "vector": [1.0, float(i)]} for i, b in enumerate(BODIES)]
    )
    assert _bm25(db) == _bm25(fresh)
    db["Doc"].insert({"properties": {"body": "a note", "title": "cat facts"}, "vector": [0.5, 0.5]})
    assert _rows(db, 'bm25: {query: "cat", properties: ["title"]}', "title") == [{"title": "cat facts"}]
    where = 'where: {path: ["title"], operator: Like, valueText: "*"}'
    assert _rows(db, where) == [{"body": "a note"}]  # objects stored before have no value for it
    if crash:
        db._folder.close()  # the log alone brings the property back
    else:
        db.close()  # a checkpoint holds it
    with Database(tmp_path / "db") as again:
        assert _rows(again, 'bm25: {query: "cat", properties: ["title"]}', "title") == [
            {"title": "cat facts"}
        ]
        assert _rows(again, where) == [{"body": "a note"}]
        again["Doc"].insert({"properties": {"title": "dog days"}, "vector": [0.1, 0.9]})
        assert _rows(again, 'bm25: {query: "dog", properties: ["title"]}', "title") == [{"title": "dog days"}]


def test_a_property_added_later_is_vectorized_for_new_objects() -> None:
    db = Database()
    db.create_collection(
        {
            "class": "Doc",
            "vectorizer": "text2vec-transformers",
            "properties": [{"name": "body", "dataType": ["text"]}],
        }
    )
    db.add_property("Doc", {"name": "title", "dataType": ["text"]})
    assert db["Doc"].object_text({"body": "b", "title": "t"}) == "Doc b t"


def test_add_property_refuses_a_taken_name_and_a_bad_type() -> None:
    db = _filled()
    with pytest.raises(SchemaError, match="property 'Body' already exists"):
        db.add_property("Doc", {"name": "Body", "dataType": ["text"]})
    with pytest.raises(SchemaError, match="unknown data type .integer."):
        db.add_property("Doc", {"name": "n", "dataType": ["integer"]})
    assert [p["name"] for p in db["Doc"].definition["properties"]] == ["body"]


TWO_VECTORS = {
    "class": "Pic",
    "properties": [{"name": "name", "dataType": ["text"]}],
    "vectorConfig": {
        "a": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw"},
        "b": {"vectorizer": {"none": {}}, "vectorIndexType": "flat"},
    },
}


def _with_vector(definition: dict, name: str) -> dict:
    added = {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw"}
    return {**definition, "vectorConfig": {**definition["vectorConfig"], name: added}}


@pytest.mark.parametrize("crash", [True, False])
def test_a_named_vector_added_later_survives_the_log_and_a_checkpoint(tmp_path, crash) -> None:
    db = Database(tmp_path / "db")
    pics = db.create_collection(TWO_VECTORS)
    pics.insert({"properties": {"name": "old"}, "vectors": {"a": [1.0, 0.0], "b": [1.0]}})
    db.update_collection_settings("Pic", _with_vector(pics.definition, "c"))
    pics.insert(
        {"properties": {"name": "new"}, "vectors": {"a": [0.0, 1.0], "b": [2.0], "c": [0.5, 0.5, 0.5]}}
    )
    near_c = '{ Get { Pic(nearVector: {vector: [1, 1, 1], targetVectors: ["c"]}) { name } } }'
    assert db.query(near_c)["data"]["Get"]["Pic"] == [{"name": "new"}]  # "old" has no vector "c"
    if crash:
        db._folder.close()
    else:
        db.close()
    with Database(tmp_path / "db") as again:
        assert again.query(near_c)["data"]["Get"]["Pic"] == [{"name": "new"}]
        assert set(again["Pic"].named) == {"a", "b", "c"}


def test_a_named_vector_left_out_is_refused_in_weaviates_words() -> None:
    db = Database()
    pics = db.create_collection(TWO_VECTORS)
    pics.insert({"properties": {"name": "old"}, "vectors": {"a": [1.0, 0.0], "b": [1.0]}})
    definition = copy.deepcopy(pics.definition)
    del definition["vectorConfig"]["b"]
    with pytest.raises(SchemaError) as refused:
        db.update_collection_settings("Pic", definition)
    assert refused.value.message == 'missing config for vector "b"'
    assert set(db["Pic"].named) == {"a", "b"} and "b" in db["Pic"].definition["vectorConfig"]


def test_refusals_come_in_weaviates_order() -> None:
    db = Database()
    pics = db.create_collection(TWO_VECTORS)
    pics.insert({"properties": {"name": "old"}, "vectors": {"a": [1.0, 0.0], "b": [1.0]}})
    definition = copy.deepcopy(pics.definition)
    del definition["vectorConfig"]["b"]
    definition["invertedIndexConfig"]["indexNullState"] = True
    with pytest.raises(SchemaError) as refused:  # parser.go: immutable fields before named vector parity
        db.update_collection_settings("Pic", definition)
    assert (
        refused.value.message == '"indexNullState" setting is immutable. Value changed from "false" to "true"'
    )


def test_a_class_with_one_vector_gains_no_named_vector_and_says_so() -> None:
    db = _filled()
    definition = db["Doc"].definition
    with pytest.raises(SchemaError, match="rankql adds named vectors only to a class made with several"):
        db.update_collection_settings(
            "Doc", {**definition, "vectorConfig": {"x": {"vectorizer": {"none": {}}}}}
        )


class _ByLength:
    def __init__(self, sign: float) -> None:
        self.sign = sign

    def score(self, query: str, documents: list[str]) -> list[float]:
        return [self.sign * len(d) for d in documents]


def test_the_reranker_of_a_class_with_objects_changes_as_in_weaviate() -> None:
    db = Database()
    db.register_reranker("longest", _ByLength(1.0))
    db.register_reranker("shortest", _ByLength(-1.0))
    db.create_collection({**DEFINITION, "moduleConfig": {"longest": {}}}).insert_many(
        [{"properties": {"body": b}, "vector": [1.0, float(i)]} for i, b in enumerate(BODIES)]
    )
    reranked = (
        '{ Get { Doc(limit: 4) { body _additional { rerank(property: "body", query: "q") { score } } } } }'
    )
    assert db.query(reranked)["data"]["Get"]["Doc"][0]["body"] == "a cat and a cat and a dog"
    db.update_collection_settings("Doc", {**db["Doc"].definition, "moduleConfig": {"shortest": {}}})
    assert db.query(reranked)["data"]["Get"]["Doc"][0]["body"] == "the end"
    with pytest.raises(SchemaError, match="cannot be changed while it holds objects"):
        db.update_collection_settings(  # a vectorizer's settings are no reranker's
            "Doc", {**db["Doc"].definition, "moduleConfig": {"text2vec-transformers": {}}}
        )
