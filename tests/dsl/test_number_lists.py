"""The fast paths of number lists (a variable's list, a literal list) bind exactly as the general path does."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rankql.dsl import QueryError, compile_query
from rankql.dsl import variables as variables_module
from rankql.dsl.binder import bind
from rankql.dsl.lalr import ParseFailure, parse_document
from rankql.dsl.syntax import ExternalNumbers, LiteralNumbers, Value

DECLARED = [
    "[Float]!",
    "[Float]",
    "[Float!]!",
    "[Int]",
    "[String]",
    "[ID]",
    "Float",
    "[[Float]]",
    "[Boolean]",
]
NEAR_VECTOR = "query Q($v: {t}) {{ Get {{ A(nearVector: {{vector: $v}}, limit: 3) {{ x }} }} }}"

# JSON-like items, and some that are not: every kind the binder tells apart.
ITEMS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([10**308, 10**309, -(10**400), 2**63, 0, -0.0, 0.0, 1e308, -1e308, 5e-324]),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
    st.sampled_from(["nan", "NaN", "inf", "-Infinity", "1e999", "0x10"]),
)
LISTS = st.one_of(
    st.lists(
        st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=32), st.integers(-5, 5)), max_size=40
    ),
    st.lists(ITEMS, max_size=30),
    st.lists(st.one_of(ITEMS, st.lists(ITEMS, max_size=3)), max_size=10),
    st.lists(st.floats(), min_size=1, max_size=30).map(tuple),
)


def _outcome(query: Any, diagnostics: list) -> tuple[str, list[tuple]]:
    """What a bind gives, comparable: the query's repr (floats by repr: -0.0 is not 0.0), the diagnostics."""
    found = [(d.code, d.message, d.span, d.hint, d.path) for d in diagnostics]
    return repr(query), found


def _bind_general(doc: Any, variables: dict | None, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as m:
        m.setattr(variables_module, "_NUMBERS", frozenset())  # no ExternalNumbers: the general path
        m.setattr(variables_module, "_vector", lambda data: None)
        return _outcome(*bind(doc, variables))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=LISTS, declared=st.sampled_from(DECLARED))
def test_a_variable_list_binds_as_the_general_path_does(data, declared, monkeypatch) -> None:
    doc = parse_document(NEAR_VECTOR.format(t=declared))
    variables = {"v": data}
    assert _outcome(*bind(doc, variables)) == _bind_general(doc, variables, monkeypatch)


def test_a_vector_variable_takes_the_fast_path() -> None:
    from rankql.dsl.context import BindContext
    from rankql.dsl.variables import define_variables

    doc = parse_document(NEAR_VECTOR.format(t="[Float]!"))
    ctx = BindContext({"v": [0.5, -1, 2.25]})
    define_variables(ctx, doc.operations[0].variables)
    assert isinstance(ctx.resolved["v"], ExternalNumbers)
    query, diagnostics = bind(doc, {"v": [0.5, -1, 2.25]})
    assert not diagnostics and query.gets[0].search.vector == [0.5, -1.0, 2.25]


# Literal lists: number tokens as the lexer reads them, separators, and things that are not numbers.
DIGITS = st.text("0123456789", min_size=1, max_size=6)
NUMBER_TEXT = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**25), 10**25).map(str),
    st.builds(
        lambda s, i, f, e: f"{s}{i}{f}{e}",
        st.sampled_from(["", "-"]),
        st.sampled_from(["0", "7", "12"]),
        st.sampled_from(["", ".5", ".000", ".25"]),
        st.sampled_from(["", "e3", "E-2", "e+400", "e-400"]),
    ),
    st.sampled_from(
        ["1" * 400, "0." + "0" * 398 + "1", "-0", "-0.0", "1e309", "01", "1.", ".5", "1e", "--1"]
    ),
)
OTHER_TEXT = st.sampled_from(['"a"', "true", "null", "abc", "$v", "[1, 2]", "[]", "{a: 1}", "[[3]]"])
SEPARATORS = st.sampled_from([" ", ", ", ",", "\t", "\n", "", " # note ] 5\n", "\ufeff", "  ,  "])


@st.composite
def literal_lists(draw: st.DrawFn) -> str:
    items = draw(st.lists(st.one_of(NUMBER_TEXT, NUMBER_TEXT, NUMBER_TEXT, OTHER_TEXT), max_size=25))
    out = "[" + draw(SEPARATORS)
    for item in items:
        out += item + draw(SEPARATORS)
    return out + draw(st.sampled_from(["]", "]", "]", "", ")", "] ]"]))


POSITIONS = [
    "{{ Get {{ A(nearVector: {{vector: {0}}}, limit: 3) {{ x }} }} }}",
    "query Q($v: [Float] = {0}) {{ Get {{ A(nearVector: {{vector: $v}}) {{ x }} }} }}",
    '{{ Get {{ A(where: {{path: ["n"], operator: ContainsAny, valueInt: {0}}}) {{ x }} }} }}',
    '{{ Get {{ A(where: {{path: ["n"], operator: ContainsAny, valueNumber: {0}}}) {{ x }} }} }}',
    '{{ Get {{ A(hybrid: {{query: "q", vector: {0}}}, limit: {0}) {{ x }} }} }}',
    "{{ Get {{ A(nearText: {{concepts: {0}}}) {{ x }} }} }}",
]


