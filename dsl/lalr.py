"""The LALR parser: lark compiles grammar/query.lark once; a tight driver runs its tables.

Lark builds the LALR(1) tables and the terminal definitions from the grammar file. Parsing then runs
here: one regular expression made from those terminals scans the text (white space, commas and
comments skipped in the same match), and a driver loop applies lark's shift/reduce table, calling the
reduce callbacks of dsl/builders.py directly. No lark Tree or Token is made and nothing recurses, so a
deep query cannot overflow the stack; a differential test checks that lark's own parser agrees.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import repeat
from typing import TYPE_CHECKING, Any, cast

from pydantic_core import ValidationError

from .builders import Builder, LexError, make_builder
from .descent import parse_well_formed
from .syntax import Document, LiteralNumbers, read_finite_floats_json

if TYPE_CHECKING:
    import lark

MAX_DEPTH = 128  # brackets open at once; deeper queries are refused before the binder recurses

# Error alternatives tried after every real terminal: they turn bad text into a precise message.
_ERROR_TERMINALS = (
    ("BAD_BLOCK", r'"""'),
    ("BAD_STRING", r'"[^"\n\r]*'),
    ("BAD_NUMBER", r"-?[0-9][0-9A-Za-z_.]*|-?\.[0-9][0-9A-Za-z_.]*"),
    ("BAD_CHAR", r"[\s\S]"),
)
OPENERS = {"LBRACE": "{", "LSQB": "[", "LPAR": "("}
CLOSERS = {"RBRACE", "RSQB", "RPAR"}
# One lookup per token decides whether it needs attention, and which: one of the roles below. Plain
# int constants, not an IntEnum: comparing against IntEnum members (a class attribute lookup each) made
# this kind of loop about 8x slower in a micro-benchmark (Python 3.11), module ints about 5%.
ROLE_OPEN, ROLE_CLOSE, ROLE_END, ROLE_ERROR = 1, 2, 3, 4
_SPECIAL = {**dict.fromkeys(OPENERS, ROLE_OPEN), **dict.fromkeys(CLOSERS, ROLE_CLOSE), "END": ROLE_END}
_SPECIAL.update(dict.fromkeys((name for name, _ in _ERROR_TERMINALS), ROLE_ERROR))


