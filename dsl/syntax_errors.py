"""Syntax errors in words: what was expected where, never a grammar terminal name."""

from __future__ import annotations

from typing import Any

from .diagnostics import Diagnostic
from .lalr import ParseFailure, tables
from .source import Source, Span

_VALUE_STARTS = {"STRING", "BLOCK_STRING", "INT", "FLOAT", "NAME", "LSQB", "LBRACE", "DOLLAR"}
_PUNCT = {
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COLON": "':'",
    "EQUAL": "'='",
    "BANG": "'!'",
    "DOLLAR": "'$'",
    "AT": "'@'",
    "SPREAD": "'...'",
}
# Order in which expected things are listed; AT and SPREAD only when nothing else is expected.
_ORDER = [
    "NAME",
    "VALUE",
    "DOLLAR",
    "COLON",
    "LPAR",
    "LBRACE",
    "LSQB",
    "EQUAL",
    "BANG",
    "RSQB",
    "RPAR",
    "RBRACE",
]
_ORDER += ["$END", "AT", "SPREAD"]


def failure_diagnostic(failure: ParseFailure, source: Source) -> Diagnostic:
    """The diagnostic for a failure of the lexer or the driver."""
    text = source.text
    code = failure.code
    span = Span(failure.start, failure.end)
    if code == "BAD_CHAR":
        char = failure.message
        quote = '"' if char == "'" else "'"
        shown = f"{quote}{char}{quote}" if char.isprintable() and not char.isspace() else f"U+{ord(char):04X}"
        hint = "a lone '.' or '..' is not GraphQL; fragments spread with '...'" if char == "." else None
        if char == "-":
            hint = "a minus sign must be followed by a number"
        return Diagnostic("Q003", f"unexpected character {shown}", span, hint or _char_hint(char))
    if code == "BAD_STRING":
        return Diagnostic(
            "Q004",
            "unterminated string",
            Span(failure.start, failure.start + 1),
            'close the string with " on the same line, or use a """block string""" for several lines',
        )
    if code == "BAD_BLOCK":
        return Diagnostic("Q004", "unterminated block string", span, 'close it with """')
    if code == "BAD_NUMBER":
        return Diagnostic(
            "Q006",
            f"invalid number '{failure.message}'",
            span,
            "numbers look like 10, -3, 0.5 or 1e-3 (no leading zeros, digits after the dot)",
        )
    if code != "Q001":
        return Diagnostic(code, failure.message, span, failure.hint)
    return _unexpected(failure, text)


def _char_hint(char: str) -> str:
    if char in "'`":
        return 'GraphQL strings use double quotes: "text"'
    return "remove it; names use letters, digits and '_', strings are in double quotes"


def _unexpected(failure: ParseFailure, text: str) -> Diagnostic:
    ctx = failure.context
    kind: str = ctx["kind"]
    states: list[int] = ctx["states"]
    actions = tables().actions
    expected = {s for s in actions[states[-1]] if s.isupper() or s == "$END"}
    role = _role(ctx, actions, failure.start)
    words = _expected_words(expected, role, ctx["values"])
    opened: list[int] = ctx["opened"]
    if kind == "$END":
        at = ctx["last_end"]
        span = Span(at, at)
        code = "Q002"
        if opened:
            line, col = Source(text).line_col(opened[-1])
            bracket = text[opened[-1]]
            hint: str | None = f"the '{bracket}' at line {line}, column {col} is never closed"
        else:
            hint = "the query stops too early"
        return Diagnostic(code, f"unexpected end of query: expected {words}", span, hint)
    found = _describe_found(kind, text[failure.start : failure.end])
    hint = _hint(kind, expected, role)
    if role == "document" and _names_before(ctx["values"]) >= 2:
        words = "'(' or '{' after the operation name"
        hint = "an operation name is one word: query MyQuery { ... }"
    return Diagnostic("Q001", f"expected {words}, found {found}", Span(failure.start, failure.end), hint)


