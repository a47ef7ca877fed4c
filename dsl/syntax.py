"""Syntax tree of a GraphQL document: small slotted nodes with spans, built by the LALR driver."""

from __future__ import annotations

from typing import Any

from .source import Span


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


class ExternalValue(Value):
    """A value that came from the variables mapping (JSON), placed at the variable's span."""

    __slots__ = ()


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