class ParseFailure(Exception):
    """Raised by the driver with what the diagnostics need; dsl/syntax_errors.py words it."""

    def __init__(
        self, code: str, message: str, start: int, end: int, hint: str | None = None, **context: Any
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.start, self.end, self.hint = code, message, start, end, hint
        self.context = context


# A reduction: how many stack values the rule takes, its callback, and the rule's name (for the goto).
Reduction = tuple[int, Builder, str]


@dataclass(frozen=True)
class Tables:
    """What the driver needs: per state, terminal or rule name -> next state (int) or reduction."""

    # int (a shift's or a goto's next state) or Reduction; Any because the driver tells them apart by
    # act.__class__, which mypy does not narrow on, and isinstance costs more per token.
    actions: list[dict[str, Any]]
    start_state: int
    end_state: int
    scanner: re.Pattern[str]
    # The fast path of number lists: state -> the state after a whole `value`, for the states where '['
    # opens a list value; the regex of a list of numbers only, and of one number.
    list_goto: dict[int, int]
    number_list: re.Pattern[str]
    number: re.Pattern[str]


def grammar_text() -> str:
    return resources.files("rankql.grammar").joinpath("query.lark").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def build_lark() -> lark.Lark:
    """The lark LALR parser of the grammar (also used by the differential test)."""
    import lark

    return lark.Lark(grammar_text(), parser="lalr", lexer="basic", propagate_positions=False)


@lru_cache(maxsize=1)
def tables() -> Tables:
    """Compile the grammar once: lark's parse table with our callbacks, and the scanning regex."""
    from lark.parsers.lalr_analysis import Shift

    parser = build_lark()
    table = parser.parser.parser._parse_table  # lark's LALR table (IntParseTable)
    rules: dict[Any, Reduction] = {}
    actions: list[dict[str, Any]] = [{} for _ in range(len(table.states))]
    for state, row in table.states.items():
        for symbol, (action, arg) in row.items():
            symbol = str(symbol)  # lark's names are Token objects; plain str hashes and compares faster
            if action is Shift:
                actions[state][symbol] = arg
                continue
            rule = arg
            if rule not in rules:
                names = [s.name for s in rule.expansion]
                key = rule.alias or rule.origin.name
                rules[rule] = (
                    len(names),
                    make_builder(key, names, rule.options.expand1),
                    str(rule.origin.name),
                )
            actions[state][symbol] = rules[rule]
    # '[' opens a list value where the state has a goto on `value` and the state it shifts to takes a
    # number (a list type's '[' takes a NAME only).
    list_goto = {
        state: row["value"]
        for state, row in enumerate(actions)
        if "value" in row and isinstance(row.get("LSQB"), int) and "INT" in actions[row["LSQB"]]
    }
    patterns = {t.name: t.pattern.to_regexp() for t in parser.terminals}
    number = f"(?P<FLOAT>{patterns['FLOAT']})|(?P<INT>{patterns['INT']})"
    # Only white space and commas between the numbers (a comment may hold anything: the general path).
    gap = r"[ \t\r\n,\ufeff]*+"
    plain = f"(?:{patterns['FLOAT']})|(?:{patterns['INT']})"  # no groups: re errs on them under ++
    number_list = re.compile(rf"\[{gap}(?:(?:{plain}){gap})++\]")
    assert number_list.match("[1 -2.5e3,-3]")
    return Tables(
        actions,
        table.start_states["start"],
        table.end_states["start"],
        _scanner(parser),
        list_goto,
        number_list,
        re.compile(number),
    )


def number_tokens(text: str, start: int, end: int) -> list[tuple[str, str, int, int]]:
    """(kind, text, start, end) of each number of the list literal text[start:end]."""
    found = tables().number.finditer(text, start, end)
    return [("float" if m.lastgroup == "FLOAT" else "int", m.group(), m.start(), m.end()) for m in found]


# grammar/query.lark's IGNORED, and the same skip written so that re takes a run of white space in one
# step (possessive repeats of one character class) instead of one alternation per character.
_IGNORED = "(?:[ \t\r\n,\ufeff]|#[^\n\r]*)+"
_FAST_SKIP = "[ \t\r\n,\ufeff]*+(?:#[^\n\r]*+[ \t\r\n,\ufeff]*+)*+"
_FREQUENT = ("NAME", "LBRACE", "RBRACE", "COLON", "LPAR", "RPAR")


def _scanner(parser: lark.Lark) -> re.Pattern[str]:
    """One regex: skip ignorable text atomically, then the terminals by priority, then errors."""
    ignore = [t for t in parser.terminals if t.name in parser.ignore_tokens]
    real = [t for t in parser.terminals if t.name not in parser.ignore_tokens]
    order = {t.name: i for i, t in enumerate(parser.terminals)}
    real.sort(key=lambda t: (-t.priority, order[t.name]))
    # The most frequent tokens are tried first (a name, then braces, colons, parentheses): re tries the
    # alternatives in turn. None can start where another terminal starts (a name starts with a letter or
    # '_', the others are one character), so the order changes no match; the asserts keep that true.
    first = {name: i for i, name in enumerate(_FREQUENT)}
    real.sort(key=lambda t: first.get(t.name, len(first)))
    for t in real[: len(first)]:
        starts = "a_Z" if t.name == "NAME" else t.pattern.to_regexp().replace("\\", "")
        assert not any(re.match(u.pattern.to_regexp(), c) for u in real if u is not t for c in starts)
    skip = "|".join(t.pattern.to_regexp() for t in ignore)
    skip = _FAST_SKIP if skip == _IGNORED else f"(?>(?:{skip})*)"
    alternatives = [f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in real]
    alternatives.append(r"(?P<END>\Z)")
    alternatives.extend(f"(?P<{name}>{pattern})" for name, pattern in _ERROR_TERMINALS)
    return re.compile(f"{skip}(?:{'|'.join(alternatives)})")


_DASH_AFTER = (" -", "\t-", "\n-", "\r-", "e-", "E-")  # a minus sign that starts a number or an exponent


def _number_texts(inner: str, findall: Callable[[str], list[tuple[str, str]]]) -> list[str]:
    """The numbers of a list literal's inside (numbers, white space and commas only), as written.

    Splitting at white space is exact unless a number follows another without a gap (`1-2` is two
    numbers): then every minus sign is not after a gap or an exponent's e, and the lexer's regex splits.
    """
    if "\ufeff" not in inner:  # str.split does not split at U+FEFF
        flat = inner.replace(",", " ")
        dashes = flat.count("-")
        if not dashes or dashes == flat.startswith("-") + sum(flat.count(p) for p in _DASH_AFTER):
            return flat.split()
    return [a or b for a, b in findall(inner)]


# A JSON list of numbers is a GraphQL list of numbers: JSON's number grammar is GraphQL's IntValue and
# FloatValue, and JSON's white space is GraphQL's. pydantic_core reads such a list and converts its
# numbers in one call (correctly rounded, as float() is: tests/dsl/test_number_lists.py checks).
_NUMBER_FIRST = re.compile(r"\[[ \t\r\n]*-?[0-9]")  # the list's first item is a number
_MINUS_ZERO_INT = re.compile(r"-0(?![.eE0-9])")  # JSON reads the int -0 as 0.0; read_float as -0.0
_LONG = 400  # read_float calls a number of this many characters infinite: such lists take the regex path


def _json_numbers(text: str, start: int) -> LiteralNumbers | None:
    """The list literal at text[start] ('[') when it is a JSON list of finite numbers, converted."""
    if _NUMBER_FIRST.match(text, start) is None:
        return None
    end = text.find("]", start) + 1  # a list of numbers holds no other ']'
    if not end:
        return None
    try:
        found = read_finite_floats_json(text[start:end])
    except ValidationError:  # not JSON (commas left out, a comment, ...), or not all finite numbers
        return None
    # A zero among them (all() tests each item's truth: cheaper than comparing each with 0.0)?
    if not all(found) and _MINUS_ZERO_INT.search(text, start, end):
        return None
    # A number of _LONG characters or more would fill a whole aligned block of _LONG // 2 without a comma
    # (the blocks searched by map, with no Python step per block).
    block = _LONG // 2
    starts, ends = range(start, end - block + 1, block), range(start + block, end + 1, block)
    if -1 in map(text.find, repeat(","), starts, ends) and (
        max(map(len, text[start + 1 : end - 1].split(","))) >= _LONG
    ):
        return None
    return LiteralNumbers(None, text, start, end, found)


def _regex_numbers(
    text: str,
    start: int,
    number_list: Callable[[str, int], re.Match[str] | None],
    findall: Callable[[str], list[tuple[str, str]]],
) -> LiteralNumbers | None:
    """The list literal at text[start] ('[') when it holds numbers only (any GraphQL separators)."""
    numbers = number_list(text, start)
    if numbers is None:
        return None
    end = numbers.end()
    return LiteralNumbers(_number_texts(text[start + 1 : end - 1], findall), text, start, end)


def parse_document(text: str, fast: bool = True) -> Document:
    """Parse query text into a syntax Document; raises ParseFailure (never a lark error).

    With fast, a well-formed text of the common shapes is read by the recursive-descent parser
    (dsl/descent.py), and any other by the driver with the fast path of number lists (drive); without,
    by the driver alone, every list item by item.
    """
    if not fast:
        return _parse(text, None)
    document = descend(text)
    return document if document is not None else drive(text)


def descend(text: str) -> Document | None:
    """The recursive-descent parser's Document, or None where the driver must parse the text."""
    return parse_well_formed(text, tables().scanner, _list_literal, MAX_DEPTH)


def _list_literal(text: str, start: int) -> LiteralNumbers | None:
    """The list literal at text[start] as one node when it holds numbers only (either fast read)."""
    t = tables()
    return _json_numbers(text, start) or _regex_numbers(text, start, t.number_list.match, t.number.findall)


def drive(text: str) -> Document:
    """The driver with the fast path of number lists: a list literal of numbers only becomes one
    LiteralNumbers node in one step (the driver makes the reductions '[' asks for, then takes the goto
    on `value` that the list's own reduction would take). Its Document reads the same as the general
    path's. A text that fails is parsed again without it, so that every syntax error is worded from
    the general path's stacks.
    """
    taken: list[int] = []
    try:
        return _parse(text, taken)
    except ParseFailure:
        if not taken:
            raise
    return _parse(text, None)


def _parse(text: str, taken: list[int] | None) -> Document:
    """The driver; with taken, number lists take the fast path and their offsets are added to it."""
    t = tables()
    list_goto = t.list_goto if taken is not None else {}
    number_list = t.number_list.match
    number_findall = t.number.findall
    actions = t.actions
    end_state = t.end_state
    # The scanner matches at every position (END or BAD_CHAR at worst), so match never gives None.
    match = cast("Callable[[str, int], re.Match[str]]", t.scanner.match)
    states = [t.start_state]
    values: list[Any] = []
    opened: list[int] = []  # offsets of the brackets open now
    pos = 0
    last_end = 0
    popped: int | None = None
    special = _SPECIAL.get
    while True:
        m = match(text, pos)
        kind: str = m.lastgroup  # type: ignore[assignment]  # every alternative is a named group
        start = m.start(kind)
        pos = m.end()
        role = special(kind)
        if role is not None:
            if role == ROLE_OPEN:
                opened.append(start)
                if len(opened) > MAX_DEPTH:
                    raise ParseFailure(
                        "Q007", f"the query nests more than {MAX_DEPTH} brackets deep", start, pos
                    )
            elif role == ROLE_CLOSE:
                popped = opened.pop() if opened else None
            elif role == ROLE_END:
                kind = "$END"
            else:  # ROLE_ERROR
                raise ParseFailure(kind, text[start:pos], start, pos)
        row = actions[states[-1]]
        while True:
            act = row.get(kind)
            if act is None:
                if role == ROLE_CLOSE and popped is not None:
                    opened.append(popped)  # the closer was not accepted: its bracket is still open
                raise ParseFailure(
                    "Q001",
                    "",
                    start,
                    pos,
                    kind=kind,
                    states=states,
                    values=values,
                    opened=opened,
                    last_end=last_end,
                )
            if act.__class__ is int:
                # '[' numbers ']' at once, if it is (one string comparison for every other shift)
                if kind == "LSQB" and states[-1] in list_goto and len(opened) <= MAX_DEPTH:
                    node = _json_numbers(text, start) or _regex_numbers(
                        text, start, number_list, number_findall
                    )
                    if node is not None:  # the list's value and the goto its reduction would take
                        opened.pop()
                        pos = node.end
                        states.append(list_goto[states[-1]])
                        values.append(node)
                        taken.append(start)  # type: ignore[union-attr]  # list_goto is empty without taken
                        break
                states.append(act)
                values.append((text[start:pos], start, pos))
                break
            size, build, origin = act
            if size:
                children = values[-size:]
                del values[-size:]
                del states[-size:]
            else:
                children = []
            try:
                value = build(children)
            except LexError as err:
                raise ParseFailure(err.code, err.message, err.start, err.end, err.hint) from None
            goto = actions[states[-1]][origin]
            if goto == end_state:
                return Document(value, text)
            states.append(goto)
            values.append(value)
            row = actions[goto]
        last_end = pos