def _role(ctx: dict[str, Any], actions: list[dict[str, Any]], offending: int) -> str:
    """What the innermost open bracket opened: selection, object, arguments, variables, list, type. The
    offending token (at `offending`) may be an opening bracket itself: it opened nothing yet."""
    values, states = ctx["values"], ctx["states"]
    opened = [at for at in ctx["opened"] if at != offending]
    if not opened:
        return "document"
    at = opened[-1]
    for i in range(len(values) - 1, -1, -1):
        v = values[i]
        if isinstance(v, tuple) and len(v) == 3 and isinstance(v[0], str) and v[1] == at:
            after = set(actions[states[i + 1]])
            char = v[0]
            if char == "{":
                return "selection" if "SPREAD" in after else "object"
            if char == "(":
                return "variables" if "DOLLAR" in after and "NAME" not in after else "arguments"
            return "list" if "RSQB" in after else "type"
    return "document"


def _expected_words(expected: set[str], role: str, values: list[Any]) -> str:
    items = set(expected)
    if len(items & _VALUE_STARTS) >= 6:
        items -= _VALUE_STARTS
        items.add("VALUE")
    if items - {"AT", "SPREAD"}:
        items -= {"AT", "SPREAD"}
    words = [_word(s, role, values) for s in _ORDER if s in items]
    words = list(dict.fromkeys(words))
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _word(symbol: str, role: str, values: list[Any]) -> str:
    if symbol == "VALUE":
        return "a value"
    if symbol == "$END":
        return "the end of the query"
    if symbol == "NAME":
        if role == "selection":
            return "a field name"
        if role == "object":
            return "an input field name"
        if role == "arguments":
            return "an argument name"
        if role in ("variables", "type"):
            return "a type name"
        if role == "document":
            after_keyword = bool(values) and isinstance(values[-1], tuple) and isinstance(values[-1][0], str)
            return "an operation name" if after_keyword else "'query'"
    if symbol == "DOLLAR":
        return "a variable such as '$name'"
    return _PUNCT.get(symbol, symbol.lower())


def _describe_found(kind: str, text: str) -> str:
    if kind == "NAME":
        return f"name '{text}'"
    if kind in ("STRING", "BLOCK_STRING"):
        return f"string {text[:30] + '...' if len(text) > 30 else text}"
    if kind in ("INT", "FLOAT"):
        return f"number {text}"
    return _PUNCT.get(kind, repr(text))


def _names_before(values: list[Any]) -> int:
    """How many NAME tokens lead the current definition (query keyword, name, ...)."""
    count = 0
    for v in reversed(values):
        if not (isinstance(v, tuple) and isinstance(v[0], str) and v[0][:1].isidentifier()):
            break
        count += 1
    return count


def _hint(kind: str, expected: set[str], role: str) -> str | None:
    if expected == {"COLON"} and role == "variables":
        return "declare variables as ($name: Type), e.g. ($limit: Int = 10)"
    if expected == {"COLON"}:
        return "write name: value"
    if kind == "RBRACE" and role == "selection" and "RBRACE" not in expected:
        return "a selection set needs at least one field between '{' and '}'"
    if kind == "RPAR" and "RPAR" not in expected and role == "arguments":
        return "remove the empty '()' or write an argument such as limit: 10"
    if kind == "RBRACE" and role == "object" and "COLON" not in expected and "RBRACE" not in expected:
        return "give a value after ':'"
    if kind in ("STRING", "INT", "FLOAT") and role in ("selection", "arguments", "object"):
        return "values stand after a name and ':', as in limit: 10"
    if kind == "LBRACE" and role == "arguments" and "RPAR" in expected:
        return "close the arguments with ')' before the field's selection { ... }"
    if kind == "COLON" and role == "selection":
        return "a field alias is written alias: fieldName"
    if kind in ("RBRACE", "RPAR", "RSQB") and kind not in expected:
        closer = {"RBRACE": "'}'", "RPAR": "')'", "RSQB": "']'"}[kind]
        return f"this {closer} does not close the innermost open bracket"
    return None
