"""where filters: the spec's cases and messages, and hypothesis-generated filters against a plain oracle."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kw_fakes import FakeCollection
from kw_filter_oracle import Oracle
from rankql.dsl import ast
from rankql.runtime.errors import SearchError
from rankql.runtime.store.filters import evaluate


def leaf(op: str, path: str, value_type: str | None, value) -> ast.Where:
    return ast.Where(operator=op, path=[path], value_type=value_type, value=value)


def ids(where: ast.Where, collection) -> list[int]:
    return evaluate(where, collection).tolist()


@pytest.fixture
def cars() -> FakeCollection:
    c = FakeCollection("Car", {"name": "text", "n": "int", "tags": "text[]"})
    for i, name in enumerate(["car", "cart", "care", "carpet", "healthcare"]):
        c.insert({"name": name, "n": i, "tags": [name, "shared"]})
    return c


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [("car?", [1, 2]), ("car*", [0, 1, 2, 3]), ("*car*", [0, 1, 2, 3, 4]), ("CAR", [0]), ("c?r", [0])],
)
def test_like_spec_case_28(cars, pattern, expected) -> None:
    assert ids(leaf("Like", "name", "valueText", pattern), cars) == expected


def test_text_equal_spec_case_29() -> None:
    c = FakeCollection("Publication", {"name": "text"})
    for name in [
        "The New York Times Company",
        "International New York Times",
        "New York Times",
        "New Jersey",
        "York",
    ]:
        c.insert({"name": name})
    assert ids(leaf("Equal", "name", "valueText", "New York"), c) == [0, 1, 2]
    assert ids(leaf("NotEqual", "name", "valueText", "New York"), c) == [3, 4]
    with pytest.raises(
        SearchError,
        match="invalid search term, only stopwords provided. Stopwords can be "
        "configured in class.invertedIndexConfig.stopwords",
    ):
        evaluate(leaf("Equal", "name", "valueText", "the"), c)
    with pytest.raises(SearchError, match="only stopwords"):
        evaluate(leaf("Equal", "name", "valueText", "?!"), c)


def test_field_tokenization_is_exact_and_keeps_stopwords() -> None:
    c = FakeCollection(
        "P", {"code": "text", "codes": "text[]"}, tokenization={"code": "field", "codes": "field"}
    )
    c.insert({"code": "New York", "codes": ["the", "New York"]})
    c.insert({"code": "new york", "codes": ["York"]})
    c.insert({"code": "  New York  "})
    assert ids(leaf("Equal", "code", "valueText", "New York"), c) == [0, 2]
    assert ids(leaf("Equal", "codes", "valueText", "the"), c) == [0]
    assert ids(leaf("Like", "code", "valueText", "new*"), c) == [1]


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            leaf("Equal", "name", "valueInt", 3),
            'invalid \'where\' filter: data type filter cannot use "valueInt" on type "text", use "valueText" instead',
        ),
        (
            leaf("Equal", "n", "valueText", "3"),
            'data type filter cannot use "valueText" on type "int", use "valueInt" instead',
        ),
        (leaf("Equal", "n", "valueNumber", 3.0), 'cannot use "valueNumber" on type "int"'),
        (
            leaf("ContainsAny", "tags", "valueInt", [1]),
            'cannot use "valueInt" on type "text[]", use "valueText"',
        ),
        (
            leaf("IsNull", "name", "valueText", "x"),
            "invalid 'where' filter: operator IsNull requires a booleanValue, got valueText instead",
        ),
        (
            leaf("Equal", "color", "valueText", "red"),
            "no such prop with name 'color' found in class 'Car' in the schema. Check your schema files",
        ),
        (
            ast.Where(operator="And", path=["n"], operands=[leaf("Equal", "n", "valueInt", 1)]),
            "operator 'And' not compatible with field 'path'",
        ),
        (
            ast.Where(
                operator="Or", value_type="valueInt", value=1, operands=[leaf("Equal", "n", "valueInt", 1)]
            ),
            "operator 'Or' not compatible with field 'valueInt', remove value field",
        ),
        (ast.Where(operator="And"), "operator 'And', but no operands set - add at least one operand"),
        (
            ast.Where(operator="Equal", value_type="valueInt", value=1),
            "field 'path': must have at least one element",
        ),
        (leaf("WithinGeoRange", "n", "valueInt", 1), "WithinGeoRange needs a geoCoordinates property"),
        (leaf("Like", "n", "valueInt", 1), "operator Like requires a text property"),
        (leaf("Equal", "n", "valueInt", [1, 2]), "takes a single value, got a list"),
        (leaf("Equal", "len(name)", "valueText", "3"), 'cannot use "valueText" on len(name)'),
        (leaf("Equal", "len(name)", "valueInt", -1), "non-negative"),
        (leaf("Equal", "_creationTimeUnix", "valueText", "yesterday"), "expected value to be timestamp"),
        (leaf("Equal", "id", "valueInt", 1), 'cannot use "valueInt" on type "id", use "valueText"'),
        (
            ast.Where(operator="Equal", path=["ref", "Other", "name"], value_type="valueText", value="x"),
            "no such prop with name 'ref' found",
        ),
    ],
)
def test_errors_are_clear_never_empty(cars, where, message) -> None:
    with pytest.raises(SearchError) as info:
        evaluate(where, cars)
    assert message in str(info.value)


def test_numbers_dates_booleans_ids_and_lengths() -> None:
    c = FakeCollection(
        "Thing",
        {
            "n": "int",
            "x": "number",
            "ok": "boolean",
            "when": "date",
            "nums": "int[]",
            "u": "uuid",
            "t": "text",
        },
    )
    day = [datetime(2021, 1, d, tzinfo=UTC) for d in (1, 2, 3)]
    c.insert(
        {
            "n": 1,
            "x": 0.5,
            "ok": True,
            "when": day[0],
            "nums": [1, 2],
            "u": "A0000000-0000-0000-0000-000000000001",
            "t": "ab",
        },
        created=1000,
    )
    c.insert({"n": 5, "x": 2.5, "ok": False, "when": day[1], "nums": [], "t": ""}, created=2000, updated=5000)
    c.insert({"n": 9, "ok": True, "when": day[2], "nums": [9], "t": "abcd"}, created=3000)
    c.insert({"n": 7}, created=4000)
    c.delete(3)
    assert ids(leaf("GreaterThan", "n", "valueInt", 1), c) == [1, 2]
    assert ids(leaf("LessThanEqual", "x", "valueNumber", 2.5), c) == [0, 1]
    assert ids(leaf("Equal", "ok", "valueBoolean", True), c) == [0, 2]
    assert ids(leaf("GreaterThanEqual", "when", "valueDate", "2021-01-02T00:00:00Z"), c) == [1, 2]
    assert ids(leaf("LessThan", "when", "valueDate", "2021-01-02T00:00:00+01:00"), c) == [0]
    assert ids(leaf("ContainsAny", "nums", "valueInt", [2, 9]), c) == [0, 2]
    assert ids(leaf("ContainsAll", "nums", "valueInt", [1, 2]), c) == [0]
    assert ids(leaf("ContainsNone", "nums", "valueInt", [1]), c) == [1, 2]
    assert ids(leaf("Equal", "u", "valueText", "a0000000-0000-0000-0000-000000000001"), c) == [0]
    assert ids(leaf("IsNull", "nums", "valueBoolean", True), c) == [1]
    assert ids(leaf("IsNull", "t", "valueBoolean", True), c) == [1]
    assert ids(leaf("IsNull", "x", "valueBoolean", False), c) == [0, 1]
    assert ids(leaf("Equal", "id", "valueText", c.uuids[2].upper()), c) == [2]
    assert ids(leaf("NotEqual", "_id", "valueText", c.uuids[2]), c) == [0, 1]
    assert ids(leaf("Equal", "id", "valueText", c.uuids[3]), c) == []  # deleted
    assert ids(leaf("GreaterThan", "_creationTimeUnix", "valueText", "1500"), c) == [1, 2]
    assert ids(leaf("Equal", "_lastUpdateTimeUnix", "valueText", "5000"), c) == [1]
    assert ids(leaf("LessThan", "_creationTimeUnix", "valueDate", "1970-01-01T00:00:02Z"), c) == [0]
    assert ids(leaf("GreaterThan", "len(t)", "valueInt", 1), c) == [0, 2]
    assert ids(leaf("Equal", "len(nums)", "valueInt", 0), c) == [1]
    assert ids(ast.Where(operator="Not", operands=[leaf("Equal", "ok", "valueBoolean", True)]), c) == [1]


@pytest.mark.parametrize(
    ("path", "op", "value", "shown"),
    [
        ("id", "Equal", "not-a-uuid", "not-a-uuid"),
        ("_id", "NotEqual", "1234", "1234"),
        ("id", "ContainsAny", ["3344c8b5-f913-5f7d-9a33-1840b9ba5a0d", "zz"], "zz"),
        ("id", "GreaterThan", "abc", "abc"),  # the scan path, not the uuid map
        ("u", "Equal", "a0000000-0000", "a0000000-0000"),
        ("us", "ContainsAll", ["nope"], "nope"),
    ],
)
def test_a_malformed_uuid_is_an_error_not_an_empty_result(path, op, value, shown) -> None:
    c = FakeCollection("Thing", {"u": "uuid", "us": "uuid[]"})
    c.insert({"u": "a0000000-0000-0000-0000-000000000001", "us": ["a0000000-0000-0000-0000-000000000002"]})
    with pytest.raises(SearchError) as info:
        evaluate(leaf(op, path, "valueText", value), c)
    assert (
        str(info.value.message)
        == f'invalid \'where\' filter: value "{shown}" on "{path}" is not a valid UUID'
    )
    assert "UUID looks like" in info.value.hint


def test_uuid_values_in_other_spellings_and_like_patterns_still_match() -> None:
    c = FakeCollection("Thing", {"u": "uuid"})
    c.insert({"u": "a0000000-0000-0000-0000-000000000001"})
    assert ids(leaf("Equal", "u", "valueText", "{A0000000000000000000000000000001}"), c) == [0]
    assert ids(leaf("Like", "u", "valueText", "a000*"), c) == [0]
    assert ids(leaf("Like", "id", "valueText", c.uuids[0][:4] + "*"), c) == [0]


def test_results_follow_writes(cars) -> None:
    where = leaf("Equal", "name", "valueText", "cart")
    assert ids(where, cars) == [1]
    cars.update(1, {"name": "bike", "n": 1})
    assert ids(where, cars) == []
    cars.insert({"name": "cart"})
    assert ids(where, cars) == [5]
    cars.delete(5)
    assert ids(where, cars) == []


# --- hypothesis: filters against the per-object oracle -------------------------------------

WORDS = ["red", "green", "blue", "Apple", "pie", "the", "of", "x1"]
CONTENT = [w for w in WORDS if w not in ("the", "of")]
PROPS = {
    "title": "text",
    "code": "text",
    "tags": "text[]",
    "n": "int",
    "x": "number",
    "ok": "boolean",
    "when": "date",
    "nums": "int[]",
}
DATES = [datetime(2020, 1, d, tzinfo=UTC) for d in (1, 2, 3)]

text_value = st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join)
VALUES = {
    "title": text_value,
    "code": st.sampled_from(["Apple pie", "red", "", "blue x1"]),
    "tags": st.lists(text_value, max_size=3),
    "n": st.integers(-3, 3),
    "x": st.sampled_from([-1.5, 0.0, 2.25]),
    "ok": st.booleans(),
    "when": st.sampled_from(DATES),
    "nums": st.lists(st.integers(0, 4), max_size=3),
}


@st.composite
def object_strategy(draw) -> dict:
    """Every property set, except a few left unset (null)."""
    unset = draw(st.sets(st.sampled_from(list(VALUES)), max_size=2))
    return {name: draw(values) for name, values in VALUES.items() if name not in unset}


# a text filter value always holds a non-stopword (stopword-only values are tested above)
query_text = st.tuples(st.sampled_from(CONTENT), text_value).map(lambda p: f"{p[1]} {p[0]}".strip())
like_text = st.sampled_from(["re?", "*e*", "app*", "?1", "pie", "*", "b*e"])
compare = st.sampled_from(
    ["Equal", "NotEqual", "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual"]
)
contains = st.sampled_from(["ContainsAny", "ContainsAll", "ContainsNone"])
date_text = st.sampled_from(DATES).map(lambda d: d.isoformat().replace("+00:00", "Z"))


def leaves() -> st.SearchStrategy[ast.Where]:
    def mk(op, path, vt, value):
        return leaf(op, path, vt, value)

    text_paths = st.sampled_from(["title", "code", "tags"])
    return st.one_of(
        st.builds(mk, compare, text_paths, st.just("valueText"), query_text),
        st.builds(mk, st.just("Like"), text_paths, st.just("valueText"), like_text),
        st.builds(
            mk, contains, text_paths, st.just("valueText"), st.lists(query_text, min_size=1, max_size=3)
        ),
        st.builds(mk, compare, st.sampled_from(["n", "nums"]), st.just("valueInt"), st.integers(-3, 4)),
        st.builds(
            mk,
            contains,
            st.sampled_from(["n", "nums"]),
            st.just("valueInt"),
            st.lists(st.integers(-3, 4), min_size=1, max_size=3),
        ),
        st.builds(mk, compare, st.just("x"), st.just("valueNumber"), st.sampled_from([-1.5, 0.0, 1.0, 2.25])),
        st.builds(
            mk, st.sampled_from(["Equal", "NotEqual"]), st.just("ok"), st.just("valueBoolean"), st.booleans()
        ),
        st.builds(mk, compare, st.just("when"), st.just("valueDate"), date_text),
        st.builds(
            mk, st.just("IsNull"), st.sampled_from(list(PROPS)), st.just("valueBoolean"), st.booleans()
        ),
        st.builds(
            mk, compare, st.sampled_from(["len(title)", "len(tags)"]), st.just("valueInt"), st.integers(0, 12)
        ),
        st.builds(
            mk, compare, st.just("_creationTimeUnix"), st.just("valueText"), st.integers(0, 30).map(str)
        ),
    )


where_strategy = st.recursive(
    leaves(),
    lambda children: st.builds(
        lambda op, operands: ast.Where(operator=op, operands=operands),
        st.sampled_from(["And", "Or", "Not"]),
        st.lists(children, min_size=1, max_size=3),
    ),
    max_leaves=4,
)


@settings(max_examples=300, deadline=None)
@given(
    objects=st.lists(object_strategy(), min_size=8, max_size=30),
    deleted=st.sets(st.integers(0, 24), max_size=5),
    where=where_strategy,
)
def test_filters_match_plain_python_oracle(objects, deleted, where) -> None:
    c = FakeCollection("Thing", PROPS, tokenization={"code": "field"})
    for i, obj in enumerate(objects):
        c.insert(obj, created=i)
    for doc in deleted:
        if doc < len(objects):
            c.delete(doc)
    assert ids(where, c) == sorted(Oracle(c).evaluate(where))
