"""Collection definitions: check a Weaviate class dict, fill its defaults, and derive the ClassSchema."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable
from typing import Any

from rankql.dsl.schema import DISTANCES, REFERENCE_TYPE, ClassSchema, NamedVectorSchema, PropertySchema

from ..errors import SchemaError
from .definition_lenient import ACTED_INDEX_KEYS, ACTED_INVERTED_KEYS, set_aside
from .definition_props import Checker, check_properties, suggest
from .definition_vectors import normalize_vector_config, set_aside_vectors, vectorizer_of
from .nested import nested_schema
from .thresholds import FLAT_SEARCH_CUTOFF

VECTORIZERS = ("none", "text2vec-transformers")
BUILTIN_MODULES = (
    "text2vec-transformers",
    "reranker-transformers",
    "reranker-cohere",
    "reranker-similarity",
    "reranker-dummy",
)
STOPWORD_PRESETS = ("en", "none")
VECTOR_INDEX_TYPES = ("hnsw", "flat")

_CLASS_NAME = re.compile(r"^[A-Z][_0-9A-Za-z]*$")  # Weaviate's ClassNameRegexCore (entities/schema)
# Weaviate allows 255 characters (a directory name); rankql saves each class in a folder named
# '<4-digit position>-<class>', so 250 keep that name within the 255 bytes a file system allows.
MAX_CLASS_NAME = 250
_CLASS_KEYS = (
    "class",
    "description",
    "properties",
    "vectorizer",
    "moduleConfig",
    "vectorIndexType",
    "vectorIndexConfig",
    "invertedIndexConfig",
    "replicationConfig",
    "shardingConfig",
    "multiTenancyConfig",
    "wireConfig",
    "vectorConfig",
)
_VECTOR_INDEX_KEYS = ACTED_INDEX_KEYS
_INVERTED_KEYS = ACTED_INVERTED_KEYS


def capitalize_class_name(name: str) -> str:
    """Weaviate capitalizes the first letter of a class name on creation."""
    return name[:1].upper() + name[1:]


def normalize_definition(definition: dict, known_modules: Iterable[str] = ()) -> dict:
    """A checked copy of `definition` with every default filled; SchemaError lists all problems."""
    try:
        return _normalize(definition, known_modules)
    except RecursionError:  # a value nested thousands deep (copying or showing it recurses)
        raise SchemaError(
            "the class definition is nested too deeply to read",
            hint="definitions hold a few levels of objects and lists; check how it was built",
        ) from None


def _normalize(definition: dict, known_modules: Iterable[str]) -> dict:
    if not isinstance(definition, dict):
        raise SchemaError(
            f"a class definition must be a dict, got {type(definition).__name__}",
            hint='pass e.g. {"class": "Article", "properties": [{"name": "title", "dataType": ["text"]}]}',
        )
    raw_name = definition.get("class")
    if not isinstance(raw_name, str) or not raw_name:
        raise SchemaError("a class definition needs a 'class' name", hint='add "class": "Article"')
    name = capitalize_class_name(raw_name)
    modules = set(BUILTIN_MODULES) | set(known_modules)
    definition = set_aside(definition, VECTORIZERS, modules)  # a real Weaviate export loads unchanged
    definition = set_aside_vectors(definition, VECTORIZERS)
    check = Checker(name)
    if not _CLASS_NAME.match(name):
        check.add(f"class name '{raw_name}' must start with a letter and hold only letters, digits and _")
    elif len(name) > MAX_CLASS_NAME:
        check.add(
            f"class name is {len(name)} characters long; rankql allows at most {MAX_CLASS_NAME} "
            "(each class is saved in a folder named after it)"
        )
    check.keys("the class", definition, _CLASS_KEYS)
    out: dict[str, Any] = {"class": name}
    if definition.get("description") is not None:
        out["description"] = str(definition["description"])
    vectorizer = definition.get("vectorizer", "none")
    if vectorizer not in VECTORIZERS:
        check.add(
            f"unsupported vectorizer '{vectorizer}': use 'text2vec-transformers' or 'none'"
            + suggest(str(vectorizer), VECTORIZERS)
        )
    out["vectorizer"] = vectorizer
    out["moduleConfig"] = _module_config(check, definition.get("moduleConfig"), modules, vectorizer)
    out["vectorIndexType"] = definition.get("vectorIndexType", "hnsw")
    if out["vectorIndexType"] not in VECTOR_INDEX_TYPES:
        check.add(f"vectorIndexType '{out['vectorIndexType']}' is not supported: use 'hnsw' or 'flat'")
    out["vectorIndexConfig"] = _vector_index(check, definition.get("vectorIndexConfig") or {})
    out["invertedIndexConfig"] = _inverted(check, definition.get("invertedIndexConfig") or {})
    tenancy = _multi_tenancy(check, definition.get("multiTenancyConfig"))
    if tenancy is not None:
        out["multiTenancyConfig"] = tenancy  # only when enabled: other definitions stay as they were
    out["properties"] = check_properties(check, definition.get("properties") or [], modules)
    named = normalize_vector_config(
        check,
        definition.get("vectorConfig"),
        definition,
        VECTORIZERS,
        VECTOR_INDEX_TYPES,
        lambda config, module: _module_config(check, config, modules, module),
        lambda config: _vector_index(check, config),
    )
    if named is not None:
        out["vectorConfig"] = named
    if isinstance(definition.get("wireConfig"), dict):
        # Settings only a Weaviate-compatible server shows back (runtime/server/wire_schema.py); kept verbatim.
        out["wireConfig"] = copy.deepcopy(definition["wireConfig"])
    check.raise_if_any()
    return out


def _module_config(check: Checker, config: Any, modules: set[str], vectorizer: str) -> dict:
    if config is None:
        config = {}
    if not isinstance(config, dict):
        check.add("moduleConfig must be an object keyed by module name")
        return {}
    out = copy.deepcopy(config)
    for module, settings in config.items():
        if not isinstance(module, str):
            check.add(
                f"moduleConfig keys must be module names (text), got {type(module).__name__} {module!r}"
            )
        elif module not in modules:
            check.add(
                f"unknown module '{module}' in moduleConfig{suggest(module, modules)}; "
                "known: " + ", ".join(sorted(modules)) + " (register custom rerankers with "
                "db.register_reranker(name, reranker) before creating the class)"
            )
        elif not isinstance(settings, dict):
            check.add(f"moduleConfig '{module}' must be an object, got {settings!r}")
    t2v = out.get("text2vec-transformers")
    if isinstance(t2v, dict):
        if "vectorizeClassName" in t2v:
            check.boolean("text2vec-transformers.vectorizeClassName", t2v["vectorizeClassName"])
        if "model" in t2v and not isinstance(t2v["model"], str):
            check.add("text2vec-transformers.model must be a model name or a local path")
        props = t2v.get("properties")
        if props is not None and (not isinstance(props, list) or not all(isinstance(p, str) for p in props)):
            check.add("text2vec-transformers.properties must be a list of property names")
    if vectorizer == "text2vec-transformers":
        out.setdefault("text2vec-transformers", {})
        out["text2vec-transformers"].setdefault("vectorizeClassName", True)
    return out


_WEAVIATE_INTS = ("ef", "dynamicEfMin", "dynamicEfMax", "dynamicEfFactor")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _vector_index(check: Checker, config: Any) -> dict:
    if not isinstance(config, dict):
        check.add("vectorIndexConfig must be an object")
        return {"distance": "cosine"}
    check.keys("vectorIndexConfig", config, _VECTOR_INDEX_KEYS)
    out = {"distance": "cosine", "ef": -1, "efConstruction": 128, "maxConnections": 32}
    out["flatSearchCutoff"] = FLAT_SEARCH_CUTOFF
    out.update({k: v for k, v in config.items() if k in _VECTOR_INDEX_KEYS})
    for key in _WEAVIATE_INTS:  # as Weaviate's OptionalIntFromMap reads them
        value = out.get(key)
        if value is None and key in out and key != "ef":
            out[key] = 0  # null reads as 0
        elif isinstance(value, int) and not isinstance(value, bool) and not _INT64_MIN <= value <= _INT64_MAX:
            out[key] = _INT64_MAX  # a number beyond int64 is capped at its largest
    if out["distance"] not in DISTANCES:
        check.add(
            f"distance '{out['distance']}' is not supported: use one of "
            + ", ".join(DISTANCES)
            + suggest(str(out["distance"]), DISTANCES)
        )
    for key, low in (("efConstruction", 4), ("maxConnections", 2), ("flatSearchCutoff", 0)):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            check.add(f"vectorIndexConfig.{key} must be an integer >= {low}, got {value!r}")
    ef = out["ef"]
    if isinstance(ef, bool) or not isinstance(ef, int) or (ef < 1 and ef != -1):
        check.add(f"vectorIndexConfig.ef must be -1 (dynamic) or a positive integer, got {ef!r}")
    for key in ("dynamicEfMin", "dynamicEfMax", "dynamicEfFactor"):  # any integer, as Weaviate takes them
        value = out.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            check.add(f"vectorIndexConfig.{key} must be an integer, got {value!r}")
    if out.get("skip"):
        check.add("vectorIndexConfig.skip is not supported")
    return out


def _number(value: Any) -> bool:
    """A finite int or float (NaN and inf would make every BM25 score NaN: no results, no error)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _section(check: Checker, config: dict, key: str) -> dict:
    """An optional object inside invertedIndexConfig: {} when absent, a problem when not an object."""
    given = config.get(key)
    if given is None:
        return {}
    if not isinstance(given, dict):
        check.add(f"invertedIndexConfig.{key} must be an object, got {type(given).__name__} {given!r}")
        return {}
    return given


