"""Recursive descent over well-formed queries: the LALR driver's syntax tree, built without its tables."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol, cast

from .builders import LexError, decode_block_string, decode_string
from .syntax import (
    Argument,
    Document,
    Field,
    FragmentDefinition,
    Name,
    ObjectField,
    Operation,
    Selection,
    TypeRef,
    Value,
    VariableDefinition,
)

# A number list literal at an offset ('['), read in one step, or None: lalr.py's fast path of lists.
NumberList = Callable[[str, int], Value | None]


class GiveUp(Exception):
    """The text is not one this parser reads: the LALR driver parses it."""


class _Match(Protocol):
    """A scanner match: every alternative of the scanner is a named group, so lastgroup is never None."""

    lastgroup: str

    def span(self, group: str) -> tuple[int, int]: ...


class Descent:
    """One parse: the current token (kind, start, end) and the recursive rules of the grammar.

    The LALR driver (dsl/lalr.py) shifts each token and reduces each rule through lark's tables, which
    costs more per token than scanning it and building the nodes. Most queries are well formed and of
    a few shapes (operations, variable definitions, fields, aliases, arguments, values); for those this
    builds the nodes the driver's reductions build, from the same scanner's tokens, with no stacks.
    Anything else (a directive, a fragment, more than max_depth open brackets, any syntax or escape
    error) makes it give up, and the driver parses the text: every error is worded by the driver alone.
    tests/dsl/test_descent.py checks that both build the same tree.
    """

    __slots__ = ("text", "match", "numbers", "max_depth", "depth", "kind", "start", "end")

    def __init__(self, text: str, scanner: re.Pattern[str], numbers: NumberList, max_depth: int) -> None:
        self.text, self.numbers, self.max_depth = text, numbers, max_depth
        # the scanner matches at every position (END or an error alternative at worst)
        self.match = cast("Callable[[str, int], _Match]", scanner.match)
        self.depth = 0
        self.end = 0
        self.advance()

    def advance(self) -> None:
        """Read the token after the current one (written out in the methods below: they run per token)."""
        m = self.match(self.text, self.end)
        self.kind = kind = m.lastgroup
        self.start, self.end = m.span(kind)

    def name(self) -> Name:
        """The current token, which must be a NAME, as a Name; the next token read."""
        if self.kind != "NAME":
            raise GiveUp
        start, end = self.start, self.end
        m = self.match(self.text, end)
        self.kind = kind = m.lastgroup
        self.start, self.end = m.span(kind)
        return Name(self.text[start:end], start, end)

    def expect(self, want: str) -> None:
        """The current token must be of kind want; the next token read."""
        if self.kind != want:
            raise GiveUp
        m = self.match(self.text, self.end)
        self.kind = kind = m.lastgroup
        self.start, self.end = m.span(kind)

    def open(self) -> int:
        """Enter a bracket (the current token); its start."""
        self.depth += 1
        if self.depth > self.max_depth:
            raise GiveUp  # the driver words the depth error
        start = self.start
        m = self.match(self.text, self.end)
        self.kind = kind = m.lastgroup
        self.start, self.end = m.span(kind)
        return start

    def close(self, closer: str) -> int:
        """Leave a bracket: the current token must be its closer; the closer's end."""
        if self.kind != closer:
            raise GiveUp
        end = self.end
        self.depth -= 1
        m = self.match(self.text, end)
        self.kind = kind = m.lastgroup
        self.start, self.end = m.span(kind)
        return end

    def document(self) -> Document:
        definitions: list[Operation | FragmentDefinition] = []
        while True:
            kind = self.kind
            if kind == "LBRACE":
                selections, start, end = self.selection_set()
                definitions.append(Operation(None, None, [], [], selections, start, end))
            elif kind == "NAME":
                definitions.append(self.operation())
            elif kind == "END" and definitions:
                return Document(definitions, self.text)
            else:
                raise GiveUp

    def operation(self) -> Operation:
        """NAME NAME? variable_definitions? selection_set (directives: the driver)."""
        keyword = self.name()
        name = self.name() if self.kind == "NAME" else None
        variables: list[VariableDefinition] = []
        if self.kind == "LPAR":
            self.open()
            while self.kind == "DOLLAR":
                variables.append(self.variable_definition())
            self.close("RPAR")
            if not variables:
                raise GiveUp
        if self.kind != "LBRACE":
            raise GiveUp  # a third NAME (a fragment definition), directives, or an error
        selections, _, end = self.selection_set()
        return Operation(keyword, name, variables, [], selections, keyword.start, end)

    def variable_definition(self) -> VariableDefinition:
        start = self.start
        self.advance()  # '$'
        name = self.name()
        self.expect("COLON")
        type_ = self.type_ref()
        default = None
        end = type_.end
        if self.kind == "EQUAL":
            self.advance()
            default = self.value()
            end = default.end
        return VariableDefinition(name, type_, default, start, end)

    def type_ref(self) -> TypeRef:
        if self.kind == "NAME":
            start, end = self.start, self.end
            self.advance()
            ref = TypeRef(self.text[start:end], None, False, start, end)
        elif self.kind == "LSQB":
            start = self.open()
            inner = self.type_ref()
            ref = TypeRef(None, inner, False, start, self.close("RSQB"))
        else:
            raise GiveUp
        if self.kind == "BANG":
            end = self.end
            self.advance()
            ref = TypeRef(ref.name, ref.of_type, True, ref.start, end)
        return ref

    def selection_set(self) -> tuple[list[Selection], int, int]:
        start = self.open()
        fields: list[Selection] = []
        while self.kind == "NAME":
            fields.append(self.field())
        if not fields:
            raise GiveUp
        return fields, start, self.close("RBRACE")

    def field(self) -> Field:
        name = self.name()
        alias = None
        if self.kind == "COLON":
            self.advance()
            alias, name = name, self.name()
        arguments: list[Argument] = []
        args_span = None
        end = name.end
        if self.kind == "LPAR":
            start = self.open()
            while self.kind == "NAME":
                key = self.name()
                self.expect("COLON")
                arguments.append(Argument(key, self.value()))
            if not arguments:
                raise GiveUp
            end = self.close("RPAR")
            args_span = (start, end)
        selections = None
        if self.kind == "LBRACE":
            selections, _, end = self.selection_set()
        first = name if alias is None else alias
        return Field(alias, name, arguments, [], selections, first.start, end, args_span)

    def value(self) -> Value:
        kind, start, end = self.kind, self.start, self.end
        text = self.text
        if kind == "NAME":
            self.advance()
            word = text[start:end]
            if word == "true":
                return Value("boolean", True, start, end)
            if word == "false":
                return Value("boolean", False, start, end)
            if word == "null":
                return Value("null", None, start, end)
            return Value("enum", word, start, end)
        if kind == "LSQB":
            if self.depth >= self.max_depth:
                raise GiveUp
            node = self.numbers(text, start)
            if node is not None:  # the whole list at once: read on from its end
                self.end = node.end
                self.advance()
                return node
            self.open()
            items = []
            while self.kind != "RSQB":
                items.append(self.value())
            return Value("list", items, start, self.close("RSQB"))
        if kind == "LBRACE":
            self.open()
            fields = []
            while self.kind == "NAME":
                key = self.name()
                self.expect("COLON")
                fields.append(ObjectField(key, self.value()))
            return Value("object", fields, start, self.close("RBRACE"))
        if kind == "DOLLAR":
            self.advance()
            variable = self.name()
            return Value("variable", variable.value, start, variable.end)
        self.advance()
        if kind == "INT":
            return Value("int", text[start:end], start, end)
        if kind == "FLOAT":
            return Value("float", text[start:end], start, end)
        if kind == "STRING":
            try:
                return Value("string", decode_string(text[start:end], start), start, end)
            except LexError:
                raise GiveUp from None
        if kind == "BLOCK_STRING":
            return Value("string", decode_block_string(text[start:end]), start, end)
        raise GiveUp


def parse_well_formed(
    text: str, scanner: re.Pattern[str], numbers: NumberList, max_depth: int
) -> Document | None:
    """The driver's Document of text, or None where the driver must parse it (see the module doc)."""
    try:
        return Descent(text, scanner, numbers, max_depth).document()
    except (GiveUp, RecursionError):
        return None
