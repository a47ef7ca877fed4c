"""Syntax tree of a GraphQL document: small slotted nodes with spans, built by the LALR driver."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic_core import SchemaValidator, core_schema

from .source import Span

# A list of finite floats, ints read as floats (bools, strings and NaN refused), checked and converted
# in one call: from a Python list (a variable's vector) or from JSON text (a literal's).
_FINITE_FLOATS = SchemaValidator(
    core_schema.list_schema(core_schema.float_schema(strict=True, allow_inf_nan=False))
)
read_finite_floats = _FINITE_FLOATS.validate_python
read_finite_floats_json = _FINITE_FLOATS.validate_json


class SyntaxNode:
    """Base: a half-open character range [start, end) of the query text."""

    __slots__ = ("start", "end")
    start: int
    end: int

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


class Name(SyntaxNode):
    __slots__ = ("value",)

    def __init__(self, value: str, start: int, end: int) -> None:
        self.value, self.start, self.end = value, start, end

    def __repr__(self) -> str:
        return f"Name({self.value!r})"


class Value(SyntaxNode):
    """A literal or a variable. kind: string, int, float, boolean, null, enum, list, object, variable.

    value: str for string/enum/variable (the variable's name) and for int/float (the literal text,
    converted by the binder so that range errors become diagnostics); bool; None; list[Value] for
    lists; list[ObjectField] for objects.
    """

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Any, start: int, end: int) -> None:
        self.kind, self.value, self.start, self.end = kind, value, start, end

    def __repr__(self) -> str:
        return f"Value({self.kind}, {self.value!r})"


class NumberList(Value):
    """A list of numbers held in one node, items made only when asked for (the fast path of vectors).

    A list of 384 floats would otherwise be 384 nodes made and read one by one. The typed reads ask
    floats() for all the values at once; every other reader gets `value`, the items as the general
    path makes them (made on first use), so that diagnostics and results stay the same.
    """

    __slots__ = ("_items",)

    def __init__(self, start: int, end: int) -> None:
        self.kind, self.start, self.end = "list", start, end
        self._items: list[Value] | None = None

    @property  # a slot in Value, computed here
    def value(self) -> list[Value]:
        if self._items is None:
            self._items = self.make_items()
        return self._items

    def make_items(self) -> list[Value]:
        raise NotImplementedError

    def floats(self) -> list[float] | None:
        """Every item as read_float reads it, or None where one would be refused (or any is unusual)."""
        raise NotImplementedError

    def kinds(self) -> set[str]:
        """The kinds of the items: "int", "float" or both."""
        raise NotImplementedError


class LiteralNumbers(NumberList):
    """A list literal of numbers only, `[0.1, -2, 3e-4]`, as the parser's fast path reads it.

    Either texts (each number as written, converted on first read) or floats (already converted, as
    read_float reads each: the lexer's JSON scan) is given.
    """

    __slots__ = ("texts", "text", "_floats")

    def __init__(
        self, texts: list[str] | None, text: str, start: int, end: int, floats: list[float] | None = None
    ) -> None:
        super().__init__(start, end)
        self.texts = texts
        self.text = text  # the whole query text: items find their spans in it when made
        self._floats = floats

    def make_items(self) -> list[Value]:
        from .lalr import number_tokens  # the lexer's number patterns; lalr imports this module

        return [Value(kind, t, s, e) for kind, t, s, e in number_tokens(self.text, self.start, self.end)]

    def floats(self) -> list[float] | None:
        found = self._floats
        if found is None:
            texts = self.texts
            if texts is None or max(map(len, texts)) >= 400:  # read_float calls such a literal infinite
                return None
            found = list(map(float, texts))
            total = sum(found)
            if total - total != 0.0:  # an item is infinite (or the sum overflows): the general path
                return None
            self._floats = found  # the syntax tree is cached and bound again: convert once
        return found.copy()

    def kinds(self) -> set[str]:
        if self.texts is None:
            return {item.kind for item in self.value}
        return {"float" if any(c in t for c in ".eE") else "int" for t in self.texts}


class ExternalValue(Value):
    """A value that came from the variables mapping (JSON), placed at the variable's span."""

    __slots__ = ()


class ExternalNumbers(NumberList, ExternalValue):
    """A variable's list of numbers, held as given: plain ints and floats (types, the exact types found),
    or anything read_finite_floats took (types None; floats, what it gave)."""

    __slots__ = ("data", "types", "_floats")

    def __init__(
        self,
        data: Sequence[int | float],
        types: set[type] | None,
        start: int,
        end: int,
        floats: list[float] | None = None,
    ) -> None:
        super().__init__(start, end)
        self.data = data
        self.types = types
        self._floats = floats

    def make_items(self) -> list[Value]:
        start, end = self.start, self.end
        return [
            ExternalValue("float", repr(float(x)), start, end)
            if isinstance(x, float)
            else ExternalValue("int", str(int(x)), start, end)
            for x in self.data
        ]

    def floats(self) -> list[float] | None:
        if self._floats is not None:
            return self._floats.copy()  # checked already; a copy, as the variable may be used twice
        if self.types is not None and int not in self.types:
            found = list(self.data)  # floats already: a copy, so the query never shares the caller's list
        else:
            try:
                found = list(map(float, self.data))  # an int above the float range raises
            except OverflowError:
                return None
        total = sum(found)
        if total - total != 0.0:  # a NaN or an infinity (or the sum overflows): the general path
            return None
        return found

    def kinds(self) -> set[str]:
        types = self.types if self.types is not None else set(map(type, self.data))
        return {"float" if issubclass(t, float) else "int" for t in types}

    def moved(self, start: int, end: int) -> ExternalNumbers:
        return ExternalNumbers(self.data, self.types, start, end, self._floats)


class ObjectField(SyntaxNode):
    __slots__ = ("name", "value")

    def __init__(self, name: Name, value: Value) -> None:
        self.name, self.value, self.start, self.end = name, value, name.start, value.end


class Argument(SyntaxNode):
    __slots__ = ("name", "value")

    def __init__(self, name: Name, value: Value) -> None:
        self.name, self.value, self.start, self.end = name, value, name.start, value.end


class Directive(SyntaxNode):
    __slots__ = ("name", "arguments")

    def __init__(self, name: Name, arguments: list[Argument], start: int, end: int) -> None:
        self.name, self.arguments, self.start, self.end = name, arguments, start, end


class Field(SyntaxNode):
    """A field of a selection set; selections is None when it has no selection set."""

    __slots__ = ("alias", "name", "arguments", "directives", "selections", "args_span")

    def __init__(
        self,
        alias: Name | None,
        name: Name,
        arguments: list[Argument],
        directives: list[Directive],
        selections: list[Selection] | None,
        start: int,
        end: int,
        args_span: tuple[int, int] | None = None,
    ) -> None:
        self.alias, self.name, self.arguments = alias, name, arguments
        self.directives, self.selections = directives, selections
        self.start, self.end, self.args_span = start, end, args_span

    @property
    def key(self) -> str:
        return self.alias.value if self.alias is not None else self.name.value


class FragmentSpread(SyntaxNode):
    """`...Name` or an inline fragment `... on Type { }` (type_condition set, name None)."""

    __slots__ = ("name", "type_condition", "selections")

    def __init__(
        self,
        name: Name | None,
        type_condition: Name | None,
        selections: list[Selection] | None,
        start: int,
        end: int,
    ) -> None:
        self.name, self.type_condition, self.selections = name, type_condition, selections
        self.start, self.end = start, end


# What a selection set holds: fields, and fragments (which the binder refuses with a diagnostic).
Selection = Field | FragmentSpread


class TypeRef(SyntaxNode):
    """A variable's declared type: a named type, a list of a type, or a non-null wrapper."""

    __slots__ = ("name", "of_type", "non_null")

    def __init__(
        self, name: str | None, of_type: TypeRef | None, non_null: bool, start: int, end: int
    ) -> None:
        self.name, self.of_type, self.non_null, self.start, self.end = name, of_type, non_null, start, end

    def __str__(self) -> str:
        inner = self.name if self.of_type is None else f"[{self.of_type}]"
        return f"{inner}!" if self.non_null else str(inner)


class VariableDefinition(SyntaxNode):
    __slots__ = ("name", "type", "default")

    def __init__(self, name: Name, type_: TypeRef, default: Value | None, start: int, end: int) -> None:
        self.name, self.type, self.default, self.start, self.end = name, type_, default, start, end


class Operation(SyntaxNode):
    """An operation; kind is None for the `{ ... }` shorthand, else the keyword as written."""

    __slots__ = ("kind", "name", "variables", "directives", "selections")

    def __init__(
        self,
        kind: Name | None,
        name: Name | None,
        variables: list[VariableDefinition],
        directives: list[Directive],
        selections: list[Selection],
        start: int,
        end: int,
    ) -> None:
        self.kind, self.name, self.variables = kind, name, variables
        self.directives, self.selections, self.start, self.end = directives, selections, start, end


class FragmentDefinition(SyntaxNode):
    __slots__ = ("keyword", "name", "type_condition", "selections")

    def __init__(
        self,
        keyword: Name,
        name: Name,
        type_condition: Name,
        selections: list[Selection],
        start: int,
        end: int,
    ) -> None:
        self.keyword, self.name, self.type_condition = keyword, name, type_condition
        self.selections, self.start, self.end = selections, start, end


class Document(SyntaxNode):
    __slots__ = ("definitions", "text")

    def __init__(self, definitions: list[Operation | FragmentDefinition], text: str) -> None:
        self.definitions, self.text = definitions, text
        self.start, self.end = 0, len(text)

    @property
    def operations(self) -> list[Operation]:
        return [d for d in self.definitions if isinstance(d, Operation)]
