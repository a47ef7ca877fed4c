"""Typed AST of a Get query: what the binder produces and the planner consumes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from .source import Span

FusionType = Literal["rankedFusion", "relativeScoreFusion"]
SortOrder = Literal["asc", "desc"]
OnError = Literal["FAIL", "KEEP_ORDER"]

# Where operators, exactly as spelled in the GraphQL enum.
LOGICAL_OPERATORS = ("And", "Or", "Not")
COMPARE_OPERATORS = (
    "Equal",
    "NotEqual",
    "GreaterThan",
    "GreaterThanEqual",
    "LessThan",
    "LessThanEqual",
    "Like",
    "IsNull",
    "ContainsAny",
    "ContainsAll",
    "ContainsNone",
    "WithinGeoRange",
)
# The value fields of a where leaf after aliasing (valueString is bound as valueText).
VALUE_FIELDS = ("valueText", "valueInt", "valueNumber", "valueBoolean", "valueDate", "valueGeoRange")

# _additional scalar fields the engine computes.
ADDITIONAL_SCALARS = (
    "id",
    "vector",
    "distance",
    "certainty",
    "score",
    "explainScore",
    "creationTimeUnix",
    "lastUpdateTimeUnix",
    "isConsistent",  # always true: one node holds every object
)
# Sub-fields of _additional.rerank: Weaviate has score; the rest are rankql's extensions.
RERANK_FIELDS = ("score", "rank", "model", "cached", "status")


class Node(BaseModel):
    """Base of every AST node: carries a source span that equality and dumps ignore."""

    model_config = ConfigDict(extra="forbid")

    span: Span | None = Field(default=None, exclude=True, repr=False)

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        mine = {k: v for k, v in self.__dict__.items() if k != "span"}
        theirs = {k: v for k, v in other.__dict__.items() if k != "span"}
        return mine == theirs

    __hash__ = None  # type: ignore[assignment]  # mutable models are not hashable


# --- searches -----------------------------------------------------------------------------


class MoveObject(Node):
    id: str | None = None
    beacon: str | None = None


class Move(Node):
    """nearText.moveTo / moveAwayFrom."""

    concepts: list[str] = Field(default_factory=list)
    objects: list[MoveObject] = Field(default_factory=list)
    force: float


# Weaviate's targetCombinationEnum (adapters/handlers/graphql/local/common_filters/targets.go).
TargetCombination = Literal["minimum", "average", "sum", "manualWeights", "relativeScore"]
TARGET_COMBINATIONS = ("minimum", "average", "sum", "manualWeights", "relativeScore")
WEIGHTED_COMBINATIONS = ("manualWeights", "relativeScore")


class Targets(Node):
    """The named vectors a search runs on (`targetVectors`, or `targets: {targetVectors,
    combinationMethod, weights}`) and how their distances combine; minimum is Weaviate's default."""

    vectors: list[str]
    combination: TargetCombination = "minimum"
    weights: list[float] | None = None  # one per entry of vectors: manualWeights and relativeScore only


class NearText(Node):
    kind: Literal["nearText"] = "nearText"
    concepts: list[str]
    distance: float | None = None
    certainty: float | None = None
    move_to: Move | None = None
    move_away_from: Move | None = None
    targets: Targets | None = None


class NearVector(Node):
    kind: Literal["nearVector"] = "nearVector"
    vector: list[float] = Field(default_factory=list)  # empty when vector_per_target gives the vectors
    distance: float | None = None
    certainty: float | None = None
    targets: Targets | None = None
    vector_per_target: dict[str, list[float]] | None = None

    def vector_for(self, target: str | None) -> list[float]:
        """The query vector of one target: its own from vectorPerTarget, else the one vector."""
        if self.vector_per_target and target in self.vector_per_target:
            return self.vector_per_target[target]
        return self.vector


class NearObject(Node):
    kind: Literal["nearObject"] = "nearObject"
    id: str | None = None
    beacon: str | None = None
    distance: float | None = None
    certainty: float | None = None
    targets: Targets | None = None


class PropertyRef(Node):
    """A searched property, with the boost of 'title^2' (1.0 when absent)."""

    name: str
    boost: float = 1.0


class SearchOperator(Node):
    """bm25's searchOperator: And (every query token within one property), AndCross (every token, each in
    any searched property) or Or with a minimum number of tokens matched."""

    operator: Literal["And", "Or", "AndCross"]
    minimum_or_tokens_match: int | None = None  # read with Or only, as in Weaviate


class Bm25(Node):
    kind: Literal["bm25"] = "bm25"
    query: str
    properties: list[PropertyRef] | None = None  # None: every searchable property
    search_operator: SearchOperator | None = None


