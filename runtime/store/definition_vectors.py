"""Named vectors of a class definition (`vectorConfig`): each its own vectorizer, index type and distance.

As Weaviate (usecases/schema/class.go): a class has either the class-level vector or named vectors, never
both; a name is a GraphQL name of at most 230 characters (entities/schema/validation.go
TargetVectorNameRegex). Source properties are the vectorizer's `properties` setting, as the v4 client's
`Configure.Vectors.text2vec_*(source_properties=...)` writes them.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from .definition_lenient import (
    ACTED_INDEX_KEYS,
    WEAVIATE_MODULES,
    IgnoredSettingsWarning,
    _differs,
    taken_back,
)

_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,229}$")
_VECTOR_KEYS = ("vectorizer", "vectorIndexType", "vectorIndexConfig")


def set_aside_vectors(definition: dict, vectorizers: tuple[str, ...]) -> dict:
    """Named vectors of a real Weaviate export load unchanged: a Weaviate vectorizer rankql does not run
    (the vector gets none: objects bring their own) and index settings it does not act on are kept under
    wireConfig.vectorConfig, shown back as given and named once in a warning (as definition_lenient.py
    does for the class-level vector). `definition` is a copy the caller owns."""
    given = definition.get("vectorConfig")
    if not isinstance(given, dict):
        return definition
    extras = definition.get("wireConfig") if isinstance(definition.get("wireConfig"), dict) else {}
    kept: dict[str, dict] = dict(extras.get("vectorConfig") or {})
    moved: list[str] = []
    for name, config in given.items():
        if not isinstance(config, dict):
            continue
        keep = dict(kept.get(name) or {})
        _take_back_index(config, keep)
        modules = config.get("vectorizer")
        if isinstance(modules, dict) and len(modules) == 1:
            ((module, settings),) = modules.items()
            if module not in vectorizers and module in WEAVIATE_MODULES:
                keep["vectorizer"] = {module: settings}
                config["vectorizer"] = {"none": {}}
                moved.append(
                    f"vectorConfig.{name}.vectorizer '{module}' (objects need their own '{name}' vectors)"
                )
        index = config.get("vectorIndexConfig")
        if isinstance(index, dict):
            rest = {k: v for k, v in index.items() if k not in ACTED_INDEX_KEYS}
            if rest:
                config["vectorIndexConfig"] = {k: v for k, v in index.items() if k in ACTED_INDEX_KEYS}
                keep["vectorIndexConfig"] = {**(keep.get("vectorIndexConfig") or {}), **rest}
                moved += [
                    f"vectorConfig.{name}.vectorIndexConfig.{k}"
                    for k, v in rest.items()
                    if _differs("vectorIndexConfig", k, v)
                ]
        if keep:
            kept[name] = keep
        else:
            kept.pop(name, None)
    if kept:
        definition["wireConfig"] = {**extras, "vectorConfig": kept}
    elif "vectorConfig" in extras:  # every kept setting went back
        rest = {k: v for k, v in extras.items() if k != "vectorConfig"}
        if rest:
            definition["wireConfig"] = rest
        else:
            definition.pop("wireConfig")
    if moved:
        warnings.warn(
            f"class '{definition.get('class')}': rankql keeps but does not act on: {', '.join(moved)}",
            IgnoredSettingsWarning,
            stacklevel=5,  # the caller of Database.create_collection
        )
    return definition


def _take_back_index(config: dict, keep: dict) -> None:
    """Index settings an earlier rankql kept aside without acting on them (dynamicEf*, in a saved folder's
    definition) go back to the vector's vectorIndexConfig; a value given there wins."""
    kept_index = keep.get("vectorIndexConfig")
    if not isinstance(kept_index, dict):
        return
    back = {k: v for k, v in kept_index.items() if taken_back(k, v, ACTED_INDEX_KEYS)}
    if not back:
        return
    index = config.get("vectorIndexConfig")
    index = dict(index) if isinstance(index, dict) else {}
    for key, value in back.items():
        index.setdefault(key, value)
    config["vectorIndexConfig"] = index
    rest = {k: v for k, v in kept_index.items() if k not in back}
    if rest:
        keep["vectorIndexConfig"] = rest
    else:
        keep.pop("vectorIndexConfig")


def normalize_vector_config(
    check: Any,
    given: Any,
    definition: dict,
    vectorizers: tuple[str, ...],
    index_types: tuple[str, ...],
    module_config: Any,
    vector_index: Any,
) -> dict | None:
    """The checked `vectorConfig` with every default filled, or None when the class has none."""
    if given is None or given == {}:
        return None
    if not isinstance(given, dict):
        check.add("vectorConfig must be an object keyed by vector name")
        return None
    if definition.get("vectorizer", "none") != "none":
        check.add(
            "creating a class with both a class level vector index and named vectors is forbidden"
            " (declare the vectorizer inside each entry of vectorConfig)"
        )
    out: dict[str, dict] = {}
    for name, config in given.items():
        if not isinstance(name, str) or not _NAME.match(name):
            check.add(
                f"vector name {name!r} must start with a letter or _ and hold at most 230 letters, digits and _"
            )
            continue
        out[name] = _one(check, name, config, vectorizers, index_types, module_config, vector_index)
    return out


def _one(
    check: Any,
    name: str,
    config: Any,
    vectorizers: tuple[str, ...],
    index_types: tuple[str, ...],
    module_config: Any,
    vector_index: Any,
) -> dict:
    where = f"vectorConfig.{name}"
    if not isinstance(config, dict):
        check.add(f"{where} must be an object with vectorizer, vectorIndexType and vectorIndexConfig")
        config = {}
    check.keys(where, config, _VECTOR_KEYS)
    modules = config.get("vectorizer") or {"none": {}}
    if not isinstance(modules, dict) or len(modules) != 1:
        check.add(f'{where}.vectorizer must name exactly one module, e.g. {{"text2vec-transformers": {{}}}}')
        modules = {"none": {}}
    ((module, settings),) = modules.items()
    if module not in vectorizers:
        check.add(f"{where}: unsupported vectorizer '{module}': use 'text2vec-transformers' or 'none'")
        module = "none"
    settings = module_config({module: settings or {}}, module) if module != "none" else {}
    index_type = config.get("vectorIndexType", "hnsw")
    if index_type not in index_types:
        check.add(f"{where}: vectorIndexType '{index_type}' is not supported: use 'hnsw' or 'flat'")
    return {
        "vectorizer": {module: settings.get(module, {}) if module != "none" else {}},
        "vectorIndexType": index_type,
        "vectorIndexConfig": vector_index(config.get("vectorIndexConfig") or {}),
    }


def vectorizer_of(config: dict) -> str:
    """The module name of one normalized named vector ("none" or "text2vec-transformers")."""
    return next(iter(config["vectorizer"]))


def as_class_definition(definition: dict, config: dict) -> dict:
    """A named vector seen as a one-vector class: what the vectorizer and the vector index read."""
    module = vectorizer_of(config)
    return {
        "class": definition["class"],
        "properties": definition["properties"],
        "vectorizer": module,
        "moduleConfig": {module: config["vectorizer"][module]} if module != "none" else {},
        "vectorIndexType": config["vectorIndexType"],
        "vectorIndexConfig": config["vectorIndexConfig"],
    }


def unknown_target(class_name: str, target: str, names: list[str]) -> str:
    """Weaviate's message for a target vector the class does not have (adapters/handlers/grpc/v1)."""
    return (
        f"class {class_name} does not have named vector {target} configured. "
        f"Available named vectors [{' '.join(names)}]"
    )
