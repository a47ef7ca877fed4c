"""Checks of a property's sub-selection against its data type: object-valued properties (geoCoordinates,
phoneNumber, object, object[]) need one naming their fields; every other property takes none."""

from __future__ import annotations

from collections.abc import Iterator

from . import ast
from .diagnostics import Diagnostic, suggestion
from .nested_selection import type_name
from .schema import OBJECT_TYPES, PropertySchema
from .validate_where import diag

_SCALAR_GRAPHQL = {"int": "Int", "number": "Float", "boolean": "Boolean"}


def selection_shape(
    field: ast.PropertyField, prop: PropertySchema, cls: str, prefix: str = ""
) -> Iterator[Diagnostic]:
    if prop.is_reference:  # a cross-reference's selection is checked by the reference rules (references.py)
        return
    object_valued = prop.data_type in OBJECT_TYPES
    owner = type_name(cls, prop, prefix) if object_valued else ""
    if object_valued and field.fields is None:
        example = " ".join(prop.field_names()[:2])
        yield diag(
            "Q503",
            f'Field "{field.name}" of type "{owner}" must have a sub selection.',
            field,
            f"select its fields: {field.name} {{ {example} }}",
        )
        return
    if not object_valued:
        if field.fields is not None:
            scalar = _SCALAR_GRAPHQL.get(prop.data_type.removesuffix("[]"), "String")
            if prop.is_array:
                scalar = f"[{scalar}]"
            yield diag(
                "Q504",
                f'Field "{field.name}" must not have a selection since type "{scalar}" has no subfields.',
                field,
                "remove the { ... } after it",
            )
        return
    allowed = prop.field_names()
    for sub in field.fields or []:
        if sub.name not in allowed:
            hint = suggestion(sub.name, allowed) or "fields: " + ", ".join(allowed)
            yield diag("Q602", f'Cannot query field "{sub.name}" on type "{owner}".', sub, hint)
            continue
        nested = prop.nested_property(sub.name)
        if nested is None:  # geoCoordinates and phoneNumber fields are scalars
            if sub.fields is not None:
                yield diag(
                    "Q504",
                    f'Field "{sub.name}" must not have a selection since it has no subfields.',
                    sub,
                    "remove the { ... } after it",
                )
            continue
        yield from selection_shape(sub, nested, cls, f"{prefix}{prop.name}_")
