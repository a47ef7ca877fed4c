"""Variables: each declared one resolved once (the given JSON value, checked, or its default), then read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic_core import ValidationError

from .context import BindContext
from .diagnostics import suggestion
from .syntax import (
    ExternalNumbers,
    ExternalValue,
    Name,
    NumberList,
    ObjectField,
    TypeRef,
    Value,
    VariableDefinition,
    read_finite_floats,
)

SCALARS = ("String", "Int", "Float", "Boolean", "ID")
_MAX_EXTERNAL_DEPTH = 64
_NUMBERS = frozenset((int, float))  # exact types: bool (an int) and float subclasses take the general path
_NUMBER_KINDS = ("int", "float")
# The value kinds a given JSON value may have for each declared scalar type.
_KINDS_FOR_SCALAR = {
    "String": ("string",),
    "ID": ("string", "int"),
    "Int": ("int",),
    "Float": _NUMBER_KINDS,
    "Boolean": ("boolean",),
}


def describe(value: Value) -> str:
    """A short rendering of a value for messages: "abc", 10, [..], {..}, $var."""
    kind = value.kind
    if kind == "string":
        text: str = value.value if len(value.value) <= 40 else value.value[:37] + "..."
        return '"' + text.replace('"', '\\"') + '"'
    if kind == "boolean":
        return "true" if value.value else "false"
    if kind == "null":
        return "null"
    if kind == "list":
        return "[...]" if value.value else "[]"
    if kind == "object":
        return "{...}" if value.value else "{}"
    if kind == "variable":
        return f"${value.value}"
    return str(value.value)


def define_variables(ctx: BindContext, definitions: Sequence[VariableDefinition]) -> None:
    """Resolve each declared variable once: the given value (checked) or the default."""
    for definition in definitions:
        name = definition.name.value
        if name in ctx.definitions:
            ctx.error("Q404", f'There can be only one variable named "${name}".', definition.name)
            continue
        ctx.definitions[name] = definition
        if name in ctx.given:
            external = _to_value(ctx, ctx.given[name], definition, 0)
            if external is not None and _fits_declared(ctx, external, definition.type, definition):
                ctx.resolved[name] = external
            else:
                ctx.resolved[name] = None
                ctx.broken.add(name)
        elif definition.default is not None:
            ctx.resolved[name] = definition.default
        else:
            ctx.resolved[name] = None
            if definition.type.non_null:
                ctx.broken.add(name)
                ctx.error(
                    "Q402",
                    f'Variable "${name}" of required type "{definition.type}" was not provided.',
                    definition,
                    f"pass variables={{'{name}': ...}}, or give it a default: ${name}: {definition.type} = ...",
                )


def _to_value(ctx: BindContext, data: Any, definition: VariableDefinition, depth: int) -> Value | None:
    """A JSON value from the variables mapping as a syntax value placed at the definition."""
    start, end = definition.name.start - 1, definition.name.end
    if depth > _MAX_EXTERNAL_DEPTH:
        ctx.error("Q007", f'the value of "${definition.name.value}" nests too deeply', definition)
        return None
    if isinstance(data, bool):
        return ExternalValue("boolean", data, start, end)
    if isinstance(data, int):
        return ExternalValue("int", str(data), start, end)
    if isinstance(data, float):  # float(): a subclass (numpy.float64) has its own repr
        return ExternalValue("float", repr(float(data)), start, end)
    if isinstance(data, str):
        return ExternalValue("string", data, start, end)
    if data is None:
        return ExternalValue("null", None, start, end)
    if isinstance(data, list | tuple):
        floats = _vector(data) if data and depth < _MAX_EXTERNAL_DEPTH else None
        if floats is not None:  # a vector: one node, its numbers checked and converted at once
            return ExternalNumbers(data, None, start, end, floats)
        types = set(map(type, data)) if depth < _MAX_EXTERNAL_DEPTH else None
        if types and _NUMBERS.issuperset(types):
            return ExternalNumbers(data, types, start, end)  # a vector: one node, no node per number
        items = [_to_value(ctx, item, definition, depth + 1) for item in data]
        if any(item is None for item in items):
            return None
        return ExternalValue("list", items, start, end)
    if isinstance(data, dict):
        fields = []
        for key, item in data.items():
            inner = _to_value(ctx, item, definition, depth + 1)
            if inner is None:
                return None
            fields.append(ObjectField(Name(str(key), start, end), inner))
        return ExternalValue("object", fields, start, end)
    ctx.error(
        "Q403",
        f'Variable "${definition.name.value}" got a {type(data).__name__}, which is not a JSON value.',
        definition,
        "variables hold JSON values: str, int, float, bool, None, lists and dicts",
    )
    return None


def _vector(data: Sequence[Any]) -> list[float] | None:
    """The items as floats when all are finite numbers (not bools), else None: read item by item."""
    try:
        floats: list[float] = read_finite_floats(data)
    except ValidationError:
        return None
    return floats


def _fits_declared(ctx: BindContext, value: Value, declared: TypeRef, definition: VariableDefinition) -> bool:
    """Check a given value against the variable's declared type (scalars and lists)."""
    if value.kind == "null":
        if declared.non_null:
            ctx.error(
                "Q403",
                f'Variable "${definition.name.value}" of type "{declared}" must not be null.',
                definition,
            )
            return False
        return True
    if declared.of_type is not None:
        if isinstance(value, NumberList) and declared.of_type.of_type is None:
            ok = _KINDS_FOR_SCALAR.get(declared.of_type.name or "")
            if ok is None or ok is _NUMBER_KINDS or value.kinds().issubset(ok):
                return True  # every item fits; a misfit is worded item by item below
        items = value.value if value.kind == "list" else [value]
        return all(_fits_declared(ctx, item, declared.of_type, definition) for item in items)
    name = declared.name
    ok = _KINDS_FOR_SCALAR.get(name or "")
    if ok is not None and value.kind not in ok:
        ctx.error(
            "Q403",
            f'Variable "${definition.name.value}" got invalid value {describe(value)}; expected type "{name}".',
            definition,
        )
        return False
    return True


