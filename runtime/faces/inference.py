"""A class definition for imported objects: each property's data type from its values, as auto-schema does."""

from __future__ import annotations

import re
from typing import Any

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def _kind(value: Any) -> str:
    if isinstance(value, list):
        inner = [_kind(v) for v in value if v is not None]
        if inner and set(inner) <= {"int", "number"}:
            return "number[]" if "number" in inner else "int[]"
        return (inner[0] if inner and not inner[0].endswith("[]") else "text") + "[]"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str) and _RFC3339.match(value):
        return "date"
    return "text"


def _data_type(values: list[Any]) -> str:
    """The first value decides, as Weaviate's auto-schema does; ints and floats together make number."""
    kinds = [_kind(v) for v in values]
    if set(kinds) <= {"int", "number"}:
        return "number" if "number" in kinds else "int"
    if set(kinds) <= {"int[]", "number[]"}:
        return "number[]" if "number[]" in kinds else "int[]"
    return kinds[0]


def infer_definition(
    class_name: str,
    objects: list[tuple[int, dict[str, Any]]],
    *,
    vectorizer: str = "text2vec-transformers",
    reranker: str | None = "reranker-similarity",
) -> dict[str, Any]:
    """A class definition whose properties fit the objects (first-seen order)."""
    values: dict[str, list[Any]] = {}
    for _, obj in objects:
        for key, value in obj.get("properties", {}).items():
            values.setdefault(key, []).append(value)
    properties = []
    for name, seen in values.items():
        prop: dict[str, Any] = {"name": name, "dataType": [_data_type(seen)]}
        if name == "docId":  # identifiers match whole, never by word
            prop["tokenization"] = "field"
        properties.append(prop)
    definition: dict[str, Any] = {"class": class_name, "vectorizer": vectorizer, "properties": properties}
    module_config: dict[str, Any] = {}
    if vectorizer != "none":
        module_config[vectorizer] = {"vectorizeClassName": False}
    if reranker:
        module_config[reranker] = {}
    if module_config:
        definition["moduleConfig"] = module_config
    return definition
