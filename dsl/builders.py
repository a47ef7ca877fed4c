"""Reduce callbacks of the LALR driver: grammar rules to syntax nodes, and string literal decoding."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from .syntax import (
    Argument,
    Directive,
    Field,
    FragmentDefinition,
    FragmentSpread,
    Name,
    ObjectField,
    Operation,
    TypeRef,
    Value,
    VariableDefinition,
)

# A shifted token sits on the value stack as (text, start, end); reductions push nodes, lists and triples.
Token = tuple[str, int, int]
Builder = Callable[[list[Any]], Any]


class LexError(Exception):
    """A lexical problem found while building (a bad escape); the driver turns it into a diagnostic."""

    def __init__(self, code: str, message: str, start: int, end: int, hint: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.start, self.end, self.hint = code, message, start, end, hint


_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]{1,8}\}|u[0-9A-Fa-f]{4}|.)", re.DOTALL)
_SIMPLE_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def decode_string(raw: str, start: int) -> str:
    """The value of a "..." literal (quotes included in raw); start is the offset of the quote."""
    body = raw[1:-1]
    if "\\" not in body:
        return body
    pieces: list[str | tuple[int, int]] = []  # text, or (UTF-16 code unit of a \u escape, offset)
    last = 0
    for m in _ESCAPE.finditer(body):
        pieces.append(body[last : m.start()])
        last = m.end()
        esc = m.group(1)
        where = start + 1 + m.start()
        if esc[0] == "u" and len(esc) > 1:
            pieces.append((int(esc[2:-1] if esc[1] == "{" else esc[1:], 16), where))
        elif esc in _SIMPLE_ESCAPES:
            pieces.append(_SIMPLE_ESCAPES[esc])
        else:
            raise LexError(
                "Q005",
                f"invalid escape sequence '\\{esc}' in a string",
                where,
                where + 2,
                hint='valid escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX; write \\\\ for a backslash',
            )
    pieces.append(body[last:])
    return "".join(_join_surrogates(pieces))


def _join_surrogates(pieces: list[str | tuple[int, int]]) -> list[str]:
    """Pair \\uD83D\\uDE00-style surrogate escapes into one character; a lone half is an error."""
    out: list[str] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        i += 1
        if isinstance(piece, str):
            out.append(piece)
            continue
        code, where = piece
        if 0xD800 <= code <= 0xDBFF and i + 1 < len(pieces) and pieces[i] == "":
            low = pieces[i + 1]
            if isinstance(low, tuple) and 0xDC00 <= low[0] <= 0xDFFF:
                out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low[0] - 0xDC00)))
                i += 2
                continue
        if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise LexError(
                "Q005",
                "invalid Unicode escape in a string: a lone surrogate or a code point above U+10FFFF",
                where,
                where + 6,
                hint="write the character itself, or a surrogate pair such as \\uD83D\\uDE00",
            )
        out.append(chr(code))
    return out


def decode_block_string(raw: str) -> str:
    """The value of a \"\"\"block string\"\"\": common indentation and blank edge lines removed."""
    body = raw[3:-3].replace('\\"""', '"""')
    lines = re.split(r"\r\n|\n|\r", body)
    indent: int | None = None
    for line in lines[1:]:
        stripped = line.lstrip(" \t")
        if stripped:
            width = len(line) - len(stripped)
            indent = width if indent is None else min(indent, width)
    if indent:
        lines = [lines[0]] + [line[indent:] for line in lines[1:]]
    while lines and not lines[0].strip(" \t"):
        lines.pop(0)
    while lines and not lines[-1].strip(" \t"):
        lines.pop()
    return "\n".join(lines)


def _name(tok: Token) -> Name:
    return Name(tok[0], tok[1], tok[2])


def _positions(names: Sequence[str]) -> dict[str, list[int]]:
    where: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        where.setdefault(n, []).append(i)
    return where


def _edge(child: Any) -> tuple[int, int]:
    """(start, end) of a stack value: a token tuple, a node, an (items, start, end) triple, or a list."""
    if isinstance(child, tuple):
        return child[1], child[2]
    if isinstance(child, list):  # directives
        return child[0].start, child[-1].end
    return child.start, child.end


