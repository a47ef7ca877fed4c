"""Hand-made schema descriptions the validation cases run against (no engine needed)."""

from __future__ import annotations

from rankql.dsl.schema import ClassSchema, NamedVectorSchema, PropertySchema, Schema


def _props(*specs: tuple) -> list[PropertySchema]:
    out = []
    for spec in specs:
        name, data_type, *rest = spec
        extra = rest[0] if rest else {}
        out.append(PropertySchema(name=name, data_type=data_type, **extra))
    return out


JEOPARDY = ClassSchema(
    name="JeopardyQuestion",
    properties=_props(
        ("question", "text", {"tokenization": "word"}),
        ("answer", "text", {"tokenization": "word"}),
        ("category", "text", {"tokenization": "field"}),
        ("round", "text", {"tokenization": "word"}),
        ("points", "int"),
        ("value", "number"),
        ("airDate", "date"),
        ("hasImage", "boolean"),
        ("tags", "text[]", {"tokenization": "word"}),
        ("source", "uuid"),
        ("notes", "text", {"tokenization": "word", "index_searchable": False, "index_filterable": False}),
    ),
    vectorizer="text2vec-transformers",
    distance="cosine",
    rerankers=["reranker-transformers"],
    index_null_state=True,
    index_property_length=True,
    index_timestamps=True,
)

ARTICLE = ClassSchema(
    name="Article",
    properties=_props(("title", "text"), ("body", "text"), ("wordCount", "int"), ("published", "date")),
    vectorizer="none",
    distance="dot",
    rerankers=[],
)

CITY = ClassSchema(
    name="City",
    properties=_props(("name", "text"), ("population", "int"), ("inCountry", "text")),
    vectorizer="text2vec-transformers",
    rerankers=["reranker-transformers", "reranker-cohere"],
)

NUMBERS = ClassSchema(name="Numbers", properties=_props(("n", "int"), ("x", "number")), vectorizer="none")

PRODUCT = ClassSchema(
    name="Product",
    properties=_props(("name", "text"), ("description", "text")),
    named_vectors={
        "text_vec": NamedVectorSchema(vectorizer="text2vec-transformers"),
        "image_vec": NamedVectorSchema(distance="l2-squared"),
    },
)
COUNTRY = ClassSchema(name="Country", properties=_props(("name", "text")))
TOWN = ClassSchema(
    name="Town",
    properties=_props(
        ("name", "text"), ("population", "int"), ("inCountry", "cref", {"targets": ["Country"]})
    ),
)
PERSON = ClassSchema(
    name="Person",
    properties=_props(
        ("name", "text"),
        ("livesIn", "cref", {"targets": ["Town", "Country"]}),
        ("friends", "cref", {"targets": ["Person"]}),
    ),
)

PLACE = ClassSchema(
    name="Place",
    properties=[
        *_props(
            ("name", "text"), ("location", "geoCoordinates"), ("phone", "phoneNumber"), ("photo", "blob")
        ),
        PropertySchema(
            name="address",
            data_type="object",
            nested=_props(
                ("city", "text"),
                ("zip", "int"),
                ("street", "object", {"nested": _props(("name", "text"), ("number", "int"))}),
            ),
        ),
        PropertySchema(name="visits", data_type="object[]", nested=_props(("when", "date"), ("by", "text"))),
    ],
    vectorizer="none",
    index_null_state=True,
)

SCHEMAS = {
    "default": Schema(classes=[JEOPARDY, ARTICLE, CITY, NUMBERS]),
    "named": Schema(classes=[PRODUCT]),
    "references": Schema(classes=[COUNTRY, TOWN, PERSON]),
    "types": Schema(classes=[PLACE]),
}
