"""Reading syntax values as typed Python values: variables substituted, types checked, errors collected."""

from __future__ import annotations

import math
from collections.abc import Sequence

from .diagnostics import Diagnostic, suggestion
from .source import Span
from .syntax import ExternalValue, Name, ObjectField, TypeRef, Value, VariableDefinition

SCALARS = ("String", "Int", "Float", "Boolean", "ID")
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_MAX_EXTERNAL_DEPTH = 64


def describe(value: Value) -> str:
    """A short rendering of a value for messages: "abc", 10, [..], {..}, $var."""
    kind = value.kind
    if kind == "string":
        text = value.value if len(value.value) <= 40 else value.value[:37] + "..."
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


class Reader:
    """Base of the binder: diagnostics, variables and typed reads of values."""

    def __init__(self, variables: dict | None) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.given = variables or {}
        self.definitions: dict[str, VariableDefinition] = {}
        self.resolved: dict[str, Value | None] = {}
        self.path: list[str | int] | None = None  # response path of the class field being bound
        self.failures = 0  # diagnostics plus uses of variables already diagnosed: no cascades
        self.broken: set[str] = set()  # variables whose value was refused

    # --- diagnostics ---------------------------------------------------------------------------

    def error(self, code: str, message: str, node, hint: str | None = None, path=None) -> None:
        span = node if isinstance(node, Span) or node is None else Span(node.start, node.end)
        self.failures += 1
        self.diagnostics.append(
            Diagnostic(code, message, span, hint, path if path is not None else self.path)
        )

    def failed(self, mark: int) -> bool:
        """Whether anything failed since self.failures was mark (a diagnostic, or a broken variable used)."""
        return self.failures > mark

    # --- variables -----------------------------------------------------------------------------

    def define_variables(self, definitions: Sequence[VariableDefinition]) -> None:
        """Resolve each declared variable once: the given value (checked) or the default."""
        for definition in definitions:
            name = definition.name.value
            if name in self.definitions:
                self.error("Q404", f'There can be only one variable named "${name}".', definition.name)
                continue
            self.definitions[name] = definition
            if name in self.given:
                external = self.to_value(self.given[name], definition, 0)
                if external is not None and self.fits_declared(external, definition.type, definition):
                    self.resolved[name] = external
                else:
                    self.resolved[name] = None
                    self.broken.add(name)
            elif definition.default is not None:
                self.resolved[name] = definition.default
            else:
                self.resolved[name] = None
                if definition.type.non_null:
                    self.broken.add(name)
                    self.error(
                        "Q402",
                        f'Variable "${name}" of required type "{definition.type}" was not provided.',
                        definition,
                        f"pass variables={{'{name}': ...}}, or give it a default: ${name}: {definition.type} = ...",
                    )

    def to_value(self, data, definition: VariableDefinition, depth: int) -> Value | None:
        """A JSON value from the variables mapping as a syntax value placed at the definition."""
        start, end = definition.name.start - 1, definition.name.end
        if depth > _MAX_EXTERNAL_DEPTH:
            self.error("Q007", f'the value of "${definition.name.value}" nests too deeply', definition)
            return None
        if isinstance(data, bool):
            return ExternalValue("boolean", data, start, end)
        if isinstance(data, int):
            return ExternalValue("int", str(data), start, end)
        if isinstance(data, float):
            return ExternalValue("float", repr(data), start, end)
        if isinstance(data, str):
            return ExternalValue("string", data, start, end)
        if data is None:
            return ExternalValue("null", None, start, end)
        if isinstance(data, list | tuple):
            items = [self.to_value(item, definition, depth + 1) for item in data]
            if any(item is None for item in items):
                return None
            return ExternalValue("list", items, start, end)
        if isinstance(data, dict):
            fields = []
            for key, item in data.items():
                inner = self.to_value(item, definition, depth + 1)
                if inner is None:
                    return None
                fields.append(ObjectField(Name(str(key), start, end), inner))
            return ExternalValue("object", fields, start, end)
        self.error(
            "Q403",
            f'Variable "${definition.name.value}" got a {type(data).__name__}, which is not a JSON value.',
            definition,
            "variables hold JSON values: str, int, float, bool, None, lists and dicts",
        )
        return None

    def fits_declared(self, value: Value, declared: TypeRef, definition: VariableDefinition) -> bool:
        """Check a given value against the variable's declared type (scalars and lists)."""
        if value.kind == "null":
            if declared.non_null:
                self.error(
                    "Q403",
                    f'Variable "${definition.name.value}" of type "{declared}" must not be null.',
                    definition,
                )
                return False
            return True
        if declared.of_type is not None:
            items = value.value if value.kind == "list" else [value]
            return all(self.fits_declared(item, declared.of_type, definition) for item in items)
        name = declared.name
        ok = {
            "String": ("string",),
            "ID": ("string", "int"),
            "Int": ("int",),
            "Float": ("int", "float"),
            "Boolean": ("boolean",),
        }.get(name or "")
        if ok is not None and value.kind not in ok:
            self.error(
                "Q403",
                f'Variable "${definition.name.value}" got invalid value {describe(value)}; expected type "{name}".',
                definition,
            )
            return False
        return True

    def deref(self, value: Value, expected: str) -> Value | None:
        """The value itself, or a variable's value (None when absent or null); checks the types."""
        if value.kind != "variable":
            return value
        name = value.value
        definition = self.definitions.get(name)
        if definition is None:
            self.error(
                "Q401",
                f'Variable "${name}" is not defined.',
                value,
                suggestion(name, self.definitions)
                or f"declare it: query Name(${name}: {expected}) {{ ... }}",
            )
            return None
        problem = _incompatible(definition.type, expected)
        if problem:
            self.error(
                "Q403",
                f'Variable "${name}" of type "{definition.type}" used in position expecting type "{expected}".',
                value,
                problem,
            )
            return None
        if name in self.broken:
            self.failures += 1  # already diagnosed where it was declared
            return None
        resolved = self.resolved.get(name)
        if resolved is None or resolved.kind == "null":
            return None
        if isinstance(resolved, ExternalValue):
            return _moved(resolved, value.start, value.end)
        return resolved

    # --- typed reads: each returns None (and records a diagnostic) when the value does not fit ---

    def wrong_type(self, value: Value, expected: str, where: str, hint: str | None = None) -> None:
        self.error(
            "Q202",
            f'{where} has invalid value {describe(value)}. Expected type "{expected}", found {describe(value)}.',
            value,
            hint,
        )

    def read_int(self, value: Value, where: str) -> int | None:
        v = self.deref(value, "Int")
        if v is None:
            return None
        if v.kind != "int":
            self.wrong_type(v, "Int", where, "write a whole number without quotes, e.g. 10")
            return None
        if len(v.value) > 20 or not INT_MIN <= int(v.value) <= INT_MAX:
            self.error(
                "Q207", f"{where}: Int cannot represent {v.value[:24]}: it is outside the 64-bit range", v
            )
            return None
        return int(v.value)

    def read_float(self, value: Value, where: str) -> float | None:
        v = self.deref(value, "Float")
        if v is None:
            return None
        if v.kind not in ("float", "int"):
            self.wrong_type(v, "Float", where, "write a number without quotes, e.g. 0.5")
            return None
        number = float(v.value) if len(v.value) < 400 else math.inf
        if not math.isfinite(number):
            self.error("Q207", f"{where}: Float cannot represent the non-finite value {v.value[:24]}", v)
            return None
        return number

    def read_string(self, value: Value, where: str) -> str | None:
        v = self.deref(value, "String")
        if v is None:
            return None
        if v.kind != "string":
            hint = (
                f'put it in double quotes: "{v.value}"' if v.kind == "enum" else "write text in double quotes"
            )
            self.wrong_type(v, "String", where, hint)
            return None
        return v.value

    def read_bool(self, value: Value, where: str) -> bool | None:
        v = self.deref(value, "Boolean")
        if v is None:
            return None
        if v.kind != "boolean":
            self.wrong_type(v, "Boolean", where, "write true or false without quotes")
            return None
        return v.value

    def read_enum(self, value: Value, type_name: str, choices: Sequence[str], where: str) -> str | None:
        v = self.deref(value, type_name)
        if v is None:
            return None
        external = isinstance(v, ExternalValue)
        if v.kind == "string" and not external and v.value in choices:
            self.error(
                "Q202",
                f'{where}: enum value "{v.value}" must not be quoted',
                v,
                f"write it without quotes: {v.value}",
            )
            return None
        if v.kind not in ("enum", "string") or (v.kind == "string" and not external):
            self.wrong_type(v, type_name, where, "one of: " + ", ".join(choices))
            return None
        if v.value not in choices:
            hint = suggestion(v.value, choices) or "one of: " + ", ".join(choices)
            self.error("Q206", f'{where}: Value "{v.value}" does not exist in "{type_name}" enum.', v, hint)
            return None
        return v.value

    def read_list(self, value: Value, item_type: str, where: str) -> list[Value] | None:
        """The items of a list value (a single value counts as a list of one, as GraphQL coerces)."""
        v = self.deref(value, f"[{item_type}]")
        if v is None:
            return None
        return v.value if v.kind == "list" else [v]

    def read_strings(self, value: Value, where: str) -> list[str] | None:
        items = self.read_list(value, "String", where)
        if items is None:
            return None
        out = [self.read_string(item, where) for item in items]
        return None if any(s is None for s in out) else out  # type: ignore[return-value]

    def read_floats(self, value: Value, where: str) -> list[float] | None:
        items = self.read_list(value, "Float", where)
        if items is None:
            return None
        out = [self.read_float(item, where) for item in items]
        return None if any(x is None for x in out) else out  # type: ignore[return-value]

    def read_object(
        self, value: Value, type_name: str, allowed: Sequence[str], where: str
    ) -> dict[str, ObjectField] | None:
        """The fields of an input object by name; unknown and repeated fields are diagnosed."""
        v = self.deref(value, type_name)
        if v is None:
            return None
        if v.kind != "object":
            self.wrong_type(v, type_name, where, "write an object: {name: value, ...}")
            return None
        fields: dict[str, ObjectField] = {}
        for field in v.value:
            name = field.name.value
            if name in fields:
                self.error("Q204", f'There can be only one input field named "{name}".', field, path=None)
            elif name not in allowed:
                hint = suggestion(name, allowed) or "fields: " + ", ".join(allowed)
                self.error("Q205", f'{where}: unknown field "{name}" in "{type_name}"', field.name, hint)
            else:
                fields[name] = field
        return fields


def _moved(value: Value, start: int, end: int) -> Value:
    """An external value re-placed at the variable's use, so carets point there."""
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
