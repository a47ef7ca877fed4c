"""The class as Weaviate's GET /v1/schema/{class} shows it: a rankql definition with every default filled in."""

from __future__ import annotations

import copy
from typing import Any

from ..store.definition_lenient import REPLICATION_DEFAULTS, SHARDING_DEFAULTS
from .wire_schema import RANKQL_VECTORIZER, shown_vectorizer

# Weaviate's defaults as GET /v1/schema/{class} shows them (entities/vectorindex/hnsw, usecases/sharding).
_HNSW_DEFAULTS: dict[str, Any] = {
    "bq": {"enabled": False},
    "cleanupIntervalSeconds": 300,
    "distance": "cosine",
    "dynamicEfFactor": 8,
    "dynamicEfMax": 500,
    "dynamicEfMin": 100,
    "ef": -1,
    "efConstruction": 128,
    "filterStrategy": "sweeping",
    "flatSearchCutoff": 40000,
    "maxConnections": 32,
    "multivector": {"aggregation": "maxSim", "enabled": False},
    "pq": {
        "bitCompression": False,
        "centroids": 256,
        "enabled": False,
        "encoder": {"distribution": "log-normal", "type": "kmeans"},
        "segments": 0,
        "trainingLimit": 100000,
    },
    "rq": {"bits": 8, "enabled": False, "rescoreLimit": 20},
    "skip": False,
    "sq": {"enabled": False, "rescoreLimit": 20, "trainingLimit": 100000},
    "vectorCacheMaxObjects": 1000000000000,
}
_FLAT_KEYS = ("bq", "pq", "sq", "rq", "distance", "vectorCacheMaxObjects")
_MULTI_TENANCY = {"autoTenantActivation": False, "autoTenantCreation": False, "enabled": False}


def to_wire(definition: dict) -> dict:
    """The class as Weaviate's GET /v1/schema/{class} shows it, every default filled in."""
    extras = definition.get("wireConfig") or {}
    vectorizer = shown_vectorizer(definition)
    modules = copy.deepcopy(definition["moduleConfig"])
    if extras.get("substituted"):
        modules.pop(RANKQL_VECTORIZER, None)
    modules.update(copy.deepcopy(extras.get("moduleConfig") or {}))
    if vectorizer != "none":
        modules.setdefault(vectorizer, {}).setdefault("vectorizeClassName", True)
    out: dict[str, Any] = {"class": definition["class"]}
    if definition.get("description"):
        out["description"] = definition["description"]
    out["invertedIndexConfig"] = _inverted_wire(definition["invertedIndexConfig"], extras)
    out["moduleConfig"] = modules
    out["multiTenancyConfig"] = {**_MULTI_TENANCY, **(definition.get("multiTenancyConfig") or {})}
    out["properties"] = [_property_wire(p, vectorizer, extras) for p in definition["properties"]]
    out["replicationConfig"] = {**REPLICATION_DEFAULTS, **(extras.get("replicationConfig") or {})}
    out["shardingConfig"] = {**SHARDING_DEFAULTS, **(extras.get("shardingConfig") or {})}
    index_type = definition["vectorIndexType"]
    index = _index_wire(definition["vectorIndexConfig"], index_type, extras)
    if definition.get("vectorConfig"):
        out["vectorConfig"] = _named_wire(definition["vectorConfig"], extras.get("vectorConfig") or {})
        return out
    named = extras.get("vectorName")
    if named is None:
        out.update(vectorIndexConfig=index, vectorIndexType=index_type, vectorizer=vectorizer)
        return out
    settings = modules.pop(vectorizer, {}) if vectorizer != "none" else {}
    out["vectorConfig"] = {
        named: {
            "vectorIndexConfig": index,
            "vectorIndexType": index_type,
            "vectorizer": {vectorizer: settings},
        }
    }
    return out


def _named_wire(config: dict, kept: dict) -> dict:
    """Named vectors as given: the module the client named (a substituted or unrun one included)."""
    out = {}
    for vector, entry in config.items():
        keep = kept.get(vector) or {}
        index_type = entry["vectorIndexType"]
        vectorizer = copy.deepcopy(keep.get("vectorizer") or entry["vectorizer"])
        for module, settings in vectorizer.items():
            if module != "none":
                settings.setdefault("vectorizeClassName", True)
        out[vector] = {
            "vectorIndexConfig": _index_wire(entry["vectorIndexConfig"], index_type, keep),
            "vectorIndexType": index_type,
            "vectorizer": vectorizer,
        }
    return out


def _inverted_wire(inverted: dict, extras: dict) -> dict:
    out: dict[str, Any] = {
        "bm25": dict(inverted["bm25"]),
        "cleanupIntervalSeconds": 60,
        "stopwords": dict(inverted["stopwords"]),
        "usingBlockMaxWAND": True,
    }
    out.update(extras.get("invertedIndexConfig") or {})
    for key in ("indexTimestamps", "indexNullState", "indexPropertyLength"):
        if inverted.get(key):  # Weaviate leaves false flags out
            out[key] = True
    return out


def _index_wire(index: dict, index_type: str, extras: dict) -> dict:
    out = copy.deepcopy(_HNSW_DEFAULTS)
    out.update(copy.deepcopy(extras.get("vectorIndexConfig") or {}))
    out.update(index)
    if index_type == "flat":
        out = {k: v for k, v in out.items() if k in _FLAT_KEYS}
    return out


def _property_wire(prop: dict, vectorizer: str, extras: dict) -> dict:
    kept = (extras.get("properties") or {}).get(prop["name"], {})
    modules = copy.deepcopy(prop.get("moduleConfig") or {})
    if extras.get("substituted"):
        modules.pop(RANKQL_VECTORIZER, None)
    modules.update(copy.deepcopy(kept.get("moduleConfig") or {}))
    if vectorizer != "none":
        settings = modules.setdefault(vectorizer, {})
        settings.setdefault("skip", False)
        settings.setdefault("vectorizePropertyName", False)
    out: dict[str, Any] = {"dataType": list(prop["dataType"])}
    if prop.get("description"):
        out["description"] = prop["description"]
    out["indexFilterable"] = prop["indexFilterable"]
    out["indexRangeFilters"] = bool(kept.get("indexRangeFilters", False))
    out["indexSearchable"] = prop["indexSearchable"]
    if modules:
        out["moduleConfig"] = modules
    out["name"] = prop["name"]
    if "nestedProperties" in prop:
        out["nestedProperties"] = [_nested_wire(p) for p in prop["nestedProperties"]]
    if "tokenization" in prop:
        out["tokenization"] = prop["tokenization"]
    return out


def _nested_wire(prop: dict) -> dict:
    """A nested property as Weaviate's /v1/schema shows one (models.NestedProperty's fields)."""
    out: dict[str, Any] = {"dataType": list(prop["dataType"])}
    if prop.get("description"):
        out["description"] = prop["description"]
    out["indexFilterable"] = prop["indexFilterable"]
    out["indexRangeFilters"] = False
    out["indexSearchable"] = prop["indexSearchable"]
    out["name"] = prop["name"]
    if "nestedProperties" in prop:
        out["nestedProperties"] = [_nested_wire(p) for p in prop["nestedProperties"]]
    if "tokenization" in prop:
        out["tokenization"] = prop["tokenization"]
    return out
