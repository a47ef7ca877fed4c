"""Checks of a `where` filter against the class schema: paths, value types, index settings, UUID values."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from . import ast
from .diagnostics import Diagnostic, suggestion
from .references import is_reference_path
from .schema import VALUE_FIELD_FOR_TYPE, ClassSchema, PropertySchema, base_type

_WHERE = "invalid 'where' filter: "
_META_WHERE = ("id", "_id", "_creationTimeUnix", "_lastUpdateTimeUnix")
_LENGTH_OPERATORS = ("Equal", "NotEqual", "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual")


def diag(code: str, message: str, node: object, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, getattr(node, "span", None), hint)


def no_such_prop(name: str, cls: ClassSchema) -> str:
    return (
        f"no such prop with name '{name}' found in class '{cls.name}' in the schema. "
        "Check your schema files for which properties in this class are available"
    )


def prop_hint(name: str, cls: ClassSchema) -> str:
    return suggestion(name, cls.property_names) or "properties: " + (
        ", ".join(cls.property_names) or "(none)"
    )


def where_filter(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    stack = [get.where] if get.where is not None else []
    while stack:
        node = stack.pop()
        if node.operator in ast.LOGICAL_OPERATORS:
            stack.extend(reversed(node.operands))
        elif not (node.path and is_reference_path(node, cls)):  # dsl/references.py checks those
            yield from where_leaf(node, cls)


def where_leaf(node: ast.Where, cls: ClassSchema) -> Iterator[Diagnostic]:
    path = node.path or []
    if len(path) != 1:
        yield diag("Q208", _WHERE + f"path {path} must name one property", node, 'path: ["property"]')
        return
    name = path[0]
    if name in _META_WHERE:
        if name.endswith("TimeUnix") and not cls.index_timestamps:
            yield diag(
                "Q610",
                _WHERE + f"filtering by '{name}' needs indexTimestamps",
                node,
                "set invertedIndexConfig.indexTimestamps: true",
            )
        elif node.value_type not in ("valueText", "valueDate") and node.operator != "IsNull":
            yield diag(
                "Q603",
                _WHERE
                + f'data type filter cannot use "{node.value_type}" on "{name}", use "valueText" instead',
                node,
            )
        elif name in ("id", "_id"):
            yield from _uuid_values(node, name)
        return
    if name.startswith("len(") and name.endswith(")"):
        yield from _length_leaf(node, name[4:-1], cls)
        return
    prop = cls.property(name)
    if prop is None:
        yield diag("Q602", _WHERE + no_such_prop(name, cls), node, prop_hint(name, cls))
        return
    refused = type_refusal(prop, node)
    if refused is not None:
        yield diag("Q603", _WHERE + refused[0], node, refused[1])
        return
    if node.operator == "IsNull":
        if not cls.index_null_state:
            yield diag(
                "Q610",
                _WHERE
                + "Nullstate must be indexed to be filterable! Add `indexNullState: true` to the invertedIndexConfig",
                node,
                "set invertedIndexConfig.indexNullState: true in the class definition",
            )
        return
    if not prop.index_filterable:
        yield diag(
            "Q610",
            _WHERE
            + f"Filtering by property '{name}' requires inverted index. Is `indexFilterable` option of property "
            f"'{name}' enabled? Set it to `true` or leave empty",
            node,
        )
    want = VALUE_FIELD_FOR_TYPE.get(base_type(prop.data_type))
    if want is not None and node.value_type != want:
        yield diag(
            "Q603",
            _WHERE
            + f'data type filter cannot use "{node.value_type}" on type "{base_type(prop.data_type)}", use "{want}" instead',
            node,
            f"write {want}: ...",
        )
    elif node.operator == "Like" and not prop.is_text:
        yield diag(
            "Q603", _WHERE + f"operator Like works on text properties, '{name}' is {prop.data_type}", node
        )
    elif base_type(prop.data_type) == "uuid":
        yield from _uuid_values(node, name)


NESTED_FILTER_REFUSED = (
    "filtering on nested properties is a preview feature, disabled by default; "
    "set WEAVIATE_PREVIEW_NESTED_FILTERING=true to enable"
)


def type_refusal(prop: PropertySchema, node: ast.Where) -> tuple[str, str] | None:
    """(message, hint) when a property's data type cannot take this filter at all: object properties
    never (Weaviate's default, entities/filters/filters_validator.go), phoneNumber and blob except IsNull
    (Weaviate has no value field for them)."""
    if prop.data_type in ("object", "object[]"):
        return NESTED_FILTER_REFUSED, "rankql keeps Weaviate's default: filter on top-level properties"
    if prop.data_type in ("phoneNumber", "blob") and node.operator != "IsNull":
        return (
            f'data type filter cannot use "{node.value_type}" on type "{prop.data_type}": '
            f"{prop.data_type} properties can only be filtered with IsNull",
            "filter on another property",
        )
    return None


UUID_HINT = 'a UUID looks like "3344c8b5-f913-5f7d-9a33-1840b9ba5a0d"'


def uuid_value_message(value: object, name: str) -> str:
    """The store says the same when it meets a malformed UUID (runtime/store/filters.py)."""
    return _WHERE + f'value "{value}" on "{name}" is not a valid UUID'


def _uuid_values(node: ast.Where, name: str) -> Iterator[Diagnostic]:
    """Every value compared with an id or a uuid property must be a UUID (Like takes a pattern)."""
    if node.value_type != "valueText" or node.operator in ("Like", "IsNull"):
        return
    values = node.value if isinstance(node.value, list) else [node.value]
    for value in values:
        try:
            uuid.UUID(str(value))
        except ValueError:
            yield diag("Q208", uuid_value_message(value, name), node, UUID_HINT)
            return


def _length_leaf(node: ast.Where, name: str, cls: ClassSchema) -> Iterator[Diagnostic]:
    prop = cls.property(name)
    if prop is None:
        yield diag("Q602", _WHERE + no_such_prop(name, cls), node, prop_hint(name, cls))
    elif prop.data_type in ("geoCoordinates", "phoneNumber", "blob"):  # inverted/prop_value_pairs.go
        yield diag(
            "Q603",
            _WHERE + "Geo-coordinates, phone numbers and data blobs are not supported by property length.",
            node,
        )
    elif not cls.index_property_length:
        yield diag(
            "Q610",
            _WHERE + f"filtering by len({name}) needs indexPropertyLength",
            node,
            "set invertedIndexConfig.indexPropertyLength: true",
        )
    elif node.value_type != "valueInt" or node.operator not in _LENGTH_OPERATORS:
        yield diag(
            "Q603",
            _WHERE
            + f"len({name}) compares with valueInt and Equal, NotEqual, GreaterThan(Equal) or LessThan(Equal)",
            node,
        )
    elif isinstance(node.value, int) and node.value < 0:
        yield diag("Q603", _WHERE + f"len({name}) cannot be compared with a negative length", node)