def deref(ctx: BindContext, value: Value, expected: str) -> Value | None:
    """The value itself, or a variable's value (None when absent or null); checks the types."""
    if value.kind != "variable":
        return value
    name = value.value
    definition = ctx.definitions.get(name)
    if definition is None:
        ctx.error(
            "Q401",
            f'Variable "${name}" is not defined.',
            value,
            suggestion(name, ctx.definitions) or f"declare it: query Name(${name}: {expected}) {{ ... }}",
        )
        return None
    problem = _incompatible(definition.type, expected)
    if problem:
        ctx.error(
            "Q403",
            f'Variable "${name}" of type "{definition.type}" used in position expecting type "{expected}".',
            value,
            problem,
        )
        return None
    if name in ctx.broken:
        ctx.failures += 1  # already diagnosed where it was declared
        return None
    resolved = ctx.resolved.get(name)
    if resolved is None or resolved.kind == "null":
        return None
    if isinstance(resolved, ExternalValue):
        return _moved(resolved, value.start, value.end)
    return resolved


def _moved(value: Value, start: int, end: int) -> Value:
    """An external value re-placed at the variable's use, so carets point there."""
    if isinstance(value, ExternalNumbers):
        return value.moved(start, end)
    if value.kind == "list":
        return ExternalValue("list", [_moved(v, start, end) for v in value.value], start, end)
    if value.kind == "object":
        fields = [
            ObjectField(Name(f.name.value, start, end), _moved(f.value, start, end)) for f in value.value
        ]
        return ExternalValue("object", fields, start, end)
    return ExternalValue(value.kind, value.value, start, end)


def _incompatible(declared: TypeRef, expected: str) -> str | None:
    """Why a variable of the declared type cannot stand where `expected` is asked, or None."""
    inner = declared.of_type if declared.of_type is not None else None
    want = expected.rstrip("!")
    if want.startswith("["):
        if inner is not None:
            declared = inner
        want = want[1:-1].rstrip("!")
    elif inner is not None:
        return f"a list cannot stand where one {want} is expected"
    name = declared.name
    if name in SCALARS:
        if name == want or (name, want) in {("Int", "Float"), ("ID", "String"), ("String", "ID")}:
            return None
        return f"declare it as {want}" if want in SCALARS else f"this position takes a {want} object or enum"
    if want in SCALARS:
        return f"declare it as {want}"
    return None  # input object and enum type names are not checked (rankql has no GraphQL schema types)
