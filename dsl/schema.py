"""Plain schema description the validator checks queries against (the engine builds one)."""

from __future__ import annotations

import builtins

from pydantic import BaseModel, Field

DATA_TYPES = (
    "text",
    "text[]",
    "int",
    "int[]",
    "number",
    "number[]",
    "boolean",
    "boolean[]",
    "date",
    "date[]",
    "uuid",
    "uuid[]",
    "geoCoordinates",
    "phoneNumber",
    "blob",
    "object",
    "object[]",
)
# Types whose values are objects: a selection must name their fields (`location { latitude }`).
OBJECT_TYPES = ("geoCoordinates", "phoneNumber", "object", "object[]")
GEO_FIELDS = ("latitude", "longitude")
PHONE_FIELDS = (
    "input",
    "internationalFormatted",
    "countryCode",
    "national",
    "nationalFormatted",
    "valid",
    "defaultCountry",
)
# The where value field each data type takes (arrays use their element type).
VALUE_FIELD_FOR_TYPE = {
    "text": "valueText",
    "uuid": "valueText",
    "int": "valueInt",
    "number": "valueNumber",
    "boolean": "valueBoolean",
    "date": "valueDate",
    "geoCoordinates": "valueGeoRange",
}
DISTANCES = ("cosine", "dot", "l2-squared", "manhattan", "hamming")


def base_type(data_type: str) -> str:
    """'text[]' -> 'text'."""
    return data_type[:-2] if data_type.endswith("[]") else data_type


REFERENCE_TYPE = "cref"  # the data_type of a cross-reference property (Weaviate's DataTypeCRef)


class PropertySchema(BaseModel):
    name: str
    data_type: str  # one of DATA_TYPES, or REFERENCE_TYPE with the target classes in `targets`
    tokenization: str | None = None  # text and text[] only: word, lowercase, whitespace, field, trigram
    index_searchable: bool = True
    index_filterable: bool = True
    nested: list[PropertySchema] = Field(default_factory=list)  # object / object[]: nestedProperties
    targets: list[str] = Field(default_factory=list)  # the classes a cross-reference may point at

    @property
    def is_reference(self) -> bool:
        return self.data_type == REFERENCE_TYPE

    @property
    def is_text(self) -> bool:
        return base_type(self.data_type) == "text"

    @property
    def is_array(self) -> bool:
        return self.data_type.endswith("[]")

    def field_names(self) -> tuple[str, ...]:
        """The fields a selection of this property may name (none for a scalar property)."""
        if self.data_type == "geoCoordinates":
            return GEO_FIELDS
        if self.data_type == "phoneNumber":
            return PHONE_FIELDS
        return tuple(p.name for p in self.nested)

    def nested_property(self, name: str) -> PropertySchema | None:
        return next((p for p in self.nested if p.name == name), None)


class NamedVectorSchema(BaseModel):
    """One named vector of a class (vectorConfig): its vectorizer and distance."""

    vectorizer: str = "none"
    distance: str = "cosine"


class ClassSchema(BaseModel):
    name: str
    properties: list[PropertySchema] = Field(default_factory=list)
    vectorizer: str = "none"  # "none" or a text2vec module: nearText needs one
    distance: str = "cosine"
    rerankers: list[str] = Field(default_factory=list)  # reranker modules usable by rerank(...)
    index_null_state: bool = False
    index_property_length: bool = False
    index_timestamps: bool = False
    # Named vectors (vectorConfig), in declaration order; empty for a class with the class-level vector.
    named_vectors: dict[str, NamedVectorSchema] = Field(default_factory=dict)
    # The name a Weaviate client gave the class-level vector (a class declared with one named vector and
    # mapped onto it, as the server did before named vectors): it may be named as a target.
    vector_alias: str | None = None

    def property(self, name: str) -> PropertySchema | None:
        for prop in self.properties:
            if prop.name == name:
                return prop
        return None

    @builtins.property  # plain `property` is the method above inside this class body
    def property_names(self) -> list[str]:
        return [p.name for p in self.properties]

    @builtins.property  # plain `property` is the method above inside this class body
    def has_text_vectorizer(self) -> bool:
        return self.vectorizer != "none"

    @builtins.property  # plain `property` is the method above inside this class body
    def vector_names(self) -> list[str]:
        """The names a search may target: the named vectors, or the alias of the class vector."""
        if self.named_vectors:
            return list(self.named_vectors)
        return [self.vector_alias] if self.vector_alias else []

    def vector_schema(self, target: str | None) -> NamedVectorSchema:
        """The vectorizer and distance a target searches (None or the alias: the class-level vector)."""
        if target is not None and target in self.named_vectors:
            return self.named_vectors[target]
        return NamedVectorSchema(vectorizer=self.vectorizer, distance=self.distance)


class Schema(BaseModel):
    classes: list[ClassSchema] = Field(default_factory=list)

    def get(self, name: str) -> ClassSchema | None:
        for cls in self.classes:
            if cls.name == name:
                return cls
        return None

    @property
    def class_names(self) -> list[str]:
        return [c.name for c in self.classes]
