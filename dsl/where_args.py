"""Binding where filters: operators, operands, paths and typed values, with Weaviate's messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from . import ast
from .arguments import WHERE_FIELDS, WHERE_VALUE_FIELDS
from .context import BindContext
from .geo_args import geo_range
from .syntax import ObjectField, Value
from .values import (
    read_bool,
    read_enum,
    read_float,
    read_int,
    read_list,
    read_object,
    read_string,
    read_strings,
)
from .variables import deref

OPERATORS = ast.LOGICAL_OPERATORS + ast.COMPARE_OPERATORS
_LIST_OPERATORS = ("ContainsAny", "ContainsAll", "ContainsNone")
_WHERE = "invalid 'where' filter: "


def where(ctx: BindContext, value: Value, depth: int = 0) -> ast.Where | None:
    fields = read_object(ctx, value, "WhereInpObj", WHERE_FIELDS, 'Argument "where"')
    if fields is None:
        return None
    if "operator" not in fields:
        ctx.error(
            "Q208", _WHERE + "operator is required", value, "add operator: Equal (or And, Or, Not, ...)"
        )
        return None
    operator = read_enum(
        ctx, fields["operator"].value, "WhereOperatorEnum", OPERATORS, 'Argument "where" field "operator"'
    )
    if operator is None:
        return None
    values = sorted(
        (name for name in (*WHERE_VALUE_FIELDS, "valueGeoRange") if name in fields),
        key=lambda n: fields[n].start,
    )
    if operator in ast.LOGICAL_OPERATORS:
        return logical(ctx, value, operator, fields, values, depth)
    if "operands" in fields:
        ctx.error(
            "Q208",
            _WHERE + f"operator '{operator}' does not take operands",
            fields["operands"],
            "combine filters with operator: And, Or or Not and put them in operands",
        )
        return None
    path = where_path(ctx, value, fields)
    if path is None:
        return None
    if not values:
        ctx.error(
            "Q208",
            _WHERE
            + f"operator '{operator}' needs a value: valueText, valueInt, valueNumber, valueBoolean or valueDate",
            value,
        )
        return None
    if len(values) > 1:
        ctx.error(
            "Q208",
            _WHERE + f"a filter takes one value field, found {' and '.join(values)}",
            fields[values[1]],
        )
        return None
    field_name = values[0]
    if (field_name == "valueGeoRange") != (operator == "WithinGeoRange"):
        ctx.error(
            "Q208",
            _WHERE + "operator WithinGeoRange takes valueGeoRange, and valueGeoRange only WithinGeoRange",
            fields[field_name],
            "write operator: WithinGeoRange, valueGeoRange: {geoCoordinates: {latitude: 52.37, "
            "longitude: 4.9}, distance: {max: 2000}}",
        )
        return None
    if field_name == "valueGeoRange":
        geo = geo_range(ctx, fields[field_name].value)
        if geo is None:
            return None
        return ast.Where(operator=operator, path=path, value_type=field_name, value=geo, span=value.span)
    value_type = "valueText" if field_name == "valueString" else field_name
    if operator == "IsNull" and value_type != "valueBoolean":
        ctx.error(
            "Q208",
            _WHERE + f"operator IsNull requires a booleanValue, got {value_type} instead",
            fields[field_name],
            "write valueBoolean: true (is null) or false (is not null)",
        )
        return None
    if operator == "Like" and value_type != "valueText":
        ctx.error("Q208", _WHERE + f"operator Like needs valueText, got {value_type}", fields[field_name])
        return None
    typed = where_value(ctx, fields[field_name].value, value_type, operator)
    if typed is None:
        return None
    return ast.Where(operator=operator, path=path, value_type=value_type, value=typed, span=value.span)


def logical(
    ctx: BindContext,
    value: Value,
    operator: str,
    fields: dict[str, ObjectField],
    values: list[str],
    depth: int,
) -> ast.Where | None:
    if "path" in fields:
        ctx.error(
            "Q208",
            _WHERE + f"operator '{operator}' not compatible with field 'path', remove 'path' or switch to "
            "compare operator (eg. Equal, NotEqual, etc.)",
            fields["path"],
        )
        return None
    if values:
        ctx.error(
            "Q208",
            _WHERE + f"operator '{operator}' not compatible with field '{values[0]}', remove value field or "
            "switch to compare operator (eg. Equal, NotEqual, etc.)",
            fields[values[0]],
        )
        return None
    items = (
        read_list(ctx, fields["operands"].value, "WhereInpObj", 'Argument "where" field "operands"')
        if "operands" in fields
        else []
    )
    if items is None:
        return None
    if not items:
        ctx.error(
            "Q208",
            _WHERE + f"operator '{operator}', but no operands set - add at least one operand",
            value,
        )
        return None
    if operator == "Not" and len(items) != 1:
        ctx.error(
            "Q208",
            _WHERE + "operator 'Not' takes exactly one operand",
            fields["operands"],
            "wrap several in And or Or",
        )
        return None
    operands = [where(ctx, item, depth + 1) for item in items]
    if any(op is None for op in operands):
        return None
    return ast.Where(operator=operator, operands=cast("list[ast.Where]", operands), span=value.span)


def where_path(ctx: BindContext, value: Value, fields: dict[str, ObjectField]) -> list[str] | None:
    if "path" not in fields:
        ctx.error(
            "Q208",
            _WHERE + "field 'path': must have at least one element",
            value,
            'add path: ["property"]',
        )
        return None
    path = read_strings(ctx, fields["path"].value, 'Argument "where" field "path"')
    if path is not None and not path:
        ctx.error("Q208", _WHERE + "field 'path': must have at least one element", fields["path"].value)
        return None
    return path


def where_value(ctx: BindContext, value: Value, value_type: str, operator: str) -> Any:
    """The typed value (or list of values, for the Contains operators) of a compare filter, or None."""
    where = f'Argument "where" field "{value_type}"'
    reader = {
        "valueText": read_string,
        "valueInt": read_int,
        "valueNumber": read_float,
        "valueBoolean": read_bool,
        "valueDate": read_date,
    }[value_type]
    item_type = {"valueInt": "Int", "valueNumber": "Float", "valueBoolean": "Boolean"}.get(
        value_type, "String"
    )
    v = deref(ctx, value, item_type) if value.kind == "variable" else value
    if v is None:
        ctx.error("Q208", _WHERE + f"operator '{operator}' needs a value", value)
        return None
    if v.kind == "list":
        if operator not in _LIST_OPERATORS:
            ctx.error(
                "Q208",
                _WHERE + f"operator '{operator}' takes a single value, got a list",
                v,
                "use ContainsAny, ContainsAll or ContainsNone to match several values",
            )
            return None
        if not v.value:
            ctx.error("Q208", _WHERE + f"operator '{operator}' needs at least one value", v)
            return None
        items = [reader(ctx, item, where) for item in v.value]
        return None if any(i is None for i in items) else items
    one = reader(ctx, v, where)
    if one is None:
        return None
    return [one] if operator in _LIST_OPERATORS else one


def read_date(ctx: BindContext, value: Value, where: str) -> str | None:
    text = read_string(ctx, value, where)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = None
    if parsed is None or "T" not in text.upper() or parsed.tzinfo is None:
        ctx.error(
            "Q207",
            f'{where}: "{text}" is not an RFC3339 date',
            value,
            'write a date such as "2021-01-01T00:00:00Z"',
        )
        return None
    return text
