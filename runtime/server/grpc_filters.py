"""gRPC `Filters` messages (the v4 client's `filters=`) bound to rankql's typed `where` AST."""

from __future__ import annotations

from typing import Any

from rankql.dsl import ast
from rankql.dsl.schema import VALUE_FIELD_FOR_TYPE, ClassSchema, Schema, base_type

from .grpc_errors import InvalidRequest
from .grpc_references import filter_path

# base_pb2.Filters.Operator numbers, as in Weaviate's base.proto.
_OPERATORS = {
    1: "Equal",
    2: "NotEqual",
    3: "GreaterThan",
    4: "GreaterThanEqual",
    5: "LessThan",
    6: "LessThanEqual",
    7: "And",
    8: "Or",
    9: "WithinGeoRange",
    10: "Like",
    11: "IsNull",
    12: "ContainsAny",
    13: "ContainsAll",
    14: "ContainsNone",
    15: "Not",
}
_TIMESTAMPS = ("_creationTimeUnix", "_lastUpdateTimeUnix")


def where_from_filters(filters: Any, cls: ClassSchema | None, schema: Schema | None = None) -> ast.Where:
    """One Filters message (and its operands) as an ast.Where; values typed through the class's schema."""
    operator = _OPERATORS.get(filters.operator)
    if operator is None:
        raise InvalidRequest(f"unknown filter operator {filters.operator}")
    if operator in ast.LOGICAL_OPERATORS:
        return ast.Where(
            operator=operator, operands=[where_from_filters(f, cls, schema) for f in filters.filters]
        )
    if filters.HasField("target") and filters.target.WhichOneof("target") != "property":
        path, leaf = filter_path(filters.target, cls, schema)  # through references: grpc_references.py
    else:
        path, leaf = [_target_path(filters)], cls
    value_type, value = _value(filters, path[-1], leaf)
    if operator == "IsNull":
        value_type, value = "valueBoolean", bool(filters.value_boolean)
    return ast.Where(operator=operator, path=path, value_type=value_type, value=value)


def _target_path(filters: Any) -> str:
    if filters.HasField("target"):
        kind = filters.target.WhichOneof("target")
        if kind != "property":
            raise InvalidRequest(
                "rankql does not support filters on cross-references yet; filter on this collection's properties"
            )
        name = filters.target.property
    elif len(filters.on) == 1:
        name = filters.on[0]
    else:
        raise InvalidRequest("filtering by cross-reference is not supported; filter on one property")
    return "id" if name == "_id" else name


def _value(filters: Any, name: str, cls: ClassSchema | None) -> tuple[str | None, Any]:
    """(the GraphQL value field, the typed value): the property's type decides where the wire is loose."""
    kind = filters.WhichOneof("test_value")
    if kind is None:
        return None, None
    raw = getattr(filters, kind)
    if kind == "value_geo":
        geo = ast.GeoRange(latitude=raw.latitude, longitude=raw.longitude, max_distance=raw.distance)
        return "valueGeoRange", geo
    if kind.endswith("_array"):
        raw = list(raw.values)
    wire = {
        "value_text": "valueText",
        "value_text_array": "valueText",
        "value_int": "valueInt",
        "value_int_array": "valueInt",
        "value_number": "valueNumber",
        "value_number_array": "valueNumber",
        "value_boolean": "valueBoolean",
        "value_boolean_array": "valueBoolean",
    }[kind]
    if name in _TIMESTAMPS and wire == "valueText":
        # the client sends datetimes as RFC 3339 text; milliseconds since the epoch stay text
        texts = raw if isinstance(raw, list) else [raw]
        return ("valueText" if all(t.isdigit() for t in texts) else "valueDate"), raw
    prop = cls.property(name[4:-1] if name.startswith("len(") else name) if cls is not None else None
    if prop is None or name.startswith("len("):
        return wire, raw
    want = VALUE_FIELD_FOR_TYPE.get(base_type(prop.data_type))
    if want == "valueDate" and wire == "valueText":
        return want, raw
    if want == "valueNumber" and wire == "valueInt":
        # Weaviate types a filter value by the property: 3 on a number property is 3.0
        return want, [float(v) for v in raw] if isinstance(raw, list) else float(raw)
    return wire, raw