def _multi_tenancy(check: Checker, config: Any) -> dict | None:
    """The three switches when multi-tenancy is enabled (each tenant its own shard: store/tenants.py)."""
    if config is None:
        return None
    if not isinstance(config, dict):
        check.add(f"multiTenancyConfig must be an object, got {type(config).__name__} {config!r}")
        return None
    keys = ("enabled", "autoTenantCreation", "autoTenantActivation")
    check.keys("multiTenancyConfig", config, keys)
    for key, value in config.items():
        check.boolean(f"multiTenancyConfig.{key}", value)
    if config.get("enabled") is not True:
        for key in keys[1:]:  # Weaviate's validateMT
            if config.get(key) is True:
                check.add(f"can't enable {key} on a non-multi-tenant class")
        return None
    return {key: config.get(key) is True for key in keys}


def _inverted(check: Checker, config: Any) -> dict:
    if not isinstance(config, dict):
        check.add("invertedIndexConfig must be an object")
        config = {}
    check.keys("invertedIndexConfig", config, _INVERTED_KEYS)
    bm25 = {"k1": 1.2, "b": 0.75}
    given = _section(check, config, "bm25")
    check.keys("invertedIndexConfig.bm25", given, ("k1", "b"))
    bm25.update({k: v for k, v in given.items() if k in ("k1", "b")})
    if not _number(bm25["k1"]) or bm25["k1"] < 0:
        check.add(f"BM25 k1 must be a number >= 0, got {bm25['k1']!r}")
    if not _number(bm25["b"]) or not 0 <= bm25["b"] <= 1:
        check.add(f"BM25 b must be a number between 0 and 1, got {bm25['b']!r}")
    stop = {"preset": "en", "additions": None, "removals": None}
    given = _section(check, config, "stopwords")
    check.keys("invertedIndexConfig.stopwords", given, ("preset", "additions", "removals"))
    stop.update({k: v for k, v in given.items() if k in stop})
    if stop["preset"] not in STOPWORD_PRESETS:
        check.add(f"stopwords preset '{stop['preset']}' is not known: use 'en' or 'none'")
    for key in ("additions", "removals"):
        words = stop[key]
        if words is not None and (not isinstance(words, list) or not all(isinstance(w, str) for w in words)):
            check.add(f"stopwords.{key} must be a list of words")
            stop[key] = None
    both = set(stop["additions"] or ()) & set(stop["removals"] or ())
    for word in sorted(both):
        check.add(f"found '{word}' in both stopwords.additions and stopwords.removals")
    out = {"bm25": bm25, "stopwords": stop}
    for key in ("indexTimestamps", "indexNullState", "indexPropertyLength"):
        out[key] = config.get(key, False)
        check.boolean(f"invertedIndexConfig.{key}", out[key])
    return out


