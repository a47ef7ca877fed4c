"""A class exported from a real Weaviate (GET /v1/schema/{class}) loads unchanged and is shown back as given."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
from rankql.runtime import Database
from rankql.runtime.errors import SchemaError
from rankql.runtime.server.wire_schema import to_rankql
from rankql.runtime.server.wire_shown import to_wire
from rankql.runtime.store.definition import normalize_definition
from rankql.runtime.store.definition_lenient import IgnoredSettingsWarning

EXPORT = Path(__file__).parent / "fixtures" / "weaviate_export_article.json"


def _export() -> dict:
    return json.loads(EXPORT.read_text())


def test_a_real_export_loads_and_names_what_rankql_does_not_act_on_once() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        collection = Database().create_collection(_export())
    ignored = [w for w in caught if issubclass(w.category, IgnoredSettingsWarning)]
    assert len(ignored) == 1
    text = str(ignored[0].message)
    for named in ("vectorizer 'text2vec-openai'", "moduleConfig.generative-openai", "vectorIndexConfig.pq"):
        assert named in text
    assert "wordCount' indexRangeFilters" in text
    # Weaviate's single-node defaults and disabled quantizers are kept without a word
    for quiet in (
        "shardingConfig",
        "replicationConfig",
        "dynamicEf",
        "vectorIndexConfig.bq",
        "usingBlockMaxWAND",
    ):
        assert quiet not in text
    # what rankql acts on is in force: the inverted index flags and the property tokenization
    schema = collection.class_schema
    assert schema.index_null_state and schema.index_property_length and schema.index_timestamps
    assert collection.definition["properties"][1]["tokenization"] == "field"


def test_the_export_is_shown_back_as_given() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IgnoredSettingsWarning)
        stored = normalize_definition(_export())
    assert to_wire(stored) == _export()
    # the server's translation and the store's agree: the same definition either way, with no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", IgnoredSettingsWarning)
        assert normalize_definition(to_rankql(_export())) == normalize_definition(stored)


def test_the_loaded_class_searches_with_its_own_vectors() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IgnoredSettingsWarning)
        db = Database()
        collection = db.create_collection(_export())
    collection.insert({"properties": {"title": "fish market", "wordCount": 3}, "vector": np.ones(4).tolist()})
    got = db.query('{ Get { Article(bm25: {query: "fish"}) { title } } }')
    assert got["data"]["Get"]["Article"] == [{"title": "fish market"}]


def test_misspelt_modules_stay_errors() -> None:
    export = _export()
    export["vectorizer"] = "text2vec-openia"
    export["moduleConfig"]["reranker-cohre"] = {}
    with pytest.raises(SchemaError) as info:
        Database().create_collection(export)
    assert "unsupported vectorizer 'text2vec-openia'" in str(info.value)
    assert "unknown module 'reranker-cohre'" in str(info.value)


def test_dynamic_ef_settings_are_acted_on_and_taken_back_from_where_older_folders_kept_them() -> None:
    given = {"class": "Doc", "vectorIndexConfig": {"dynamicEfMin": 7, "dynamicEfFactor": 2}}
    with warnings.catch_warnings():
        warnings.simplefilter("error", IgnoredSettingsWarning)  # acted on: no warning
        acted = normalize_definition(given)
    assert acted["vectorIndexConfig"]["dynamicEfMin"] == 7 and "wireConfig" not in acted
    # a definition saved by a rankql that kept them aside (definition.json of an older folder)
    older = {
        "class": "Doc",
        "vectorIndexConfig": {"distance": "cosine"},
        "wireConfig": {
            "vectorIndexConfig": {"dynamicEfMin": 7, "dynamicEfFactor": 2, "pq": {"enabled": False}}
        },
    }
    opened = normalize_definition(older)
    assert (
        opened["vectorIndexConfig"]["dynamicEfMin"] == 7
        and opened["vectorIndexConfig"]["dynamicEfFactor"] == 2
    )
    assert opened["wireConfig"] == {"vectorIndexConfig": {"pq": {"enabled": False}}}
    named = {
        "class": "Doc",
        "vectorConfig": {"body": {"vectorizer": {"none": {}}, "vectorIndexType": "hnsw"}},
        "wireConfig": {"vectorConfig": {"body": {"vectorIndexConfig": {"dynamicEfMax": 90}}}},
    }
    opened = normalize_definition(named)
    assert opened["vectorConfig"]["body"]["vectorIndexConfig"]["dynamicEfMax"] == 90
    assert "wireConfig" not in opened
    with pytest.raises(SchemaError, match="dynamicEfFactor must be an integer"):
        normalize_definition({"class": "Doc", "vectorIndexConfig": {"dynamicEfFactor": 1.5}})


def test_dynamic_ef_values_are_read_as_weaviate_reads_them() -> None:
    """Weaviate's OptionalIntFromMap: null is 0, a number beyond int64 is capped at its largest."""
    index = normalize_definition(
        {"class": "N", "vectorIndexConfig": {"dynamicEfFactor": None, "dynamicEfMax": 10**30, "ef": 10**30}}
    )["vectorIndexConfig"]
    assert index["dynamicEfFactor"] == 0 and index["dynamicEfMax"] == index["ef"] == 2**63 - 1
    db = Database()
    near = db.create_collection({"class": "N", "vectorIndexConfig": {"dynamicEfFactor": None}})
    assert near.insert_many([{"properties": {}, "vector": [1.0, float(i)]} for i in range(5)]).ok
    huge = db.create_collection({"class": "H", "vectorIndexConfig": {"dynamicEfFactor": 10**30}})
    assert huge.insert_many([{"properties": {}, "vector": [1.0, float(i)]} for i in range(5)]).ok
    for name in ("N", "H"):
        answer = db.query(
            f"{{ Get {{ {name}(nearVector: {{vector: [1, 2]}}, limit: 2) {{ _additional {{ id }} }} }} }}"
        )
        assert len(answer["data"]["Get"][name]) == 2, answer


def test_a_taken_back_setting_leaves_nothing_behind_and_odd_kept_values_stay_shown_only() -> None:
    opened = normalize_definition({"class": "Doc", "wireConfig": {"vectorIndexConfig": {"dynamicEfMin": 7}}})
    assert opened["vectorIndexConfig"]["dynamicEfMin"] == 7 and "wireConfig" not in opened
    db = Database()
    db.create_collection(opened)
    definition = db["Doc"].definition
    del definition["vectorIndexConfig"]["dynamicEfMin"]
    db.update_collection_settings("Doc", definition)  # taken away: Weaviate's default again
    assert "dynamicEfMin" not in db["Doc"].definition["vectorIndexConfig"]
    assert db["Doc"].vectors.config.get("dynamicEfMin") is None
    # values an earlier rankql kept without reading them: the folder still opens, they stay shown only
    odd = {"dynamicEfFactor": 8.0, "dynamicEfMax": "500", "dynamicEfMin": True, "ef": None}
    kept = normalize_definition({"class": "Doc", "wireConfig": {"vectorIndexConfig": dict(odd)}})
    assert kept["wireConfig"] == {"vectorIndexConfig": odd}
    assert not {"dynamicEfFactor", "dynamicEfMax", "dynamicEfMin"} & set(kept["vectorIndexConfig"])
