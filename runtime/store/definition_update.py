"""Which parts of a class definition may change once it holds objects (Weaviate's UpdateClass rules), and
applying such a change to the live indexes."""

from __future__ import annotations

from typing import Any

from ..errors import SchemaError
from .definition_vectors import as_class_definition
from .stopwords import Stopwords

# Read at query time only: a class that holds objects may change them (Weaviate's mutable settings).
SETTINGS_ONLY = ("description", "wireConfig", "multiTenancyConfig")
MUTABLE_INVERTED = ("bm25", "stopwords")
# hnsw/config_update.go ValidateUserConfigUpdate: the graph was built with these
IMMUTABLE_VECTOR_INDEX = ("efConstruction", "maxConnections", "distance")
# class.go validateImmutableFields: what the inverted index holds per object
IMMUTABLE_INVERTED = (
    ("indexTimestamps", "indexTimestamp"),
    ("indexNullState", "indexNullState"),
    ("indexPropertyLength", "indexPropertyLength"),
)


def keyword_settings(definition: dict) -> tuple[float, float, Stopwords]:
    """BM25's k1 and b and the Stopwords of the class (read at query time only)."""
    inverted = definition["invertedIndexConfig"]
    stop = inverted["stopwords"]
    bm25 = inverted["bm25"]
    return float(bm25["k1"]), float(bm25["b"]), Stopwords(stop["preset"], stop["additions"], stop["removals"])


def check_update(current: dict, proposed: dict) -> None:
    """SchemaError, in Weaviate's words where it has them, unless `proposed` changes only what a class
    holding objects may change: the description, auto-tenant switches, BM25 k1/b and stopwords, and the
    vector index's search settings (ef, flatSearchCutoff, ...), of the class vector and each named one."""
    if proposed.get("class") != current.get("class"):
        raise SchemaError(
            f'class name is immutable: attempted change from "{current.get("class")}" to '
            f'"{proposed.get("class")}"'
        )
    if ("multiTenancyConfig" in proposed) != ("multiTenancyConfig" in current):  # validateUpdatingMT
        word = "disabling" if "multiTenancyConfig" in current else "enabling"
        raise SchemaError(f"{word} multi-tenancy for an existing class is not supported")
    for key, name in (("vectorizer", "vectorizer"), ("vectorIndexType", "vector index type")):
        if current.get(key) != proposed.get(key):
            raise SchemaError(
                f'{name} is immutable: attempted change from "{current.get(key)}" to "{proposed.get(key)}"'
            )
    _check_vector_index(current.get("vectorIndexConfig") or {}, proposed.get("vectorIndexConfig") or {})
    old_named, new_named = current.get("vectorConfig") or {}, proposed.get("vectorConfig") or {}
    for name in old_named.keys() & new_named.keys():
        _check_vector_index(
            old_named[name].get("vectorIndexConfig") or {}, new_named[name].get("vectorIndexConfig") or {}
        )
    old_inverted, new_inverted = current["invertedIndexConfig"], proposed["invertedIndexConfig"]
    for key, name in IMMUTABLE_INVERTED:
        before, after = bool(old_inverted.get(key)), bool(new_inverted.get(key))
        if before != after:
            raise SchemaError(
                f'"{name}" setting is immutable. Value changed from "{str(before).lower()}" to '
                f'"{str(after).lower()}"'
            )
    if _fixed_part(proposed) != _fixed_part(current):
        raise SchemaError(
            f"the properties or vectorizer settings of class '{current['class']}' cannot be changed while it "
            f"holds objects{' or tenants' if 'multiTenancyConfig' in current else ''}: rankql would have to "
            "index them again; create a new class and import the objects into it",
            hint="a class holding objects may change its description, BM25 and stopword settings and its "
            "vector index's ef and flatSearchCutoff",
        )


def _check_vector_index(before: dict, after: dict) -> None:
    for key in IMMUTABLE_VECTOR_INDEX:
        if before.get(key) != after.get(key):
            raise SchemaError(
                f'{key} is immutable: attempted change from "{before.get(key)}" to "{after.get(key)}"'
            )


def _fixed_part(definition: dict) -> dict:
    """The definition without what check_update lets change."""
    out = {k: v for k, v in definition.items() if k not in SETTINGS_ONLY}
    out.pop("vectorIndexConfig", None)
    inverted = out.get("invertedIndexConfig") or {}
    out["invertedIndexConfig"] = {k: v for k, v in inverted.items() if k not in MUTABLE_INVERTED}
    if "vectorConfig" in out:
        out["vectorConfig"] = {
            name: {k: v for k, v in config.items() if k != "vectorIndexConfig"}
            for name, config in out["vectorConfig"].items()
        }
    return out


def apply_settings(collection: Any, definition: dict) -> None:
    """Make the live indexes of `collection` follow the search settings of `definition`: BM25's k1 and b
    and stopwords, each vector index's config and ef (physical plans are made again, as a new definition
    gives a new class schema)."""
    bm25 = collection.bm25
    if bm25 is not None:
        k1, b, stopwords = keyword_settings(definition)
        if (k1, b, stopwords.to_config()) != (bm25.k1, bm25.b, bm25.stopwords.to_config()):
            bm25.set_parameters(k1, b, stopwords)
        collection.stopwords = bm25.stopwords
    _apply_vector_index(collection.vectors, definition.get("vectorIndexConfig"))
    named = {
        name: as_class_definition(definition, c) for name, c in (definition.get("vectorConfig") or {}).items()
    }
    collection.named_definitions = named
    for name, index in collection.named.items():
        _apply_vector_index(index, named[name]["vectorIndexConfig"] if name in named else None)


def _apply_vector_index(vectors: Any, config: dict | None) -> None:
    if not config:
        return
    vectors.config = config
    if vectors.hnsw is not None:
        vectors.hnsw.ef = int(config.get("ef", -1))