def _parse_and_bind(text: str, fast: bool) -> tuple:
    try:
        doc = parse_document(text, fast=fast)
    except ParseFailure as failure:
        return ("failure", failure.code, failure.message, failure.start, failure.end, failure.hint)
    return _outcome(*bind(doc, {}))


@settings(max_examples=400, deadline=None)
@given(literal=literal_lists(), position=st.sampled_from(POSITIONS))
def test_a_literal_list_parses_and_binds_as_the_general_path_does(literal, position) -> None:
    text = position.format(literal)
    assert _parse_and_bind(text, True) == _parse_and_bind(text, False)


def test_a_literal_vector_is_one_node_read_in_bulk() -> None:
    text = "{ Get { A(nearVector: {vector: [1, -2.5e3,-3 4, 0.125]}) { x } } }"
    doc = parse_document(text)
    node = doc.operations[0].selections[0].selections[0].arguments[0].value.value[0].value
    assert isinstance(node, LiteralNumbers)
    assert node.floats() == [1.0, -2500.0, -3.0, 4.0, 0.125]
    # the items the general path would make: kinds, texts and spans as the lexer gives them
    general = parse_document(text, fast=False).operations[0].selections[0].selections[0]
    items = general.arguments[0].value.value[0].value.value
    assert [(v.kind, v.value, v.start, v.end) for v in node.value] == [
        (v.kind, v.value, v.start, v.end) for v in items
    ]
    assert all(isinstance(v, Value) for v in node.value)


def test_an_infinite_literal_is_worded_at_its_own_span() -> None:
    text = "{ Get { A(nearVector: {vector: [1, 1e999, 2]}) { x } } }"
    with pytest.raises(QueryError) as err:
        compile_query(text, cache=False).bind()
    (diag,) = err.value.diagnostics
    assert diag.code == "Q207" and "1e999" in diag.message
    assert text[diag.span.start : diag.span.end] == "1e999"
    assert math.isinf(float("1e999"))


def test_a_float_subclass_reads_as_its_float() -> None:
    import numpy as np

    doc = parse_document(NEAR_VECTOR.format(t="[Float]!"))
    query, diagnostics = bind(doc, {"v": [np.float64(0.5), np.float64(-2.0)]})  # repr: np.float64(0.5)
    assert not diagnostics and query.gets[0].search.vector == [0.5, -2.0]


# JSON-shaped literal lists (numbers and ", " only) take the lexer's JSON read: as the general path.
JSON_NUMBER_TEXT = st.one_of(
    NUMBER_TEXT,
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda x: repr(float(x))),
    st.builds(
        lambda s, i, d, e: f"{s}{i}.{d}{e}",
        st.sampled_from(["", "-"]),
        st.sampled_from(["0", "3", "123456789012345678901"]),
        st.text("0123456789", min_size=1, max_size=40),
        st.sampled_from(["", "e-320", "E+300", "e-05", "e308", "e-330"]),
    ),
    st.sampled_from(["-0", "0", "-0e0", "-0.0", "1" * 399, "0." + "0" * 397 + "1", "true", "null", '"1"']),
)


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(JSON_NUMBER_TEXT, min_size=1, max_size=40),
    gap=st.sampled_from([", ", ",", " ,\n "]),
    position=st.sampled_from(POSITIONS[:2]),
)
def test_a_json_shaped_literal_binds_as_the_general_path_does(items, gap, position) -> None:
    text = position.format("[" + gap.join(items) + "]")
    assert _parse_and_bind(text, True) == _parse_and_bind(text, False)


def test_a_json_shaped_vector_is_read_in_one_call() -> None:
    numbers = ["0.1257302165031433", "-2", "3e-4", "-0.0", "12345678901234567890123"] * 80
    text = "{ Get { A(nearVector: {vector: [" + ", ".join(numbers) + "]}) { x } } }"
    node = parse_document(text).operations[0].selections[0].selections[0].arguments[0].value.value[0].value
    assert isinstance(node, LiteralNumbers) and node.texts is None  # converted by the JSON read
    assert [repr(x) for x in node.floats()] == [repr(float(t)) for t in numbers]
    # -0 (an int) is -0.0 to read_float, 0.0 to JSON: such a list takes the regex path
    minus_zero = parse_document(text.replace("-2", "-0")).operations[0].selections[0].selections[0]
    assert minus_zero.arguments[0].value.value[0].value.texts is not None


# The JSON read's checks look at the whole list: an unusual number anywhere in a long one is found.
UNUSUAL = st.sampled_from(["1." + "0" * 397, "1." + "0" * 398, "-0." + "0" * 397 + "1", "-0", "0", "-0.0"])


@settings(max_examples=200, deadline=None)
@given(
    before=st.integers(0, 80),
    unusual=UNUSUAL,
    after=st.integers(0, 80),
    gap=st.sampled_from([", ", ",", " , "]),
)
def test_an_unusual_number_anywhere_in_a_long_list_binds_as_the_general_path_does(
    before: int, unusual: str, after: int, gap: str
) -> None:
    items = ["0.1257302165031433"] * before + [unusual] + ["-2.5e-3"] * after
    text = POSITIONS[0].format("[" + gap.join(items) + "]")
    assert _parse_and_bind(text, True) == _parse_and_bind(text, False)