def make_builder(key: str, names: Sequence[str], expand1: bool) -> Builder:
    """The callback for one grammar rule (key: its alias or origin), specialised by its expansion."""
    if key.startswith("__"):  # lark's helper rules for `x+` / `x*`: collect into a list
        if len(names) == 1:
            return lambda c: [c[0]]
        return lambda c: (c[0].append(c[1]), c[0])[1]
    if expand1:
        return lambda c: c[0]
    pos = _positions(names)
    at = {n: p[0] for n, p in pos.items()}

    def opt(c: list[Any], name: str, default: Any = None) -> Any:
        i = at.get(name)
        return default if i is None else c[i]

    if key == "start":
        return lambda c: c[0]
    if key in ("string_value", "block_string_value", "int_value", "float_value", "name_value", "variable"):
        return _VALUE_BUILDERS[key]
    if key == "list_value":
        if len(names) == 2:
            return lambda c: Value("list", [], c[0][1], c[1][2])
        return lambda c: Value("list", c[1], c[0][1], c[2][2])
    if key == "object_value":
        if len(names) == 2:
            return lambda c: Value("object", [], c[0][1], c[1][2])
        return lambda c: Value("object", c[1], c[0][1], c[2][2])
    if key == "object_field":
        return lambda c: ObjectField(_name(c[0]), c[2])
    if key == "argument":
        return lambda c: Argument(_name(c[0]), c[2])
    if key in ("arguments", "selection_set"):
        return lambda c: (c[1], c[0][1], c[2][2])
    if key in ("variable_definitions", "directives", "default_value"):
        return lambda c: c[-1] if key == "default_value" else c[1] if key == "variable_definitions" else c[0]
    if key in ("field", "aliased_field"):
        return _field_builder(names, key == "aliased_field")
    if key == "directive":
        return lambda c: Directive(_name(c[1]), opt(c, "arguments", ([],))[0], c[0][1], _edge(c[-1])[1])
    if key == "named_type":
        return lambda c: TypeRef(c[0][0], None, False, c[0][1], c[0][2])
    if key == "list_type":
        return lambda c: TypeRef(None, c[1], False, c[0][1], c[2][2])
    if key == "non_null_type":
        return lambda c: TypeRef(c[0].name, c[0].of_type, True, c[0].start, c[1][2])
    if key == "variable_definition":
        return lambda c: VariableDefinition(
            _name(c[1]), c[3], opt(c, "default_value"), c[0][1], _edge(c[-1])[1]
        )
    if key == "shorthand_operation":
        return lambda c: Operation(None, None, [], [], c[0][0], c[0][1], c[0][2])
    if key == "operation":
        two_names = len(pos["NAME"]) == 2

        def operation(c: list[Any]) -> Operation:
            sel = c[-1]
            return Operation(
                _name(c[0]),
                _name(c[1]) if two_names else None,
                opt(c, "variable_definitions", []),
                opt(c, "directives", []),
                sel[0],
                c[0][1],
                sel[2],
            )

        return operation
    if key == "fragment_definition":
        return lambda c: FragmentDefinition(
            _name(c[0]), _name(c[1]), _name(c[3]), c[-1][0], c[0][1], c[-1][2]
        )
    if key == "fragment_spread":
        return lambda c: FragmentSpread(_name(c[1]), None, None, c[0][1], _edge(c[-1])[1])
    if key == "typed_inline_fragment":
        return lambda c: FragmentSpread(None, _name(c[2]), c[-1][0], c[0][1], c[-1][2])
    if key == "inline_fragment":
        return lambda c: FragmentSpread(None, None, c[-1][0], c[0][1], c[-1][2])
    raise ValueError(f"no builder for grammar rule {key!r}")  # caught by a test over the grammar


def _field_builder(names: Sequence[str], aliased: bool) -> Builder:
    """A field callback specialised to one expansion: no lookups while parsing."""
    base = 2 if aliased else 0
    i_args = names.index("arguments") if "arguments" in names else -1
    i_dirs = names.index("directives") if "directives" in names else -1
    i_sel = names.index("selection_set") if "selection_set" in names else -1
    if i_dirs < 0 and not aliased:  # the common shapes first
        if i_args < 0 and i_sel < 0:
            return lambda c: Field(None, Name(*c[0]), [], [], None, c[0][1], c[0][2])
        if i_args < 0:
            return lambda c: Field(None, Name(*c[0]), [], [], c[1][0], c[0][1], c[1][2])
        if i_sel < 0:
            return lambda c: Field(None, Name(*c[0]), c[1][0], [], None, c[0][1], c[1][2], (c[1][1], c[1][2]))
        return lambda c: Field(None, Name(*c[0]), c[1][0], [], c[2][0], c[0][1], c[2][2], (c[1][1], c[1][2]))

    def field(c: list[Any]) -> Field:
        args = c[i_args] if i_args >= 0 else None
        sel = c[i_sel] if i_sel >= 0 else None
        return Field(
            Name(*c[0]) if aliased else None,
            Name(*c[base]),
            args[0] if args else [],
            c[i_dirs] if i_dirs >= 0 else [],
            sel[0] if sel else None,
            c[0][1],
            _edge(c[-1])[1],
            (args[1], args[2]) if args else None,
        )

    return field


def _name_value(c: list[Any]) -> Value:
    text, start, end = c[0]
    if text == "true":
        return Value("boolean", True, start, end)
    if text == "false":
        return Value("boolean", False, start, end)
    if text == "null":
        return Value("null", None, start, end)
    return Value("enum", text, start, end)


_VALUE_BUILDERS: dict[str, Builder] = {
    "string_value": lambda c: Value("string", decode_string(c[0][0], c[0][1]), c[0][1], c[0][2]),
    "block_string_value": lambda c: Value("string", decode_block_string(c[0][0]), c[0][1], c[0][2]),
    "int_value": lambda c: Value("int", c[0][0], c[0][1], c[0][2]),
    "float_value": lambda c: Value("float", c[0][0], c[0][1], c[0][2]),
    "name_value": _name_value,
    "variable": lambda c: Value("variable", c[1][0], c[0][1], c[1][2]),
}
