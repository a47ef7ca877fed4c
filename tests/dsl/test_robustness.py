"""No input makes the front end raise anything but QueryError: random text, mutated queries, deep nesting."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rankql.dsl import QueryError, parse, print_query, validate
from rankql.dsl.casefile import read_case_file

from .schemas import SCHEMAS

CASES = Path(__file__).parent / "cases"
CORPUS = [
    c.query for p in sorted(CASES.glob("*.graphql")) for c in read_case_file(p).cases if c.query.strip()
]
TOKENS = [
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "$",
    "$x",
    "=",
    "!",
    "@",
    "...",
    '"',
    '"""',
    "\\",
    "#",
    ",",
    "\n",
    "0",
    "-1",
    "1.5e3",
    "012",
    "1.",
    "true",
    "null",
    "Get",
    "query",
    "nearText",
    "where",
    "operator",
    "And",
    "valueInt",
    "rerank",
    "_additional",
    "limit",
    "concepts",
    '"x"',
    "\\u",
    "\ud800",
    "é",
    "\x00",
]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def survive(text: str, variables=None) -> None:
    """Parse; anything but a Query or a QueryError fails the test. Valid queries must validate and print."""
    try:
        query = parse(text, variables=variables)
    except QueryError as err:
        assert err.diagnostics, "a QueryError without diagnostics"
        str(err)  # rendering must not fail either
        err.to_graphql()
        # the schema checks run over what bound: more diagnostics, never fewer, and never a crash
        with pytest.raises(QueryError) as checked:
            parse(text, variables=variables, schema=SCHEMAS["default"])
        assert {d.code for d in err.diagnostics} <= {d.code for d in checked.value.diagnostics}
        return
    validate(query, SCHEMAS["default"])
    printed = print_query(query)
    assert parse(printed) == query


@SETTINGS
@given(st.text(max_size=300))
def test_random_unicode_text(text: str) -> None:
    survive(text)


@SETTINGS
@given(st.text(alphabet=string.printable + "é\ufeff", max_size=300))
def test_random_printable_text(text: str) -> None:
    survive(text)


@SETTINGS
@given(st.lists(st.sampled_from(TOKENS), max_size=60))
def test_random_token_soup(tokens: list[str]) -> None:
    survive(" ".join(tokens))


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "duplicate", "replace"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
        elif kind == "duplicate":
            end = min(len(text), at + draw(st.integers(1, 40)))
            text = text[:end] + text[at:end] + text[end:]
        else:
            text = text[:at] + draw(st.sampled_from(TOKENS)) + text[at + 1 :]
    return text


@SETTINGS
@given(mutated())
def test_mutated_valid_queries(text: str) -> None:
    survive(text)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
VARIABLE_QUERY = (
    "query ($a: [String], $b: Int, $c: Float, $d: String, $e: SortOrder, $w: WhereInpObj, $h: HybridInpObj, $v: [Float]) "
    "{ Get { A(nearText: {concepts: $a, distance: $c}, limit: $b, where: $w, sort: {path: [$d], order: $e}) { p } "
    "B(hybrid: $h) { p } C(nearVector: {vector: $v}) { p _additional { rerank(property: $d, window: $b) { score } } } } }"
)


@SETTINGS
@given(st.dictionaries(st.sampled_from("abcdewhvz"), JSON, max_size=9))
def test_random_variable_values(variables: dict) -> None:
    survive(VARIABLE_QUERY, variables)


@pytest.mark.parametrize(
    "text",
    [
        "{" * 10_000,
        "[" * 10_000,
        "{ Get { A(x: " + "[" * 10_000 + "]" * 10_000 + ") { p } } }",
        "{ Get { A(where: " + "{operator: And, operands: [" * 5_000 + "]}" * 5_000 + ") { p } } }",
        "{ Get { A " + "{ a " * 10_000 + "}" * 10_001 + " } }",
        "(" * 10_000 + ")" * 10_000,
    ],
    ids=["braces", "brackets", "deep list", "deep where", "deep selection", "parens"],
)
def test_ten_thousand_nested_brackets(text: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(text)
    assert info.value.code in ("Q007", "Q001", "Q002")


def test_deep_nesting_is_refused_with_its_own_code() -> None:
    with pytest.raises(QueryError) as info:
        parse("{ Get { A(x: " + "[" * 200 + "]" * 200 + ") { p } } }")
    assert info.value.code == "Q007"
    assert "nests more than 128" in info.value.message


def test_deep_variable_values_are_refused() -> None:
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(QueryError) as info:
        parse("query ($v: [Float]) { Get { A(nearVector: {vector: $v}) { p } } }", variables={"v": deep})
    assert info.value.code == "Q007"


def test_reasonable_nesting_is_fine() -> None:
    where = '{path: ["p"], operator: Equal, valueInt: 1}'
    for _ in range(30):
        where = "{operator: And, operands: [" + where + "]}"
    assert parse("{ Get { A(where: " + where + ") { p } } }").gets[0].where.operator == "And"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_100_kb_of_random_text(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = string.printable + "{}[]()" * 5
    with pytest.raises(QueryError):
        parse("".join(rng.choice(alphabet) for _ in range(100_000)))


def test_100_kb_of_valid_but_wrong_tokens_fails_fast() -> None:
    with pytest.raises(QueryError):
        parse("{ Get { A(nearVector: {vector: [" + "1, " * 33_000 + '"x"]}) { p } } }')


def test_a_large_valid_query() -> None:
    vector = ", ".join(str(i / 7) for i in range(12_000))
    query = parse("{ Get { A(nearVector: {vector: [" + vector + "]}, limit: 3) { p } } }")
    assert len(query.gets[0].search.vector) == 12_000


def test_unterminated_strings_at_the_end_of_100_kb() -> None:
    for tail in ['"', '"""', "\\", "#"]:
        with pytest.raises(QueryError):
            parse("{ Get { A(x: " + "a" * 100_000 + tail)
