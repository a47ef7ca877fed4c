"""object / object[] properties: nestedProperties checked as Weaviate checks them, values normalized.

Weaviate (usecases/schema/validation.go) allows in nestedProperties every primitive type except
geoCoordinates, phoneNumber and the deprecated string types, plus object / object[] again; at least one
nested property is required. Values are kept as JSON (dates as RFC3339 text), keys in the order given.
"""

from __future__ import annotations

import re
from typing import Any

from rankql.dsl.schema import PropertySchema, base_type

from .values import ValueProblem, format_date, normalize_value, show

_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")  # NestedPropertyNameRegex
_KEYS = (
    "name",
    "dataType",
    "description",
    "tokenization",
    "indexFilterable",
    "indexSearchable",
    "indexRangeFilters",
    "nestedProperties",
)
# The v4 client sends these in every nested property; Weaviate's NestedProperty has no such fields and its
# JSON decoding drops them: so does rankql.
_CLIENT_EXTRAS = ("skip_vectorization", "vectorize_property_name")
_PRIMITIVES = ("text", "int", "number", "boolean", "date", "uuid", "blob")
_TOKENIZATIONS = ("word", "lowercase", "whitespace", "field")
OBJECT_TYPES = ("object", "object[]")


def check_nested(check: Any, name: str, data_type: str, prop: dict, out: dict) -> None:
    """Add `nestedProperties` (normalized) to `out` for an object property; problems go to `check`."""
    given = prop.get("nestedProperties")
    if data_type not in OBJECT_TYPES:
        if given is not None:
            check.add(
                f"property '{name}': nestedProperties not allowed for data types other than object/object[]"
            )
        return
    out["nestedProperties"] = _nested_list(check, name, given)


def _nested_list(check: Any, prefix: str, given: Any) -> list[dict]:
    if not isinstance(given, list) or not given:
        check.add(
            f"property '{prefix}': At least one nested property is required for data type object/object[]"
        )
        return []
    out: list[dict] = []
    seen: set[str] = set()
    for position, prop in enumerate(given):
        if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
            check.add(f"property '{prefix}': nested property {position} needs a 'name'")
            continue
        normalized = _nested_one(check, prefix, prop)
        if normalized is None:
            continue
        if normalized["name"] in seen:
            check.add(f"property '{prefix}.{normalized['name']}' is defined twice")
        seen.add(normalized["name"])
        out.append(normalized)
    return out


def _nested_one(check: Any, prefix: str, prop: dict) -> dict | None:
    name = prop["name"]
    full = f"{prefix}.{name}"
    for key in prop:
        if key not in _KEYS and key not in _CLIENT_EXTRAS:
            check.add(f"unknown field '{key}' in nested property '{full}'")
    if not _NAME.match(name):
        check.add(
            f"'{name}' is not a valid nested property name of '{prefix}'. Property names in Weaviate are "
            "restricted to valid GraphQL names, which must be \u201c/[_A-Za-z][_0-9A-Za-z]*/\u201d"
        )
        return None
    raw = prop.get("dataType")
    data_type = raw[0] if isinstance(raw, list) and len(raw) == 1 else raw
    if not isinstance(data_type, str):
        check.add(f"property '{full}': dataType must be a list of one type, e.g. [\"text\"]")
        return None
    if data_type in ("geoCoordinates", "phoneNumber"):
        check.add(f"property '{full}': data type '{data_type}' not allowed as nested property")
        return None
    if data_type in ("string", "string[]"):
        check.add(
            f"property '{full}': data type '{data_type}' is deprecated and not allowed as nested property"
        )
        return None
    if base_type(data_type) not in _PRIMITIVES and data_type not in OBJECT_TYPES:
        reference = data_type[:1].isupper()
        check.add(
            f"property '{full}': reference data type not allowed"
            if reference
            else f"property '{full}': unknown data type '{data_type}'"
        )
        return None
    is_text = base_type(data_type) == "text"
    tokenization = prop.get("tokenization")
    if tokenization is not None and not is_text:
        check.add(f"property '{full}': Tokenization is not allowed for data type '{data_type}'")
    elif tokenization is not None and tokenization not in _TOKENIZATIONS:
        check.add(
            f"property '{full}': Tokenization '{tokenization}' is not allowed for data type '{data_type}'"
        )
    filterable = prop.get("indexFilterable", data_type != "blob")
    if filterable is True and data_type == "blob":
        check.add(f"property: '{full}': indexFilterable is not allowed for blob data type")
    searchable = prop.get("indexSearchable", is_text)
    if searchable is True and not is_text:
        check.add(
            f"property '{full}': `indexSearchable` is not allowed for other than text/text[] data types"
        )
    out: dict[str, Any] = {
        "name": name,
        "dataType": [data_type],
        "indexFilterable": bool(filterable),
        "indexSearchable": bool(searchable),
    }
    if is_text:
        out["tokenization"] = tokenization or "word"
    if prop.get("description") is not None:
        out["description"] = str(prop["description"])
    if data_type in OBJECT_TYPES:
        out["nestedProperties"] = _nested_list(check, full, prop.get("nestedProperties"))
    elif prop.get("nestedProperties") is not None:
        check.add(
            f"property '{full}': nestedProperties not allowed for data types other than object/object[]"
        )
    return out


def nested_schema(prop: dict) -> list[PropertySchema]:
    """The PropertySchema of each nested property of a normalized definition (empty for other types)."""
    return [
        PropertySchema(
            name=p["name"],
            data_type=p["dataType"][0],
            tokenization=p.get("tokenization"),
            index_searchable=p["indexSearchable"],
            index_filterable=p["indexFilterable"],
            nested=nested_schema(p),
        )
        for p in prop.get("nestedProperties") or []
    ]


def normalize_property(prop: dict, value: Any) -> Any:
    """The stored value of `value` for a property definition: nested objects checked against their
    nestedProperties, every other type by normalize_value."""
    data_type = prop["dataType"][0]
    if data_type not in OBJECT_TYPES:
        return normalize_value(data_type, value)
    return _object_value(prop.get("nestedProperties") or [], data_type, value, prop["name"])


def _object_value(nested: list[dict], data_type: str, value: Any, path: str) -> Any:
    if data_type == "object[]":
        if isinstance(value, str | bytes | dict) or not isinstance(value, list | tuple):
            raise ValueProblem(f"expected a list of objects for object[], got {type(value).__name__}")
        return [_one_object(nested, item, f"{path}[{i}]") for i, item in enumerate(value)]
    return _one_object(nested, value, path)


def _one_object(nested: list[dict], value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise ValueProblem(f"expected an object for {path}, got {type(value).__name__} {show(value)}")
    by_name = {p["name"]: p for p in nested}
    out: dict[str, Any] = {}
    for key, item in value.items():
        prop = by_name.get(key)
        if prop is None:
            names = ", ".join(by_name) or "(none)"
            raise ValueProblem(f"'{path}' has no nested property '{key}' (nested properties: {names})")
        if item is None:
            continue
        data_type = prop["dataType"][0]
        where = f"{path}.{key}"
        if data_type in OBJECT_TYPES:
            out[key] = _object_value(prop.get("nestedProperties") or [], data_type, item, where)
            continue
        try:
            stored = normalize_value(data_type, item)
        except ValueProblem as exc:
            raise ValueProblem(f"nested property '{where}' ({data_type}): {exc}") from None
        out[key] = _as_json(data_type, stored)
    return out


def _as_json(data_type: str, value: Any) -> Any:
    if base_type(data_type) != "date":
        return value
    return [format_date(v) for v in value] if isinstance(value, list) else format_date(value)
