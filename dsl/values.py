"""Typed reads of syntax values: variables substituted, types checked, a diagnostic and None on a misfit."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import cast

from .context import BindContext
from .diagnostics import suggestion
from .syntax import ExternalValue, NumberList, ObjectField, Value
from .variables import deref, describe

INT_MIN, INT_MAX = -(2**63), 2**63 - 1


def wrong_type(ctx: BindContext, value: Value, expected: str, where: str, hint: str | None = None) -> None:
    ctx.error(
        "Q202",
        f'{where} has invalid value {describe(value)}. Expected type "{expected}", found {describe(value)}.',
        value,
        hint,
    )


def read_int(ctx: BindContext, value: Value, where: str) -> int | None:
    v = deref(ctx, value, "Int")
    if v is None:
        return None
    if v.kind != "int":
        wrong_type(ctx, v, "Int", where, "write a whole number without quotes, e.g. 10")
        return None
    if len(v.value) > 20 or not INT_MIN <= int(v.value) <= INT_MAX:
        ctx.error("Q207", f"{where}: Int cannot represent {v.value[:24]}: it is outside the 64-bit range", v)
        return None
    return int(v.value)


def read_float(ctx: BindContext, value: Value, where: str) -> float | None:
    v = deref(ctx, value, "Float")
    if v is None:
        return None
    if v.kind not in ("float", "int"):
        wrong_type(ctx, v, "Float", where, "write a number without quotes, e.g. 0.5")
        return None
    number = float(v.value) if len(v.value) < 400 else math.inf
    if not math.isfinite(number):
        ctx.error("Q207", f"{where}: Float cannot represent the non-finite value {v.value[:24]}", v)
        return None
    return number


def read_string(ctx: BindContext, value: Value, where: str) -> str | None:
    v = deref(ctx, value, "String")
    if v is None:
        return None
    if v.kind != "string":
        hint = f'put it in double quotes: "{v.value}"' if v.kind == "enum" else "write text in double quotes"
        wrong_type(ctx, v, "String", where, hint)
        return None
    text: str = v.value
    return text


def read_bool(ctx: BindContext, value: Value, where: str) -> bool | None:
    v = deref(ctx, value, "Boolean")
    if v is None:
        return None
    if v.kind != "boolean":
        wrong_type(ctx, v, "Boolean", where, "write true or false without quotes")
        return None
    flag: bool = v.value
    return flag


def read_enum(
    ctx: BindContext, value: Value, type_name: str, choices: Sequence[str], where: str
) -> str | None:
    v = deref(ctx, value, type_name)
    if v is None:
        return None
    external = isinstance(v, ExternalValue)
    if v.kind == "string" and not external and v.value in choices:
        ctx.error(
            "Q202",
            f'{where}: enum value "{v.value}" must not be quoted',
            v,
            f"write it without quotes: {v.value}",
        )
        return None
    if v.kind not in ("enum", "string") or (v.kind == "string" and not external):
        wrong_type(ctx, v, type_name, where, "one of: " + ", ".join(choices))
        return None
    if v.value not in choices:
        hint = suggestion(v.value, choices) or "one of: " + ", ".join(choices)
        ctx.error("Q206", f'{where}: Value "{v.value}" does not exist in "{type_name}" enum.', v, hint)
        return None
    name: str = v.value
    return name


def read_list(ctx: BindContext, value: Value, item_type: str, where: str) -> list[Value] | None:
    """The items of a list value (a single value counts as a list of one, as GraphQL coerces)."""
    v = deref(ctx, value, f"[{item_type}]")
    if v is None:
        return None
    items: list[Value] = v.value if v.kind == "list" else [v]
    return items


def read_strings(ctx: BindContext, value: Value, where: str) -> list[str] | None:
    items = read_list(ctx, value, "String", where)
    if items is None:
        return None
    out = [read_string(ctx, item, where) for item in items]
    return None if any(s is None for s in out) else cast("list[str]", out)


def read_floats(ctx: BindContext, value: Value, where: str) -> list[float] | None:
    v = deref(ctx, value, "[Float]")  # read_list's first step, taken once
    if v is None:
        return None
    if isinstance(v, NumberList):  # all numbers: converted at once; any refusal is the general path's
        numbers = v.floats()
        if numbers is not None:
            return numbers
    items: list[Value] = v.value if v.kind == "list" else [v]
    out = [read_float(ctx, item, where) for item in items]
    return None if any(x is None for x in out) else cast("list[float]", out)


def read_object(
    ctx: BindContext, value: Value, type_name: str, allowed: Sequence[str], where: str
) -> dict[str, ObjectField] | None:
    """The fields of an input object by name; unknown and repeated fields are diagnosed."""
    v = deref(ctx, value, type_name)
    if v is None:
        return None
    if v.kind != "object":
        wrong_type(ctx, v, type_name, where, "write an object: {name: value, ...}")
        return None
    fields: dict[str, ObjectField] = {}
    for field in v.value:
        name = field.name.value
        if name in fields:
            ctx.error("Q204", f'There can be only one input field named "{name}".', field)
        elif name not in allowed:
            hint = suggestion(name, allowed) or "fields: " + ", ".join(allowed)
            ctx.error("Q205", f'{where}: unknown field "{name}" in "{type_name}"', field.name, hint)
        else:
            fields[name] = field
    return fields