class Hybrid(Node):
    kind: Literal["hybrid"] = "hybrid"
    query: str
    alpha: float = 0.75
    vector: list[float] | None = None
    properties: list[PropertyRef] | None = None
    fusion_type: FusionType = "relativeScoreFusion"
    max_vector_distance: float | None = None
    bm25_search_operator: SearchOperator | None = None
    targets: Targets | None = None
    searches: NearText | NearVector | None = None  # the vector leg as a sub-search


# The one search argument of a class field, told apart by `kind` (its GraphQL argument name).
Search = Annotated[NearText | NearVector | NearObject | Bm25 | Hybrid, Field(discriminator="kind")]
NearSearch = NearText | NearVector | NearObject  # the searches with distance / certainty
SEARCH_KINDS = ("nearText", "nearVector", "nearObject", "bm25", "hybrid")


# --- filters, sort, grouping --------------------------------------------------------------


class GeoRange(Node):
    """valueGeoRange of WithinGeoRange: a centre in decimal degrees and a maximum distance in metres."""

    latitude: float
    longitude: float
    max_distance: float


class Where(Node):
    """A where node: a logical operator with operands, or a leaf with path and one value."""

    operator: str
    path: list[str] | None = None
    value_type: str | None = None  # one of VALUE_FIELDS, or None for logical operators
    value: Any = None  # scalar or list, already typed (int, float, bool, str; dates as str), or a GeoRange
    operands: list[Where] = Field(default_factory=list)


class SortKey(Node):
    path: list[str]
    order: SortOrder = "asc"


class GroupBy(Node):
    path: list[str]
    groups: int
    objects_per_group: int


# --- selection ----------------------------------------------------------------------------


class Rerank(Node):
    """_additional.rerank(...): Weaviate's property and query, plus rankql's extensions."""

    property: str | None = None
    properties: list[str] | None = None
    query: str | None = None
    module: str | None = None
    window: int | None = None
    min_score: float | None = None
    autocut: int | None = None
    blend: float | None = None
    on_error: OnError = "FAIL"

    def documents_from(self) -> list[str]:
        """The properties whose text is scored, in order."""
        if self.properties:
            return list(self.properties)
        return [self.property] if self.property else []


class PropertyField(Node):
    name: str
    alias: str | None = None
    # the sub-selection of a geoCoordinates, phoneNumber or object property: `location { latitude }`
    fields: list[PropertyField] | None = None

    @property
    def key(self) -> str:
        return self.alias or self.name


class AdditionalScalar(Node):
    name: str  # one of ADDITIONAL_SCALARS
    alias: str | None = None

    @property
    def key(self) -> str:
        return self.alias or self.name


class RerankField(Node):
    args: Rerank
    fields: list[str]  # sub-fields in selection order, each in RERANK_FIELDS
    alias: str | None = None

    @property
    def key(self) -> str:
        return self.alias or "rerank"


class GroupHitsSelection(Node):
    properties: list[PropertyField] = Field(default_factory=list)
    additional: list[str] = Field(default_factory=list)  # id, distance, vector


class GroupField(Node):
    """_additional.group { id groupedBy { path value } count minDistance maxDistance hits {...} }."""

    fields: list[str]  # the scalar sub-fields in selection order (hits and groupedBy included by name)
    grouped_by_fields: list[str] = Field(default_factory=list)  # path, value
    hits: GroupHitsSelection | None = None
    alias: str | None = None

    @property
    def key(self) -> str:
        return self.alias or "group"


class VectorsField(Node):
    """_additional.vectors { name ... }: the object's named vectors, one key per selected name."""

    names: list[str]
    alias: str | None = None

    @property
    def key(self) -> str:
        return self.alias or "vectors"


AdditionalItem = AdditionalScalar | RerankField | GroupField | VectorsField


class AdditionalSelection(Node):
    items: list[AdditionalItem]
    alias: str | None = None

    @property
    def key(self) -> str:
        return self.alias or "_additional"


class ReferenceFragment(Node):
    """`... on City { name _additional { id } }` inside a cross-reference property's selection."""

    class_name: str
    selection: list[SelectionItem] = Field(default_factory=list)


class ReferenceField(Node):
    """A cross-reference property with its fragments, one per target class selected."""

    name: str
    fragments: list[ReferenceFragment]
    alias: str | None = None
    # Plain fields written in its selection (`inCity { name }`): validation says what the property
    # takes once it knows its data type, so they are kept aside, out of equality and dumps.
    _plain_fields: list[PropertyField] = PrivateAttr(default_factory=list)

    @property
    def plain_fields(self) -> list[PropertyField]:
        return self._plain_fields

    @property
    def key(self) -> str:
        return self.alias or self.name


