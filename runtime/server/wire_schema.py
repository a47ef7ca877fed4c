"""Weaviate class definitions on the wire <-> rankql definitions: vectorizer substitution, named vectors, defaults.

A class as a Weaviate client sends it may name modules rankql cannot run (text2vec-openai, generative-*),
a named vector, quantizers or sharding settings. `to_rankql` keeps what rankql runs in its own definition
and stores everything else under "wireConfig", so that `wire_shown.to_wire` shows the class back as Weaviate's
GET /v1/schema/{class} does, with every default filled in (the v4 client parses that answer field by field).
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import SchemaError
from ..store.definition import VECTORIZERS
from ..store.definition_lenient import ACTED_INDEX_KEYS, ACTED_INVERTED_KEYS

RANKQL_VECTORIZER = "text2vec-transformers"
_RANKQL_INDEX_KEYS = ACTED_INDEX_KEYS  # the store's own split (store/definition_lenient.py): one list
_RANKQL_INVERTED_KEYS = ACTED_INVERTED_KEYS
# The v4 client sends these with a class without vectorizer; Weaviate's JSON decoding ignores them.
_CLIENT_ONLY_PROPERTY_KEYS = ("skip_vectorization", "vectorize_property_name")


def _problem(name: Any, message: str, hint: str) -> SchemaError:
    return SchemaError(f"class '{name}': {message}", hint=hint)


def _object(value: Any, where: str, name: Any) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _problem(name, f"{where} must be an object", f"send {where} as a JSON object")
    return value


def can_substitute(vectorizer: str) -> bool:
    """Text vectorizers that the shipped MiniLM may stand in for (--substitute-vectorizers)."""
    return vectorizer.startswith("text2vec-") and vectorizer != RANKQL_VECTORIZER


def _single_named_vector(body: dict, extras: dict, name: Any, substitute: bool) -> None:
    """Move the one named vector of `vectorConfig` onto the class vector, under the name the client gave
    it (how folders saved before named vectors hold such a class); several stay named vectors."""
    named = _object(body.get("vectorConfig"), "vectorConfig", name)
    if not named:
        body.pop("vectorConfig", None)
        return
    if len(named) > 1:
        _named_vectors(body, extras, name, substitute)
        return
    body.pop("vectorConfig")
    if body.get("vectorizer") not in (None, "none"):
        raise _problem(
            name,
            "a class-level vectorizer and a named vector cannot be combined",
            "declare either 'vectorizer' or one entry in 'vectorConfig'",
        )
    ((vector_name, config),) = named.items()
    config = _object(config, f"vectorConfig.{vector_name}", name)
    modules = _object(config.get("vectorizer"), f"vectorConfig.{vector_name}.vectorizer", name) or {
        "none": {}
    }
    if len(modules) != 1:
        raise _problem(
            name, f"named vector '{vector_name}' must name exactly one vectorizer", "name one module"
        )
    ((module, settings),) = modules.items()
    body["vectorizer"] = module
    if module != "none":
        body.setdefault("moduleConfig", {})
        body["moduleConfig"] = {**_object(body["moduleConfig"], "moduleConfig", name), module: settings or {}}
    for key in ("vectorIndexType", "vectorIndexConfig"):
        if key in config:
            body[key] = config[key]
    extras["vectorName"] = vector_name


def _named_vectors(body: dict, extras: dict, name: Any, substitute: bool) -> None:
    """Several named vectors become rankql's vectorConfig; a module rankql does not run (substituted by
    the shipped MiniLM, or none) and the index settings it does not act on are kept to be shown back."""
    if body.get("vectorizer") not in (None, "none"):
        raise _problem(
            name,
            "creating a class with both a class level vector index and named vectors is forbidden",
            "declare either 'vectorizer' or the entries of 'vectorConfig'",
        )
    own: dict[str, dict] = {}
    shown: dict[str, dict] = {}
    for vector, config in body.pop("vectorConfig").items():
        where = f"vectorConfig.{vector}"
        config = _object(config, where, name)
        modules = _object(config.get("vectorizer"), f"{where}.vectorizer", name) or {"none": {}}
        if len(modules) != 1:
            raise _problem(
                name, f"named vector '{vector}' must name exactly one vectorizer", "name one module"
            )
        ((module, settings),) = modules.items()
        settings = _object(settings, f"{where}.vectorizer.{module}", name)
        keep: dict[str, Any] = {}
        if module not in VECTORIZERS:
            keep["vectorizer"] = {module: settings}
            if substitute and can_substitute(module):
                keep["substituted"] = True
                module, settings = RANKQL_VECTORIZER, _substitute_settings(settings)
            else:
                module, settings = "none", {}
        entry: dict[str, Any] = {"vectorizer": {module: settings}}
        if "vectorIndexType" in config:
            entry["vectorIndexType"] = config["vectorIndexType"]
        index = _object(config.get("vectorIndexConfig"), f"{where}.vectorIndexConfig", name)
        multivector = index.get("multivector")
        if isinstance(multivector, dict) and multivector.get("enabled"):
            raise _problem(name, "multi-vector indexes are not supported", "index one vector per object")
        entry["vectorIndexConfig"] = {k: v for k, v in index.items() if k in _RANKQL_INDEX_KEYS}
        rest = {k: v for k, v in index.items() if k not in _RANKQL_INDEX_KEYS}
        if rest:
            keep["vectorIndexConfig"] = rest
        own[vector] = entry
        if keep:
            shown[vector] = keep
    body["vectorConfig"] = own
    if shown:
        extras["vectorConfig"] = shown


def _substitute_settings(settings: dict) -> dict:
    own = {"vectorizeClassName": bool(settings.get("vectorizeClassName", True))}
    if settings.get("properties") is not None:
        own["properties"] = settings["properties"]
    return own


def to_rankql(wire: Any, *, substitute: bool = False) -> dict:
    """A definition for Database.create_collection from a class as a Weaviate client sends it."""
    if not isinstance(wire, dict):
        raise SchemaError("a class definition must be a JSON object", hint='send {"class": "Article", ...}')
    body = copy.deepcopy(wire)
    name = body.get("class")
    extras: dict[str, Any] = {}
    _single_named_vector(body, extras, name, substitute)
    modules = dict(_object(body.pop("moduleConfig", None), "moduleConfig", name))
    vectorizer = body.get("vectorizer") or "none"
    wire_modules: dict[str, Any] = {}
    substituted = False
    if vectorizer not in VECTORIZERS:
        settings = modules.pop(vectorizer, None) or {}
        extras["vectorizer"] = vectorizer
        wire_modules[vectorizer] = settings
        substituted = substitute and can_substitute(vectorizer)
        if substituted:
            own = {"vectorizeClassName": bool(settings.get("vectorizeClassName", True))}
            if settings.get("properties") is not None:
                own["properties"] = settings["properties"]
            modules[RANKQL_VECTORIZER] = own
            extras["substituted"] = True
        body["vectorizer"] = RANKQL_VECTORIZER if substituted else "none"
    for module in list(modules):
        if module.startswith("generative-"):  # shown back; generative search is not part of rankql
            wire_modules[module] = modules.pop(module)
    body["moduleConfig"] = modules
    if wire_modules:
        extras["moduleConfig"] = wire_modules
    _split_properties(body, extras, vectorizer, substituted, name)
    _split_index(body, extras, name)
    for key in ("replicationConfig", "shardingConfig"):
        if key in body:
            extras[key] = _object(body.pop(key), key, name)
    tenancy = _object(body.get("multiTenancyConfig"), "multiTenancyConfig", name)
    if not any(tenancy.get(k) for k in ("enabled", "autoTenantCreation", "autoTenantActivation")):
        body.pop("multiTenancyConfig", None)  # disabled: shown back as Weaviate's default
    body["wireConfig"] = extras
    return body


def _split_properties(body: dict, extras: dict, vectorizer: str, substituted: bool, name: Any) -> None:
    props = body.get("properties")
    if not isinstance(props, list):
        return
    per_property: dict[str, dict] = {}
    for prop in props:
        if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
            continue  # rankql names the problem
        for key in _CLIENT_ONLY_PROPERTY_KEYS:
            prop.pop(key, None)
        kept: dict[str, Any] = {}
        if "indexRangeFilters" in prop:
            kept["indexRangeFilters"] = prop.pop("indexRangeFilters")
        config = prop.get("moduleConfig")
        if isinstance(config, dict) and "none" in config:  # per-property settings of "no vectorizer"
            prop["moduleConfig"] = config = {k: v for k, v in config.items() if k != "none"}
        if isinstance(config, dict) and vectorizer not in VECTORIZERS and vectorizer in config:
            config = dict(config)
            settings = config.pop(vectorizer) or {}
            kept["moduleConfig"] = {vectorizer: settings}
            if substituted and isinstance(settings, dict):
                own = {k: settings[k] for k in ("skip", "vectorizePropertyName") if k in settings}
                config[RANKQL_VECTORIZER] = own
            prop["moduleConfig"] = config
        if kept:
            per_property[prop["name"]] = kept
    if per_property:
        extras["properties"] = per_property


def _split_index(body: dict, extras: dict, name: Any) -> None:
    index = body.get("vectorIndexConfig")
    if isinstance(index, dict):
        multivector = index.get("multivector")
        if isinstance(multivector, dict) and multivector.get("enabled"):
            raise _problem(name, "multi-vector indexes are not supported", "index one vector per object")
        body["vectorIndexConfig"] = {k: v for k, v in index.items() if k in _RANKQL_INDEX_KEYS}
        rest = {k: v for k, v in index.items() if k not in _RANKQL_INDEX_KEYS}
        if rest:
            extras["vectorIndexConfig"] = rest
    inverted = body.get("invertedIndexConfig")
    if isinstance(inverted, dict):
        body["invertedIndexConfig"] = {k: v for k, v in inverted.items() if k in _RANKQL_INVERTED_KEYS}
        rest = {k: v for k, v in inverted.items() if k not in _RANKQL_INVERTED_KEYS}
        if rest:
            extras["invertedIndexConfig"] = rest


def shown_vectorizer(definition: dict) -> str:
    """The vectorizer the class was created with, as clients see it."""
    return (definition.get("wireConfig") or {}).get("vectorizer", definition["vectorizer"])


def vector_name(definition: dict) -> str | None:
    """The name of the class's one named vector ("default" for the v4 client's defaults), or None."""
    return (definition.get("wireConfig") or {}).get("vectorName")


def unrunnable_named(definition: dict) -> dict[str, str]:
    """Named vectors whose vectorizer rankql does not run (not substituted): name -> module."""
    kept = (definition.get("wireConfig") or {}).get("vectorConfig") or {}
    return {
        vector: next(iter(keep["vectorizer"]))
        for vector, keep in kept.items()
        if "vectorizer" in keep and not keep.get("substituted")
    }


def unrunnable_vectorizer(definition: dict) -> str | None:
    """The vectorizer a class names but rankql does not run (not substituted), or None."""
    extras = definition.get("wireConfig") or {}
    if "vectorizer" in extras and not extras.get("substituted"):
        return extras["vectorizer"]
    return None


def cannot_vectorize(class_name: str, vectorizer: str, search_type: str = "object") -> str:
    """Weaviate's text for a vector that cannot be made, with what to do here."""
    return (
        f"could not vectorize input for collection {class_name} with search-type {search_type}: "
        f"vectorizer '{vectorizer}' does not run inside rankql. Start the server with "
        "--substitute-vectorizers to embed with the shipped MiniLM, or send vectors with each object and query"
    )
