"""Weaviate settings rankql keeps but does not act on: set aside under "wireConfig", named in one warning.

A class exported from a real Weaviate (GET /v1/schema) carries quantizer, cache, sharding and replication
settings, modules rankql does not run and per-property range indexes. rankql keeps each of them verbatim
under the definition's "wireConfig" key, in the layout the server's wire_schema.py writes and
wire_shown.py shows back, so that the class is returned as it was given.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

# What rankql acts on; everything else in these sections is kept and shown back only.
ACTED_INDEX_KEYS = (
    "distance",
    "ef",
    "dynamicEfMin",
    "dynamicEfMax",
    "dynamicEfFactor",
    "efConstruction",
    "maxConnections",
    "flatSearchCutoff",
    "skip",
)
ACTED_INVERTED_KEYS = ("bm25", "stopwords", "indexTimestamps", "indexNullState", "indexPropertyLength")
_ECHO_SECTIONS = ("replicationConfig", "shardingConfig")


class IgnoredSettingsWarning(UserWarning):
    """A class definition names settings rankql keeps and shows back but does not act on."""


def set_aside(definition: dict, vectorizers: tuple[str, ...], modules: set[str]) -> dict:
    """A copy of `definition` with echo-only settings moved under "wireConfig"; one warning names them."""
    body = copy.deepcopy(definition)
    extras = body.get("wireConfig")
    extras = copy.deepcopy(extras) if isinstance(extras, dict) else {}
    moved: list[str] = []
    _vectorizer(body, extras, vectorizers, modules, moved)
    for key, acted in (("vectorIndexConfig", ACTED_INDEX_KEYS), ("invertedIndexConfig", ACTED_INVERTED_KEYS)):
        _take_back(body, extras, key, acted)
        section = body.get(key)
        if isinstance(section, dict):
            rest = {k: v for k, v in section.items() if k not in acted}
            if rest:
                body[key] = {k: v for k, v in section.items() if k in acted}
                extras[key] = {**(extras.get(key) or {}), **rest}
                moved += [f"{key}.{k}" for k in rest if _differs(key, k, rest[k])]
    for key in _ECHO_SECTIONS:
        if isinstance(body.get(key), dict):
            extras[key] = body.pop(key)
            moved += [f"{key}.{k}" for k, v in extras[key].items() if _differs(key, k, v)]
    tenancy = body.get("multiTenancyConfig")
    if isinstance(tenancy, dict) and not any(
        tenancy.get(k) for k in ("enabled", "autoTenantCreation", "autoTenantActivation")
    ):
        body.pop("multiTenancyConfig")  # disabled: one shard, shown back as Weaviate's default
    _properties(body, extras, modules, moved)
    if extras:
        body["wireConfig"] = extras
    else:
        body.pop("wireConfig", None)  # everything kept aside before went back where it takes effect
    if moved:
        warnings.warn(
            f"class '{body.get('class')}': rankql keeps but does not act on: {', '.join(moved)}",
            IgnoredSettingsWarning,
            stacklevel=5,  # the caller of Database.create_collection
        )
    return body


def _take_back(body: dict, extras: dict, key: str, acted: tuple[str, ...]) -> None:
    """Settings kept under wireConfig by an earlier rankql that did not act on them yet (dynamicEf*, in a
    saved folder's definition) go back to their section, where they take effect; a value given there wins."""
    kept = extras.get(key)
    if not isinstance(kept, dict) or not any(taken_back(k, v, acted) for k, v in kept.items()):
        return
    section = body.get(key)
    section = dict(section) if isinstance(section, dict) else {}
    for name in [k for k, v in kept.items() if taken_back(k, v, acted)]:
        value = kept.pop(name)
        section.setdefault(name, value)
    body[key] = section
    if not kept:
        extras.pop(key)


def taken_back(name: str, value: Any, acted: tuple[str, ...]) -> bool:
    """Whether a setting kept aside by an earlier rankql takes effect now: one it acts on, of a value it
    accepts (an integer). Anything else stays shown-only, so that the folder still opens."""
    return name in acted and isinstance(value, int) and not isinstance(value, bool)


# A single-node Weaviate's replication and sharding settings (also what the server shows for a class).
REPLICATION_DEFAULTS = {"asyncEnabled": False, "deletionStrategy": "NoAutomatedResolution", "factor": 1}
SHARDING_DEFAULTS = {
    "actualCount": 1,
    "actualVirtualCount": 128,
    "desiredCount": 1,
    "desiredVirtualCount": 128,
    "function": "murmur3",
    "key": "_id",
    "strategy": "hash",
    "virtualPerPhysical": 128,
}
# Values a single-node Weaviate writes by default: keeping them needs no warning.
_QUIET: dict[str, dict[str, Any]] = {
    "vectorIndexConfig": {
        "cleanupIntervalSeconds": 300,
        "filterStrategy": "sweeping",
        "vectorCacheMaxObjects": 1000000000000,
    },
    "invertedIndexConfig": {"cleanupIntervalSeconds": 60, "usingBlockMaxWAND": True},
    "replicationConfig": REPLICATION_DEFAULTS,
    "shardingConfig": SHARDING_DEFAULTS,
}


def _differs(section: str, key: str, value: Any) -> bool:
    """Whether a kept setting asks for something rankql does not do (a quantizer on, two shards, ...)."""
    if isinstance(value, dict):
        return bool(value.get("enabled"))  # pq, bq, sq, rq, multivector: only an enabled one matters
    quiet = _QUIET.get(section, {})
    return key not in quiet or quiet[key] != value


def _vectorizer(
    body: dict, extras: dict, vectorizers: tuple[str, ...], modules: set[str], moved: list
) -> None:
    """A vectorizer rankql does not run and modules it does not know are kept; the class gets no vectorizer."""
    config = body.get("moduleConfig")
    config = dict(config) if isinstance(config, dict) else {}
    vectorizer = body.get("vectorizer")
    kept: dict[str, Any] = {}
    if isinstance(vectorizer, str) and vectorizer not in vectorizers and _echo_module(vectorizer):
        extras["vectorizer"] = vectorizer
        body["vectorizer"] = "none"
        moved.append(f"vectorizer '{vectorizer}' (objects need their own vectors)")
        if vectorizer in config:
            kept[vectorizer] = config.pop(vectorizer)
    for module in [m for m in config if isinstance(m, str) and m not in modules and _echo_module(m)]:
        kept[module] = config.pop(module)
        moved.append(f"moduleConfig.{module}")
    if kept:
        body["moduleConfig"] = config
        extras["moduleConfig"] = {**(extras.get("moduleConfig") or {}), **kept}


# Weaviate's modules (its modules/ folder) whose settings rankql keeps unused. Rerankers are not among
# them (rerank(...) runs one, so an unknown reranker is an error), nor is any name Weaviate does not have:
# a misspelt module stays an error.
WEAVIATE_MODULES = frozenset(
    (
        *(
            f"generative-{m}"
            for m in ("anthropic", "anyscale", "aws", "cohere", "contextualai", "databricks")
        ),
        *(f"generative-{m}" for m in ("deepseek", "dummy", "friendliai", "google", "mistral", "nvidia")),
        *(f"generative-{m}" for m in ("octoai", "ollama", "openai", "xai")),
        "img2vec-neural",
        "multi2multivec-jinaai",
        "multi2multivec-weaviate",
        *(f"multi2vec-{m}" for m in ("aws", "bind", "clip", "cohere", "dummy", "google", "jinaai", "nvidia")),
        "multi2vec-twelvelabs",
        "multi2vec-voyageai",
        "ner-transformers",
        "qna-openai",
        "qna-transformers",
        "ref2vec-centroid",
        "sum-transformers",
        "text-spellcheck",
        "text2multivec-jinaai",
        *(
            f"text2vec-{m}"
            for m in ("aws", "bigram", "cohere", "contextionary", "databricks", "digitalocean")
        ),
        *(f"text2vec-{m}" for m in ("google", "gpt4all", "huggingface", "jinaai", "mistral", "model2vec")),
        *(f"text2vec-{m}" for m in ("morph", "nvidia", "octoai", "ollama", "openai", "voyageai", "weaviate")),
    )
)


def _echo_module(module: str) -> bool:
    """Whether rankql keeps this module's settings unused (a Weaviate module it does not run)."""
    return module in WEAVIATE_MODULES


def _properties(body: dict, extras: dict, modules: set[str], moved: list) -> None:
    props = body.get("properties")
    if not isinstance(props, list):
        return
    per_property: dict[str, dict] = dict(extras.get("properties") or {})
    vectorizer = extras.get("vectorizer")
    for prop in props:
        if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
            continue  # the property checks name the problem
        kept = dict(per_property.get(prop["name"]) or {})
        if "indexRangeFilters" in prop:
            kept["indexRangeFilters"] = prop.pop("indexRangeFilters")
            if kept["indexRangeFilters"]:
                moved.append(f"property '{prop['name']}' indexRangeFilters")
        config = prop.get("moduleConfig")
        if isinstance(config, dict):
            unknown = {m: v for m, v in config.items() if isinstance(m, str) and m not in modules}
            unknown = {m: v for m, v in unknown.items() if m == vectorizer or _echo_module(m)}
            if unknown:
                prop["moduleConfig"] = {m: v for m, v in config.items() if m not in unknown}
                kept["moduleConfig"] = {**(kept.get("moduleConfig") or {}), **unknown}
        if kept:
            per_property[prop["name"]] = kept
    if per_property:
        extras["properties"] = per_property
