"""Completion offers what fits where the cursor is: classes, arguments, properties, enum values."""

from __future__ import annotations

import pytest
from rankql.dsl.schema import ClassSchema, PropertySchema, Schema
from rankql.runtime.faces.completion import suggest

SCHEMA = Schema(
    classes=[
        ClassSchema(
            name="JeopardyQuestion",
            vectorizer="text2vec-transformers",
            rerankers=["reranker-similarity"],
            properties=[
                PropertySchema(name="question", data_type="text"),
                PropertySchema(name="answer", data_type="text"),
                PropertySchema(name="value", data_type="int"),
            ],
        ),
        ClassSchema(name="Plain", properties=[PropertySchema(name="title", data_type="text")]),
    ]
)


@pytest.mark.parametrize(
    ("text", "prefix", "expected"),
    [
        ("{ ", "", ["Get", "Aggregate"]),
        ("{ Aggregate { Jeo", "Jeo", ["JeopardyQuestion"]),
        ("{ Aggregate { JeopardyQuestion(obj", "obj", ["objectLimit"]),
        ("{ Aggregate { JeopardyQuestion(objectLimit: 3) { m", "m", ["meta"]),
        ("{ Aggregate { JeopardyQuestion { value { m", "m", ["minimum", "maximum", "mean", "median", "mode"]),
        ("{ Aggregate { JeopardyQuestion { answer { t", "t", ["type", "topOccurrences"]),
        ("{ Aggregate { JeopardyQuestion { answer { topOccurrences(limit: 2) { o", "o", ["occurs"]),
        ('{ Aggregate { JeopardyQuestion(groupBy: ["v', "v", ["value"]),
        ("{ Get { Jeo", "Jeo", ["JeopardyQuestion"]),
        ("{ Get { a: Jeo", "Jeo", ["JeopardyQuestion"]),
        ("{ Get { JeopardyQuestion(li", "li", ["limit"]),
        ("{ Get { JeopardyQuestion(limit: 3) { ans", "ans", ["answer"]),
        ("{ Get { JeopardyQuestion { q", "q", ["question"]),
        ('{ Get { JeopardyQuestion(hybrid: {query: "x", fu', "fu", ["fusionType"]),
        (
            '{ Get { JeopardyQuestion(hybrid: {query: "x", fusionType: ',
            "",
            ["rankedFusion", "relativeScoreFusion"],
        ),
        ('{ Get { JeopardyQuestion(hybrid: {query: "x", fusionType: rank', "rank", ["rankedFusion"]),
        ("{ Get { JeopardyQuestion(where: {operator: And, operands: [{pa", "pa", ["path"]),
        ('{ Get { JeopardyQuestion { _additional { rerank(property: "answer") { sc', "sc", ["score"]),
        ("{ Get { JeopardyQuestion { _additional { rerank(pro", "pro", ["property", "properties"]),
        ("{ Get { JeopardyQuestion { _additional { rerank(property: ", "", ['"question"', '"answer"']),
        ('{ Get { JeopardyQuestion(sort: [{path: ["value"], order: ', "", ["asc", "desc"]),
        ('{ Get { JeopardyQuestion(nearText: {concepts: ["flying"], mo', "mo", ["moveTo", "moveAwayFrom"]),
        ("query Q($q: String!) { Get { JeopardyQuestion(bm25: {query: $q}) { v", "v", ["value"]),
        # property names inside where/sort paths (any property) and bm25/hybrid properties (text only)
        ("{ Get { JeopardyQuestion(where: {path: [", "", ['"question"', '"answer"', '"value"']),
        ('{ Get { JeopardyQuestion(where: {path: ["an', "an", ["answer"]),
        ('{ Get { JeopardyQuestion(sort: [{path: ["v', "v", ["value"]),
        (
            '{ Get { JeopardyQuestion(bm25: {query: "x", properties: ["question", ',
            "",
            ['"question"', '"answer"'],
        ),
        ('{ Get { JeopardyQuestion(hybrid: {query: "x", properties: ["q', "q", ["question"]),
        ('{ Get { JeopardyQuestion { _additional { rerank(property: "a', "a", ["answer"]),
    ],
)
def test_candidates_fit_the_cursor(text: str, prefix: str, expected: list[str]) -> None:
    found = suggest(text, SCHEMA)
    assert found.prefix == prefix
    assert found.candidates == expected


def test_class_arguments_and_operators() -> None:
    args = suggest("{ Get { JeopardyQuestion(", SCHEMA).candidates
    assert {"nearText", "hybrid", "bm25", "where", "limit", "groupBy", "tenant"} <= set(args)
    assert "tenant" in suggest("{ Aggregate { JeopardyQuestion(", SCHEMA).candidates
    # a class without a vectorizer has no nearText, as Weaviate's schema has no such argument
    assert "nearText" not in suggest("{ Get { Plain(", SCHEMA).candidates
    operators = suggest("{ Get { Plain(where: {operator: ", SCHEMA).candidates
    assert {"Equal", "And", "Like", "ContainsAny"} <= set(operators)
    assert "WithinGeoRange" in operators


def test_selection_offers_additional_and_rerank_only_where_usable() -> None:
    jeopardy = suggest("{ Get { JeopardyQuestion { _additional { ", SCHEMA).candidates
    assert {"distance", "score", "id", "rerank"} <= set(jeopardy)
    plain = suggest("{ Get { Plain { _additional { ", SCHEMA).candidates
    assert "rerank" not in plain
    assert suggest("{ Get { Plain { ", SCHEMA).candidates == ["title", "_additional"]


