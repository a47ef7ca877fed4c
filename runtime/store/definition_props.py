"""Property definitions: names, data types, tokenization and index flags, checked with clear messages."""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Iterable
from typing import Any

from rankql.dsl.schema import DATA_TYPES, base_type

from ..errors import SchemaError
from .nested import check_nested
from .references import reference_property, reference_targets

TOKENIZATIONS = ("word", "lowercase", "whitespace", "field", "trigram")
REFUSED_TYPES = ("string", "string[]")
RESERVED_PROPERTY_NAMES = ("_additional", "_id", "id")
_PROPERTY_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]*$")
MAX_PROPERTY_NAME = 231  # Weaviate's propertyNameMaxLength (entities/schema/validation.go)
_PROPERTY_KEYS = (
    "name",
    "dataType",
    "description",
    "tokenization",
    "indexFilterable",
    "indexSearchable",
    "indexInverted",
    "indexRangeFilters",
    "moduleConfig",
    "nestedProperties",
)


def suggest(word: str, choices: Iterable[str]) -> str:
    if not isinstance(word, str):
        return ""  # a key of another type (JSON from elsewhere): nothing close to suggest
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Checker:
    """Collects every problem of one definition, so a user fixes them all in one go."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def add(self, message: str) -> None:
        self.problems.append(message)

    def keys(self, where: str, given: dict, allowed: tuple[str, ...]) -> None:
        for key in given:
            if key not in allowed:
                self.add(f"unknown field '{key}' in {where}{suggest(key, allowed)}")

    def boolean(self, where: str, value: Any) -> None:
        if not isinstance(value, bool):
            self.add(f"{where} must be true or false, got {value!r}")

    def raise_if_any(self) -> None:
        if self.problems:
            detail = "; ".join(self.problems)
            raise SchemaError(
                f"invalid definition of class '{self.name}': {detail}",
                hint="fix the class definition and create the collection again",
            )


def _data_type(check: Checker, prop_name: str, raw: Any) -> str | None:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or len(raw) != 1 or not isinstance(raw[0], str):
        check.add(f"property '{prop_name}': dataType must be a list of one type, e.g. [\"text\"]")
        return None
    data_type = raw[0]
    if data_type in DATA_TYPES:
        return data_type
    supported = ", ".join(DATA_TYPES)
    if data_type in REFUSED_TYPES:
        extra = " (use 'text')" if data_type.startswith("string") else ""
        check.add(
            f"property '{prop_name}': data type '{data_type}' is not supported{extra}; supported: {supported}"
        )
    elif data_type[:1].isupper():
        check.add(
            f"property '{prop_name}': cross-references (dataType ['{data_type}']) are not supported; "
            f"supported: {supported}"
        )
    else:
        check.add(
            f"property '{prop_name}': unknown data type '{data_type}'{suggest(data_type, DATA_TYPES)}; "
            f"supported: {supported}"
        )
    return None


def check_properties(check: Checker, props: Any, modules: set[str]) -> list[dict]:
    if not isinstance(props, list):
        check.add("properties must be a list")
        return []
    out: list[dict] = []
    seen: dict[str, str] = {}
    for position, prop in enumerate(props):
        if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
            check.add(f"property {position} needs a 'name'")
            continue
        name = prop["name"]
        check.keys(f"property '{name}'", prop, _PROPERTY_KEYS)
        if not _PROPERTY_NAME.match(name):
            check.add(
                f"property name '{name}' must start with a letter or _ and hold only letters, digits and _"
            )
        elif len(name) > MAX_PROPERTY_NAME:
            check.add(
                f"property name '{name[:20]}...' is {len(name)} characters long; at most 231 are allowed"
            )
        elif name in RESERVED_PROPERTY_NAMES:
            check.add(f"property name '{name}' is reserved")
        if name.lower() in seen:
            check.add(f"property '{name}' is defined twice (also as '{seen[name.lower()]}')")
        seen[name.lower()] = name
        targets = reference_targets(prop.get("dataType"))
        if targets is not None:  # dataType names classes: a cross-reference (store/references.py)
            out.append(reference_property(check, name, targets, prop))
            continue
        data_type = _data_type(check, name, prop.get("dataType"))
        if data_type is None:
            continue
        out.append(_property(check, name, data_type, prop, modules))
        check_nested(check, name, data_type, prop, out[-1])
    return out


def _property(check: Checker, name: str, data_type: str, prop: dict, modules: set[str]) -> dict:
    is_text = base_type(data_type) == "text"
    tokenization = prop.get("tokenization")
    if tokenization is not None and not is_text:
        check.add(f"property '{name}': tokenization is not allowed for data type '{data_type}'")
    elif tokenization is not None and tokenization not in TOKENIZATIONS:
        check.add(
            f"property '{name}': tokenization '{tokenization}' is not supported: use one of "
            + ", ".join(TOKENIZATIONS)
            + suggest(str(tokenization), TOKENIZATIONS)
        )
    searchable = prop.get("indexSearchable", is_text)
    if searchable and not is_text:
        check.add(f"property '{name}': indexSearchable is only allowed for text and text[] properties")
    filterable = prop.get("indexFilterable", prop.get("indexInverted", True))
    check.boolean(f"property '{name}': indexSearchable", searchable)
    check.boolean(f"property '{name}': indexFilterable", filterable)
    config = prop.get("moduleConfig") or {}
    if not isinstance(config, dict):
        check.add(f"property '{name}': moduleConfig must be an object")
        config = {}
    for module in config:
        if not isinstance(module, str):
            check.add(f"property '{name}': moduleConfig keys must be module names (text), got {module!r}")
        elif module not in modules:
            check.add(
                f"property '{name}': unknown module '{module}' in moduleConfig{suggest(module, modules)}"
            )
    t2v = config.get("text2vec-transformers") or {}
    for key in ("skip", "vectorizePropertyName"):
        if key in t2v:
            check.boolean(f"property '{name}': text2vec-transformers.{key}", t2v[key])
    out = {
        "name": name,
        "dataType": [data_type],
        "indexFilterable": filterable,
        "indexSearchable": bool(searchable) and is_text,
        "moduleConfig": copy.deepcopy(config),
    }
    if is_text:
        out["tokenization"] = tokenization or "word"
    if prop.get("description") is not None:
        out["description"] = str(prop["description"])
    return out
