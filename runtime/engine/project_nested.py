"""Projection of object-valued properties: only the selected fields, nested selections followed down."""

from __future__ import annotations

from typing import Any

from rankql.dsl import ast

from .hits import Hit


def pick(value: Any, fields: list[ast.PropertyField]) -> Any:
    """The selected fields of a stored object (each object of a list); a field the object lacks is null."""
    if value is None:
        return None
    if isinstance(value, list):
        return [pick(item, fields) for item in value]
    out = {}
    for field in fields:
        inner = value.get(field.name)
        out[field.key] = inner if field.fields is None else pick(inner, field.fields)
    return out


def nested_column(field: ast.PropertyField) -> Any:
    """A Projector column for `field`, a property with a sub-selection."""
    name, fields = field.name, field.fields or []

    def column(hits: list[Hit], props: list[dict]) -> list:
        return [pick(p.get(name), fields) for p in props]

    return column