def test_nothing_inside_strings_or_unknown_places() -> None:
    assert suggest('{ Get { JeopardyQuestion(nearText: {concepts: "fly', SCHEMA).candidates == []
    assert suggest("{ Get { Nope { ", SCHEMA).candidates == ["_additional"]
    assert suggest("", SCHEMA).candidates == []


def test_input_fields_come_from_the_binder_tables() -> None:
    values = suggest('{ Get { Plain(where: {path: ["title"], operator: Equal, val', SCHEMA).candidates
    assert values == [
        "valueText",
        "valueString",
        "valueInt",
        "valueNumber",
        "valueBoolean",
        "valueDate",
        "valueGeoRange",
    ]
    near = suggest("{ Get { JeopardyQuestion(nearVector: {", SCHEMA).candidates
    assert near == ["vector", "distance", "certainty", "targetVectors", "targets", "vectorPerTarget"]
    hybrid = suggest('{ Get { JeopardyQuestion(hybrid: {query: "x", ', SCHEMA).candidates
    assert "searches" in hybrid and "maxVectorDistance" in hybrid
    searches = suggest('{ Get { JeopardyQuestion(hybrid: {query: "x", searches: {', SCHEMA).candidates
    assert searches == ["nearText", "nearVector"]


def test_named_vectors_are_offered_as_targets_and_selections() -> None:
    from rankql.dsl.schema import NamedVectorSchema

    named = Schema(
        classes=[
            ClassSchema(
                name="Product",
                properties=[PropertySchema(name="name", data_type="text")],
                named_vectors={
                    "text_vec": NamedVectorSchema(vectorizer="text2vec-transformers"),
                    "image_vec": NamedVectorSchema(),
                },
            )
        ]
    )
    assert "nearText" in suggest("{ Get { Product(", named).candidates
    assert suggest('{ Get { Product(nearVector: {vector: [1], targetVectors: ["', named).candidates == [
        "text_vec",
        "image_vec",
    ]
    combination = suggest("{ Get { Product(nearVector: {vector: [1], targets: {combinationMethod: ", named)
    assert combination.candidates == ["minimum", "average", "sum", "manualWeights", "relativeScore"]
    assert "vectors" in suggest("{ Get { Product { _additional { ", named).candidates
    assert suggest("{ Get { Product { _additional { vectors { ", named).candidates == [
        "text_vec",
        "image_vec",
    ]


REFERENCES = Schema(
    classes=[
        ClassSchema(name="Country", properties=[PropertySchema(name="name", data_type="text")]),
        ClassSchema(
            name="City",
            properties=[
                PropertySchema(name="name", data_type="text"),
                PropertySchema(name="inCountry", data_type="cref", targets=["Country"]),
            ],
        ),
        ClassSchema(
            name="Person",
            properties=[PropertySchema(name="livesIn", data_type="cref", targets=["City", "Country"])],
        ),
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{ Get { Person { livesIn { ", ["... on City", "... on Country"]),
        ("{ Get { Person { livesIn { ... on Co", ["Country"]),
        ("{ Get { Person { livesIn { ... on City { ", ["name", "inCountry", "_additional"]),
        ("{ Get { Person { livesIn { ... on City { inCountry { ", ["... on Country"]),
        ("{ Get { Person { livesIn { ... on City { inCountry { ... on Country { n", ["name"]),
        (
            "{ Get { Person { livesIn { ... on City { _additional { ",
            ["id", "vector", "creationTimeUnix", "lastUpdateTimeUnix"],
        ),
    ],
)
def test_completion_through_cross_references(text: str, expected: list[str]) -> None:
    assert suggest(text, REFERENCES).candidates == expected


PLACES = Schema(
    classes=[
        ClassSchema(
            name="Place",
            properties=[
                PropertySchema(name="location", data_type="geoCoordinates"),
                PropertySchema(name="phone", data_type="phoneNumber"),
                PropertySchema(
                    name="address",
                    data_type="object",
                    nested=[
                        PropertySchema(name="city", data_type="text"),
                        PropertySchema(
                            name="street",
                            data_type="object",
                            nested=[PropertySchema(name="name", data_type="text")],
                        ),
                    ],
                ),
            ],
        )
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{ Get { Place { location { ", ["latitude", "longitude"]),
        ("{ Get { Place(limit: 2) { at: location { l", ["latitude", "longitude"]),
        ("{ Get { Place { phone { intern", ["internationalFormatted"]),
        ("{ Get { Place { address { ", ["city", "street"]),
        ("{ Get { Place { address { street { ", ["name"]),
        ('{ Get { Place(where: {path: ["location"], operator: Within', ["WithinGeoRange"]),
        ("{ Get { Place(where: {operator: WithinGeoRange, valueGeoRange: {", ["geoCoordinates", "distance"]),
        ("{ Get { Place(where: {valueGeoRange: {geoCoordinates: {lat", ["latitude"]),
        ("{ Get { Place(where: {valueGeoRange: {distance: {", ["max"]),
    ],
)
def test_fields_of_object_valued_properties_and_geo_ranges(text: str, expected: list[str]) -> None:
    found = suggest(text, PLACES)
    assert [c for c in found.candidates if c.startswith(found.prefix)] == expected


def test_the_schema_listing_names_each_named_vector() -> None:
    from rankql.runtime import Database
    from rankql.runtime.faces.commands import schema_text

    db = Database()
    db.create_collection(
        {
            "class": "Product",
            "properties": [{"name": "name", "dataType": ["text"]}],
            "vectorConfig": {"a": {}, "b": {"vectorIndexConfig": {"distance": "dot"}}},
        }
    )
    assert (
        schema_text(db).splitlines()[0] == "Product  (0 objects; vector a: none, cosine; vector b: none, dot)"
    )