SelectionItem = PropertyField | AdditionalSelection | ReferenceField
# The _additional fields a resolved reference carries (Weaviate's refcache resolver fills these).
REFERENCE_ADDITIONAL = ("id", "vector", "creationTimeUnix", "lastUpdateTimeUnix")


# --- the query ----------------------------------------------------------------------------


class GetQuery(Node):
    """One class field of Get: its arguments and its selection. The alias is the response key."""

    class_name: str
    alias: str | None = None
    search: Search | None = None  # None: a plain listing (or a cursor page with after)
    where: Where | None = None
    limit: int | None = None
    offset: int | None = None
    autocut: int | None = None
    after: str | None = None
    sort: list[SortKey] | None = None
    group_by: GroupBy | None = None
    tenant: str | None = None  # a multi-tenant class: the tenant whose shard answers ("" or None: none)
    selection: list[SelectionItem] = Field(default_factory=list)
    # Arguments the binder reported a problem in (a best-effort AST keeps going without them): the
    # checks that would read a default in their place skip, so no diagnostic follows from another.
    _failed_arguments: frozenset[str] = PrivateAttr(default=frozenset())

    @property
    def failed_arguments(self) -> frozenset[str]:
        return self._failed_arguments

    @property
    def key(self) -> str:
        return self.alias or self.class_name

    @property
    def additional(self) -> AdditionalSelection | None:
        for item in self.selection:
            if isinstance(item, AdditionalSelection):
                return item
        return None

    @property
    def rerank(self) -> RerankField | None:
        extra = self.additional
        if extra is None:
            return None
        for item in extra.items:
            if isinstance(item, RerankField):
                return item
        return None

    def additional_names(self) -> list[str]:
        """Names of the _additional scalars selected, in order."""
        extra = self.additional
        if extra is None:
            return []
        return [i.name for i in extra.items if isinstance(i, AdditionalScalar)]

    def property_names(self) -> list[str]:
        return [i.name for i in self.selection if isinstance(i, PropertyField)]

    @model_serializer(mode="wrap")
    def _search_with_kind(self, handler: SerializerFunctionWrapHandler) -> Any:
        """`kind` is a default, so dumps without defaults would drop it: keep it, first."""
        dumped = handler(self)
        search = dumped.get("search") if isinstance(dumped, dict) else None
        if self.search is not None and isinstance(search, dict) and "kind" not in search:
            dumped["search"] = {"kind": self.search.kind, **search}
        return dumped


# --- Aggregate --------------------------------------------------------------------------------

# What each data type can aggregate, as Weaviate's Aggregate schema offers them.
AGGREGATIONS: dict[str, tuple[str, ...]] = {
    "text": ("count", "type", "topOccurrences"),
    "int": ("count", "minimum", "maximum", "mean", "median", "mode", "sum"),
    "number": ("count", "minimum", "maximum", "mean", "median", "mode", "sum"),
    "boolean": ("count", "totalTrue", "totalFalse", "percentageTrue", "percentageFalse"),
    "date": ("count", "minimum", "maximum", "median", "mode"),
}
TOP_OCCURRENCES_FIELDS = ("value", "occurs")
TOP_OCCURRENCES_LIMIT = 5  # Weaviate's default when topOccurrences has no limit


class AggregateField(Node):
    """One selected field of an Aggregate class: `meta`, `groupedBy` or a property, with its sub-fields."""

    name: str  # "meta", "groupedBy" or a property name
    fields: list[str]  # sub-fields in selection order (topOccurrences by name)
    top_fields: list[str] = Field(default_factory=list)  # value, occurs of topOccurrences
    top_limit: int = TOP_OCCURRENCES_LIMIT
    alias: str | None = None

    @property
    def key(self) -> str:
        return self.alias or self.name


class AggregateQuery(Node):
    """One class field of Aggregate: the searched set (search, where, objectLimit), groups, selection."""

    class_name: str
    alias: str | None = None
    search: Search | None = None
    where: Where | None = None
    object_limit: int | None = None
    group_by: list[str] | None = None  # a property path
    limit: int | None = None  # how many groups
    tenant: str | None = None  # as on Get
    selection: list[AggregateField] = Field(default_factory=list)

    @property
    def key(self) -> str:
        return self.alias or self.class_name


class Query(Node):
    """A bound operation: one GetQuery per class field of Get and one AggregateQuery per class field of
    Aggregate, each in document order."""

    operation_name: str | None = None
    gets: list[GetQuery]
    aggregates: list[AggregateQuery] = Field(default_factory=list)


Where.model_rebuild()
ReferenceFragment.model_rebuild()
