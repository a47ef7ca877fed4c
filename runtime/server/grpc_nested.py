"""gRPC forms of the object-valued data types: which fields a SearchRequest selects (all of them, or its
ObjectPropertiesRequest), and the typed reply values Weaviate's mapping.go gives them (geo_value,
phone_value, blob_value, object_value and object lists)."""

from __future__ import annotations

import struct
from typing import Any

from rankql.dsl import ast
from rankql.dsl.schema import OBJECT_TYPES, PropertySchema, base_type

from .grpc_errors import InvalidRequest

VALUE_TYPES = (*OBJECT_TYPES, "blob")  # the types set_special fills


def all_fields(prop: PropertySchema) -> list[ast.PropertyField] | None:
    """Every field of an object-valued property, nested objects down to their leaves; None for others."""
    if prop.data_type not in OBJECT_TYPES:
        return None
    if prop.nested:
        return [ast.PropertyField(name=p.name, fields=all_fields(p)) for p in prop.nested]
    return [ast.PropertyField(name=name) for name in prop.field_names()]


def requested_object(request: Any, prop: PropertySchema | None, owner: str) -> ast.PropertyField:
    """An ObjectPropertiesRequest (prop_name, primitive_properties, object_properties) as a selection."""
    if prop is None or prop.data_type not in ("object", "object[]"):
        raise InvalidRequest(f"property '{request.prop_name}' of {owner} is not an object property")
    fields: list[ast.PropertyField] = []
    for name in request.primitive_properties:
        sub = prop.nested_property(name)
        if sub is None:
            raise InvalidRequest(f"'{prop.name}' has no nested property '{name}'")
        fields.append(ast.PropertyField(name=name, fields=all_fields(sub)))
    for inner in request.object_properties:
        fields.append(requested_object(inner, prop.nested_property(inner.prop_name), prop.name))
    return ast.PropertyField(name=prop.name, fields=fields or all_fields(prop))


def set_special(out: Any, value: Any, prop: PropertySchema) -> None:
    """Fill a properties_pb2.Value with a geoCoordinates, phoneNumber, blob or object value."""
    if prop.data_type == "geoCoordinates":
        out.geo_value.latitude = value.get("latitude") or 0.0
        out.geo_value.longitude = value.get("longitude") or 0.0
    elif prop.data_type == "phoneNumber":
        phone = out.phone_value
        phone.input = value.get("input") or ""
        phone.default_country = value.get("defaultCountry") or ""
        phone.international_formatted = value.get("internationalFormatted") or ""
        phone.national_formatted = value.get("nationalFormatted") or ""
        phone.national = int(value.get("national") or 0)
        phone.country_code = int(value.get("countryCode") or 0)
        phone.valid = bool(value.get("valid"))
    elif prop.data_type == "blob":
        out.blob_value = value
    elif prop.data_type == "object[]":
        values = out.list_value.object_values.values
        for item in value:
            _fill_object(values.add(), item, prop)
    else:
        _fill_object(out.object_value, value, prop)


def _fill_object(out: Any, value: dict, prop: PropertySchema) -> None:
    fields = out.fields
    for name, item in value.items():
        sub = prop.nested_property(name)
        target = fields[name]
        if item is None:
            target.null_value = 0
        elif sub is not None and sub.data_type in VALUE_TYPES:
            set_special(target, item, sub)
        else:
            set_primitive(target, item, sub.data_type if sub is not None else "text")


def set_primitive(out: Any, value: Any, data_type: str) -> None:
    """Fill one properties_pb2.Value with a value of a plain data type (text, int, ..., and their lists)."""
    base = base_type(data_type)
    if data_type.endswith("[]"):
        lists = out.list_value
        if base == "int":
            lists.int_values.values = struct.pack(f"<{len(value)}q", *(int(v) for v in value))
        elif base == "number":
            lists.number_values.values = struct.pack(f"<{len(value)}d", *(float(v) for v in value))
        elif base == "boolean":
            lists.bool_values.values.extend(bool(v) for v in value)
        elif base == "date":
            lists.date_values.values.extend(str(v) for v in value)
        elif base == "uuid":
            lists.uuid_values.values.extend(str(v) for v in value)
        else:
            lists.text_values.values.extend(str(v) for v in value)
    elif base == "int":
        out.int_value = int(value)
    elif base == "number":
        out.number_value = float(value)
    elif base == "boolean":
        out.bool_value = bool(value)
    elif base == "date":
        out.date_value = str(value)
    elif base == "uuid":
        out.uuid_value = str(value)
    else:
        out.text_value = str(value)
