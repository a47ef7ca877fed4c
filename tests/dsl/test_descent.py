"""The recursive-descent parser builds the LALR driver's syntax tree, or gives the text to the driver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rankql.dsl import lalr
from rankql.dsl.casefile import read_case_file
from rankql.dsl.syntax import SyntaxNode

CASES = Path(__file__).parent / "cases"
CORPUS = [c.query for p in sorted(CASES.glob("*.graphql")) for c in read_case_file(p).cases]


def tree(node: Any) -> Any:
    """A syntax tree as plain data: every slot of every node (floats by repr: -0.0 is not 0.0)."""
    if isinstance(node, list | tuple):
        return [tree(n) for n in node]
    if isinstance(node, float):
        return repr(node)
    if not isinstance(node, SyntaxNode):
        return node
    slots = [s for cls in type(node).__mro__ for s in getattr(cls, "__slots__", ())]
    return type(node).__name__, {s: tree(getattr(node, s)) for s in slots if hasattr(node, s)}


def descend(text: str) -> Any:
    return lalr.descend(text)


def drive(text: str) -> Any:
    """The driver's tree (with its number-list fast path), or the failure it raises."""
    try:
        return lalr.drive(text)
    except lalr.ParseFailure as failure:
        return failure


def agree(text: str) -> bool:
    """Whether the descent parser read text; where it did, the driver gives the same tree."""
    ours = descend(text)
    if ours is None:
        return False
    theirs = drive(text)
    assert not isinstance(theirs, lalr.ParseFailure), (text, theirs.code)
    assert tree(ours) == tree(theirs)
    return True


@pytest.mark.parametrize("text", CORPUS)
def test_the_corpus_parses_as_the_driver_parses_it(text: str) -> None:
    agree(text)


def test_the_descent_reads_the_common_shapes() -> None:
    # without these the tests above could pass with a parser that always gives up
    texts = [
        "{ Get { Doc(nearVector: {vector: [0.5, -1, 2e3]}, limit: 10) { _additional { id distance } } } }",
        'query Q($v: [Float!]! = [1, 2], $s: String = "a\\u00e9\\n", $o: In = {a: [{b: null}]}) '
        '{ Get { a: A(where: {path: ["x"], operator: Equal, valueBoolean: true}) { x y { z } } } }',
        '{ Get { A(nearText: {concepts: ["x", """block\n  text"""], moveTo: {force: 0.5}}) { x } } }',
        "query { a } { b } mutation M { c }",
        "{ a(x: []) { b(y: [[1], [-0, 1e999], $v, ENUM]) } }",
        "\ufeff{ a # comment ] [\n, b,c }",
    ]
    for text in texts:
        assert agree(text), text
    read = sum(agree(text) for text in CORPUS)
    assert read > len(CORPUS) // 2, read


@pytest.mark.parametrize(
    "text",
    [
        "{ a @skip(if: true) }",
        "query Q @dir { a }",
        "query Q($v: Int @dir) { a }",
        "{ ...F } fragment F on T { a }",
        "{ ... on T { a } }",
        '{ a(x: "\\q") }',
        "{ a(x: 01) }",
        "{ a(x: [1 2) }",
        "{ a } }",
        "",
        "{ " * 200 + "a" + " }" * 200,
        "{ a(x: " + "[" * 200 + "]" * 200 + ") }",
    ],
)
def test_what_it_does_not_read_goes_to_the_driver(text: str) -> None:
    assert descend(text) is None
    # the front door gives what the driver gives: the same tree, or the same failure
    try:
        expected: Any = tree(lalr.drive(text))
    except lalr.ParseFailure as failure:
        expected = (failure.code, failure.message, failure.start, failure.end)
    try:
        got: Any = tree(lalr.parse_document(text))
    except lalr.ParseFailure as failure:
        got = (failure.code, failure.message, failure.start, failure.end)
    assert got == expected