def class_schema(definition: dict, registered: Iterable[str] = ()) -> ClassSchema:
    """The plain schema description of a normalized definition, for the validator and planner."""
    registered = set(registered)
    modules = definition.get("moduleConfig", {})
    rerankers = [m for m in modules if m.startswith("reranker-") or m in registered]
    inverted = definition["invertedIndexConfig"]
    return ClassSchema(
        name=definition["class"],
        properties=[
            PropertySchema(
                name=p["name"],
                data_type=REFERENCE_TYPE if p["dataType"][0][:1].isupper() else p["dataType"][0],
                targets=p["dataType"] if p["dataType"][0][:1].isupper() else [],
                tokenization=p.get("tokenization"),
                index_searchable=p["indexSearchable"],
                index_filterable=p["indexFilterable"],
                nested=nested_schema(p),
            )
            for p in definition["properties"]
        ],
        vectorizer=definition["vectorizer"],
        distance=definition["vectorIndexConfig"]["distance"],
        named_vectors={
            name: NamedVectorSchema(
                vectorizer=vectorizer_of(config), distance=config["vectorIndexConfig"]["distance"]
            )
            for name, config in (definition.get("vectorConfig") or {}).items()
        },
        vector_alias=(definition.get("wireConfig") or {}).get("vectorName"),
        rerankers=rerankers,
        index_null_state=inverted["indexNullState"],
        index_property_length=inverted["indexPropertyLength"],
        index_timestamps=inverted["indexTimestamps"],
    )
