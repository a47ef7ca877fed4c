"""How a class that holds objects may change (Weaviate's UpdateClass rules and AddClassProperty), and
applying such a change to the live indexes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import SchemaError
from .definition import normalize_definition
from .hnsw import dynamic_settings
from .stopwords import Stopwords
from .vectorizers import make_vectorizer
from .vectors import VectorIndex

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


def check_update(current: dict, proposed: dict, registered: Iterable[str] = ()) -> None:
    """SchemaError, in Weaviate's words where it has them, unless `proposed` changes only what a class
    holding objects may change: the description, auto-tenant switches, BM25 k1/b and stopwords, the
    vector index's search settings (ef, flatSearchCutoff, ...) of the class vector and each named one,
    its rerankers (moduleConfig reranker-* and the `registered` ones: Weaviate's config.update with
    reranker_config) and new named vectors on a class that has named vectors (config.add_vector)."""
    check_weaviate_rules(current, proposed)
    old_named, new_named = current.get("vectorConfig") or {}, proposed.get("vectorConfig") or {}
    names = set(old_named)
    if set(new_named) - names and not names:
        alias = (current.get("wireConfig") or {}).get("vectorName")
        held = f"its one vector '{alias}' as the class vector" if alias else "a class-level vector"
        raise SchemaError(
            f"class '{current['class']}' holds objects and keeps {held}: rankql adds named vectors only "
            "to a class made with several",
            hint="create a new class with every named vector and import the objects into it",
        )
    if _properties(proposed) != _properties(current):  # parser.go validatePropertiesForUpdate
        raise SchemaError(
            "property fields other than description cannot be updated through updating the class. Use "
            'the add property feature (e.g. "POST /v1/schema/{className}/properties") to add additional '
            "properties",
            hint="Database.add_property adds one; a property's type or index settings need a new class",
        )
    if _fixed_part(proposed, names, registered) != _fixed_part(current, names, registered):
        raise SchemaError(
            f"the properties or vectorizer settings of class '{current['class']}' cannot be changed while it "
            f"holds objects{' or tenants' if 'multiTenancyConfig' in current else ''}: rankql would have to "
            "index them again; create a new class and import the objects into it",
            hint="a class holding objects may change its description, BM25 and stopword settings and its "
            "vector index's ef and flatSearchCutoff, and its reranker",
        )


def check_weaviate_rules(current: dict, proposed: dict) -> None:
    """SchemaError for what Weaviate refuses in any class update, empty or not, in its words and in the
    order of its checks (usecases/schema/parser.go ParseClassUpdate: multi-tenancy, the immutable fields,
    then each named vector; the index settings' immutables after those)."""
    if ("multiTenancyConfig" in proposed) != ("multiTenancyConfig" in current):  # validateUpdatingMT
        word = "disabling" if "multiTenancyConfig" in current else "enabling"
        raise SchemaError(f"{word} multi-tenancy for an existing class is not supported")
    if proposed.get("class") != current.get("class"):
        raise SchemaError(
            f'class name is immutable: attempted change from "{current.get("class")}" to '
            f'"{proposed.get("class")}"'
        )
    _check_vectorizers(current, proposed, named=False)
    old_inverted, new_inverted = current["invertedIndexConfig"], proposed["invertedIndexConfig"]
    for key, name in IMMUTABLE_INVERTED:
        before, after = bool(old_inverted.get(key)), bool(new_inverted.get(key))
        if before != after:
            raise SchemaError(
                f'"{name}" setting is immutable. Value changed from "{str(before).lower()}" to '
                f'"{str(after).lower()}"'
            )
    old_named, new_named = current.get("vectorConfig") or {}, proposed.get("vectorConfig") or {}
    given = set(new_named) | {
        (proposed.get("wireConfig") or {}).get("vectorName")
    }  # one kept as the class vector
    for name in old_named:  # validateNamedVectorConfigsParityAndImmutables
        if name not in given:
            raise SchemaError(
                f'missing config for vector "{name}"',
                hint="a named vector cannot be taken away: give every vector of the class, changed or not",
            )
    _check_vectorizers(current, proposed, named=True)
    _check_vector_index(current.get("vectorIndexConfig") or {}, proposed.get("vectorIndexConfig") or {})
    for name in old_named.keys() & new_named.keys():
        _check_vector_index(
            old_named[name].get("vectorIndexConfig") or {}, new_named[name].get("vectorIndexConfig") or {}
        )


def _shown_vectors(definition: dict) -> dict[str | None, tuple[str, Any, Any]]:
    """Each vector as clients see it, by name (None: the class vector of a class without named ones):
    (vectorizer module, its settings, index type). A module rankql does not run (none, or substituted by
    the shipped model) is kept under wireConfig, where the store's own fields do not show it."""
    extras = definition.get("wireConfig") or {}
    kept = extras.get("vectorConfig") or {}
    out: dict[str | None, tuple[str, Any, Any]] = {}
    for name, config in (definition.get("vectorConfig") or {}).items():
        ((module, settings),) = ((kept.get(name) or {}).get("vectorizer") or config["vectorizer"]).items()
        out[name] = (module, settings, config.get("vectorIndexType"))
    if not out:
        module = extras.get("vectorizer", definition.get("vectorizer"))
        modules = extras.get("moduleConfig") if "vectorizer" in extras else definition.get("moduleConfig")
        settings = (modules or {}).get(module)
        out[extras.get("vectorName")] = (module, settings, definition.get("vectorIndexType"))
    return out


def _check_vectorizers(current: dict, proposed: dict, *, named: bool) -> None:
    """Weaviate's immutable vectorizers and index types: of the class vector (validateLegacyVectorIndex-
    ConfigImmutableFields, validateModuleConfigsParityAndImmutables) or, `named`, of each named vector
    (validateNamedVectorConfigsParityAndImmutables, validateImmutableFields)."""
    after = _shown_vectors(proposed)
    for name, (module, settings, index_type) in _shown_vectors(current).items():
        if name not in after or (name is None) == named:
            continue  # a vector taken away, or a class vector given up for named ones: refused below
        new_module, new_settings, new_type = after[name]
        if name is None:
            if module != new_module:
                raise SchemaError(
                    f'vectorizer is immutable: attempted change from "{module}" to "{new_module}"'
                )
            if index_type != new_type:
                raise SchemaError(
                    f'vector index type is immutable: attempted change from "{index_type}" to "{new_type}"'
                )
            if (settings or new_settings) and settings != new_settings:
                raise SchemaError(
                    "can only update generative and reranker module configs. "
                    f"Got: {module} for class: {current['class']}"
                )
            continue
        if index_type != new_type:
            raise SchemaError(
                f'vector index type of vector "{name}" is immutable: attempted change from "{index_type}" '
                f'to "{new_type}"'
            )
        if module != new_module:
            raise SchemaError(
                f'vectorizer of vector "{name}" is immutable: attempted change from "{module}" to '
                f'"{new_module}"'
            )
        if (settings or new_settings) and settings != new_settings:
            raise SchemaError(
                f'vectorizer config of vector "{name}" is immutable for class {current["class"]}'
            )


def _check_vector_index(before: dict, after: dict) -> None:
    for key in IMMUTABLE_VECTOR_INDEX:
        if before.get(key) != after.get(key):
            raise SchemaError(
                f'{key} is immutable: attempted change from "{before.get(key)}" to "{after.get(key)}"'
            )


def _properties(definition: dict) -> dict[str, Any]:
    """The properties by name without their descriptions (at any depth): what may not change in place."""

    def bare(prop: dict) -> dict:
        out = {k: v for k, v in prop.items() if k != "description"}
        if "nestedProperties" in out:
            out["nestedProperties"] = [bare(p) for p in out["nestedProperties"]]
        return out

    return {p["name"]: bare(p) for p in definition["properties"]}


def _fixed_part(definition: dict, names: set[str], registered: Iterable[str]) -> dict:
    """The definition without what check_update lets change (named vectors other than `names`, the
    current ones, are new: Weaviate's config.add_vector)."""
    out = {k: v for k, v in definition.items() if k not in SETTINGS_ONLY}
    out["properties"] = _properties(definition)
    rerankers = frozenset(registered)
    out["moduleConfig"] = {  # read at query time only (class_schema's rerankers, the rerank stage)
        k: v
        for k, v in (out.get("moduleConfig") or {}).items()
        if not (k.startswith("reranker-") or k in rerankers)
    }
    out.pop("vectorIndexConfig", None)
    inverted = out.get("invertedIndexConfig") or {}
    out["invertedIndexConfig"] = {k: v for k, v in inverted.items() if k not in MUTABLE_INVERTED}
    if "vectorConfig" in out:
        out["vectorConfig"] = {
            name: {k: v for k, v in config.items() if k != "vectorIndexConfig"}
            for name, config in out["vectorConfig"].items()
            if name in names
        }
        if not out["vectorConfig"]:
            del out["vectorConfig"]
    return out


def with_property(definition: dict, prop: Any, modules: Any, shown: dict | None = None) -> dict:
    """The normalized definition of a class after adding `prop` (SchemaError when its name is taken or it
    is no valid property). Objects already stored have no value for it, as in Weaviate: nothing is indexed
    again, so a class that holds objects may gain one. `shown`: the property's settings rankql does not
    act on but shows back (wireConfig.properties, as a class created with it keeps them)."""
    name = prop.get("name") if isinstance(prop, dict) else None
    if not isinstance(name, str):
        raise SchemaError(
            f"a property needs a name and a dataType, got {prop!r}",
            hint='e.g. {"name": "title", "dataType": ["text"]}',
        )
    if any(p["name"].lower() == name.lower() for p in definition["properties"]):
        raise SchemaError(f"property '{name}' already exists in class '{definition['class']}'")
    added = {**definition, "properties": [*definition["properties"], prop]}
    if shown:
        extras = dict(definition.get("wireConfig") or {})
        extras["properties"] = {**(extras.get("properties") or {}), name: shown}
        added["wireConfig"] = extras
    return normalize_definition(added, modules)


def redefine(collection: Any, definition: dict) -> None:
    """Swap in a definition made by with_property or allowed by check_update, in `collection` and its
    loaded tenants (a COLD tenant's shard takes it when loaded: TenantShards.attach)."""
    collection.read_definition(definition)
    _apply(collection, definition)
    shards = getattr(collection, "tenant_shards", None)
    for tenant in shards.items.values() if shards is not None else ():
        if tenant.shard is not None:
            redefine(tenant.shard, definition)


def _apply(collection: Any, definition: dict) -> None:
    """Make the live indexes of `collection` follow `definition`: empty postings for a new searchable
    property, an empty index for a new named vector, BM25's k1 and b and stopwords, each vector index's
    config and ef (physical plans are made again, as a new definition gives a new class schema)."""
    bm25 = collection.bm25
    if bm25 is not None:
        for p in definition["properties"]:
            if p["indexSearchable"] and p["name"] not in bm25.fields:
                bm25.add_field(p["name"], p["tokenization"])
        k1, b, stopwords = keyword_settings(definition)
        if (k1, b, stopwords.to_config()) != (bm25.k1, bm25.b, bm25.stopwords.to_config()):
            bm25.set_parameters(k1, b, stopwords)
        collection.stopwords = bm25.stopwords
    _apply_vector_index(collection.vectors, definition.get("vectorIndexConfig"))
    named = collection.named_definitions  # read_definition made them from `definition`
    for name, index in collection.named.items():
        _apply_vector_index(index, named[name]["vectorIndexConfig"] if name in named else None)
    for name, config in named.items():
        if name not in collection.named:  # a named vector added: objects stored before have none
            collection.named[name] = VectorIndex(config["vectorIndexConfig"], config["vectorIndexType"])
            collection.named_vectorizers[name] = make_vectorizer(config)


def _apply_vector_index(vectors: Any, config: dict | None) -> None:
    if not config:
        return
    vectors.config = config
    if vectors.hnsw is not None:
        vectors.hnsw.set_ef(int(config.get("ef", -1)), dynamic_settings(config))