# Well-formed documents; with odd, now and then a piece the descent parser leaves to the driver.
NAMES = st.sampled_from(["a", "Get", "true", "null", "false", "_x1", "query", "on", "fragment", "E"])
GAPS = st.sampled_from([" ", "", ",", "\n", " , ", "\t", "# c ] {\n", "\ufeff"])
SCALARS = st.one_of(
    NAMES,
    st.sampled_from(["0", "-0", "12", "-3.5", "1e3", "2.5E-7", "1e999", "$v", "$true"]),
    st.sampled_from(['""', '"a b"', '"\\n\\u00e9\\uD83D\\uDE00"', '"""a\n   b"""', '"""x\\"""y"""']),
)
ODD_VALUES = st.sampled_from(['"\\x"', "01", "[1", "{a}", "$", "1.", '"\\uD800"'])
ODD_FIELDS = st.sampled_from(["...F", "... on T { a }", "... { a }", "a @d", "a @d(x: 1)", "a()", "a {}"])
TYPES = st.sampled_from(["Int", "Int!", "[Float]", "[Float!]!", "[[S]]!"])
ODD_TYPES = st.sampled_from(["T!!", "[T", "!", "Int @d", "[]"])
ODD_HEADS = st.sampled_from(["a b c ", "query Q @d ", "query Q () ", "fragment F on T "])


def _join(draw: st.DrawFn, items: list[str], open_: str, close: str) -> str:
    return open_ + draw(GAPS) + "".join(item + draw(GAPS) for item in items) + close


def _odd(draw: st.DrawFn, odd: bool, usual: st.SearchStrategy[str], unusual: st.SearchStrategy[str]) -> str:
    return draw(unusual) if odd and draw(st.integers(0, 4)) == 0 else draw(usual)


@st.composite
def values(draw: st.DrawFn, odd: bool, depth: int = 0) -> str:
    kind = draw(st.integers(0, 4 if depth < 3 else 0))
    if kind == 0:
        return _odd(draw, odd, SCALARS, ODD_VALUES)
    if kind in (1, 2):
        return _join(draw, draw(st.lists(values(odd, depth + 1), max_size=4)), "[", "]")
    if kind == 3:
        numbers = draw(st.lists(st.sampled_from(["0.5", "-1", "-0", "3e-2", "7", "-0.0"]), max_size=6))
        return "[" + draw(st.sampled_from([", ", " ", ","])).join(numbers) + "]"
    fields = draw(st.lists(st.tuples(NAMES, values(odd, depth + 1)), max_size=3))
    return _join(draw, [f"{k}:{draw(GAPS)}{v}" for k, v in fields], "{", "}")


@st.composite
def selections(draw: st.DrawFn, odd: bool, depth: int = 0) -> str:
    fields = []
    for _ in range(draw(st.integers(1, 3))):
        field = _odd(draw, odd, NAMES, ODD_FIELDS)
        if draw(st.booleans()):
            field = draw(NAMES) + draw(GAPS) + ":" + draw(GAPS) + field
        if draw(st.booleans()):
            args = draw(st.lists(st.tuples(NAMES, values(odd)), min_size=1, max_size=3))
            field += _join(draw, [f"{k}: {v}" for k, v in args], "(", ")")
        if depth < 3 and draw(st.booleans()):
            field += draw(GAPS) + draw(selections(odd, depth + 1))
        fields.append(field)
    return _join(draw, fields, "{", "}")


@st.composite
def documents(draw: st.DrawFn) -> str:
    odd = draw(st.integers(0, 3)) == 0
    operations = []
    for _ in range(draw(st.integers(1, 2))):
        head = _odd(draw, odd, st.sampled_from(["", "query ", "query Q ", "mutation M "]), ODD_HEADS)
        definitions = []
        for _ in range(draw(st.integers(0, 2))):
            default = draw(st.one_of(st.just(""), values(odd).map(lambda v: " = " + v)))
            definitions.append(f"${draw(NAMES)}: {_odd(draw, odd, TYPES, ODD_TYPES)}{default}")
        if definitions and head:
            head += _join(draw, definitions, "(", ") ")
        operations.append(head + draw(selections(odd)))
    return draw(GAPS).join(operations)


@settings(max_examples=500, deadline=None)
@given(documents())
def test_generated_documents_parse_as_the_driver_parses_them(text: str) -> None:
    agree(text)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(CORPUS),
    st.integers(min_value=0, max_value=400),
    st.integers(0, 4),
    st.sampled_from(["", "{", "}", "(", ")", "[", "]", ":", "$", "!", "=", "@", "...", '"', "1", "a"]),
)
def test_mutated_queries_parse_as_the_driver_parses_them(text: str, at: int, cut: int, insert: str) -> None:
    at = at % (len(text) + 1)
    agree(text[:at] + insert + text[at + cut :])
