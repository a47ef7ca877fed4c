"""Binding the sub-selection of an object-valued property: `location { latitude longitude }`,
`phone { internationalFormatted }`, `address { city street { name } }` (checked against the schema by
the validation rule selected_properties)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import ast
from .context import BindContext
from .syntax import Field, FragmentSpread

if TYPE_CHECKING:
    from .schema import PropertySchema


def nested_field(ctx: BindContext, field: Field, owner: str) -> ast.PropertyField | None:
    """A property with its selected fields; fragments and arguments are diagnosed."""
    name = field.name.value
    if field.arguments:
        ctx.error("Q210", f'field "{name}" on "{owner}" takes no arguments', field.arguments[0])
        return None
    if field.directives:
        ctx.error("Q106", f'directive "@{field.directives[0].name.value}" is not supported by rankql', field)
        return None
    subs: list[ast.PropertyField] = []
    keys: set[str] = set()
    for sel in field.selections or []:
        if isinstance(sel, FragmentSpread):
            ctx.error(
                "Q104",
                f'fragments are not supported in the selection of "{name}"',
                sel,
                "name the fields of the object",
            )
            continue
        inner = nested_field(ctx, sel, name) if sel.selections is not None else _plain(ctx, sel, name)
        if inner is not None and inner.key not in keys:
            keys.add(inner.key)
            subs.append(inner)
    if not subs:
        return None
    alias = field.alias.value if field.alias is not None else None
    return ast.PropertyField(name=name, alias=alias, fields=subs, span=field.span)


def _plain(ctx: BindContext, field: Field, owner: str) -> ast.PropertyField | None:
    if field.arguments:
        ctx.error("Q210", f'field "{field.name.value}" on "{owner}" takes no arguments', field.arguments[0])
        return None
    alias = field.alias.value if field.alias is not None else None
    return ast.PropertyField(name=field.name.value, alias=alias, span=field.span)


def type_name(cls: str, prop: PropertySchema, prefix: str = "") -> str:
    """The GraphQL type Weaviate gives an object-valued property (get/class_builder_fields.go, _nested.go)."""
    if prop.data_type == "geoCoordinates":
        return f"{cls}{prop.name}GeoCoordinatesObj"
    if prop.data_type == "phoneNumber":
        return f"{cls}{prop.name}PhoneNumberObj"
    return f"{cls}_{prefix}{prop.name}_object"
