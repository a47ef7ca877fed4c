"""Evaluate a `where` filter over a collection's columns into a sorted array of allowed doc ids.

docs/search-internals.md#filters says what each operator matches.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import numpy as np
from rankql.dsl import ast
from rankql.dsl.schema import VALUE_FIELD_FOR_TYPE, ClassSchema, base_type
from rankql.dsl.validate_where import UUID_HINT, type_refusal, uuid_value_message

from ..errors import SearchError
from .filter_columns import (
    ColumnCache,
    Elements,
    NullMask,
    TokenIndex,
    compare,
    date_micros,
    like_regex,
    value_length,
)
from .filter_text import text_leaf
from .geo import GeoColumn
from .reference_filter import count_leaf, path_leaf

PREFIX = "invalid 'where' filter: "
RANGE_OPS = ("GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual")
COMPARE_OPS = ("Equal", "NotEqual", *RANGE_OPS)
CONTAINS_OPS = ("ContainsAny", "ContainsAll", "ContainsNone")
_LEN = re.compile(r"^len\((.+)\)$")
_TIMESTAMPS = ("_creationTimeUnix", "_lastUpdateTimeUnix")


def where_error(message: str, hint: str | None = None) -> SearchError:
    return SearchError(PREFIX + message, hint=hint)


def evaluate(where: ast.Where, collection) -> np.ndarray:
    """Sorted int64 doc ids of the live objects that satisfy `where`."""
    live_of = getattr(collection, "live_mask", None)
    if live_of is not None:  # the store keeps the mask up to date as it writes
        live_mask = live_of()
    else:
        # From live_ids (cached until a write), once per version: a scatter over every object
        live_mask = ColumnCache.of(collection).view(collection.live_ids(), ("", "live mask"), _live_mask)
    ctx = _Context(collection, live_mask)
    return np.flatnonzero(ctx.node(where) & live_mask).astype(np.int64)


def _live_mask(live_ids: np.ndarray) -> np.ndarray:
    live = np.asarray(live_ids, np.int64)
    size = int(live.max()) + 1 if len(live) else 0
    mask = np.zeros(size, bool)
    mask[live] = True
    mask.flags.writeable = False  # shared by every query until the next write
    return mask


class _Context:
    def __init__(self, collection, live_mask: np.ndarray) -> None:
        self.collection = collection
        self.schema: ClassSchema = collection.class_schema
        self.live = live_mask
        self.size = len(live_mask)
        self.cache = ColumnCache.of(collection)

    def fit(self, mask: np.ndarray) -> np.ndarray:
        """A mask over a column's doc ids cut or padded (False) to the size of the live mask."""
        if len(mask) >= self.size:
            return mask[: self.size]
        return np.concatenate((mask, np.zeros(self.size - len(mask), bool)))

    def mask(self, docs: np.ndarray) -> np.ndarray:
        out = np.zeros(self.size, bool)
        out[docs[docs < self.size]] = True
        return out

    # --- structure ----------------------------------------------------------------------

    def node(self, where: ast.Where) -> np.ndarray:
        op = where.operator
        if op in ast.LOGICAL_OPERATORS:
            return self.logical(where)
        if op not in ast.COMPARE_OPERATORS:
            raise where_error(f"unrecognized operator: {op}", hint="use And, Or, Not, Equal, Like, ...")
        if not where.path:
            raise where_error("field 'path': must have at least one element", hint='e.g. path: ["title"]')
        if where.value_type is None:
            raise where_error(f"operator {op} requires a value", hint="set valueText, valueInt, ...")
        if len(where.path) > 1:  # through a cross-reference: reference_filter.py
            return path_leaf(self, where, evaluate)
        return self.leaf(where, where.path[0])

    def logical(self, where: ast.Where) -> np.ndarray:
        op = where.operator
        if where.path:
            raise where_error(
                f"operator '{op}' not compatible with field 'path', remove 'path' or switch to "
                "compare operator (eg. Equal, NotEqual, etc.)"
            )
        if where.value_type is not None:
            raise where_error(
                f"operator '{op}' not compatible with field '{where.value_type}', remove value field or "
                "switch to compare operator (eg. Equal, NotEqual, etc.)"
            )
        if not where.operands:
            raise where_error(f"operator '{op}', but no operands set - add at least one operand")
        masks = [self.node(operand) for operand in where.operands]
        if op == "Or":
            return np.logical_or.reduce(masks)
        both = np.logical_and.reduce(masks)
        return self.live & ~both if op == "Not" else both

    # --- leaves -------------------------------------------------------------------------

    def leaf(self, where: ast.Where, name: str) -> np.ndarray:
        if name in ("id", "_id"):
            return self.id_leaf(where)
        if name in _TIMESTAMPS:
            return self.timestamp_leaf(where, name)
        length = _LEN.match(name)
        if length:
            return self.length_leaf(where, length.group(1))
        prop = self.schema.property(name)
        if prop is None:
            raise where_error(
                f"no such prop with name '{name}' found in class '{self.schema.name}' in the schema. "
                "Check your schema files for which properties in this class are available",
                hint=f"properties: {', '.join(self.schema.property_names) or '(none)'}",
            )
        refused = type_refusal(prop, where)
        if refused is not None:
            raise where_error(refused[0], hint=refused[1])
        column = self.collection.column(name)
        if where.operator == "IsNull":
            return self.null_leaf(where, column)
        if prop.is_reference:
            return count_leaf(self, where, name)
        btype = base_type(prop.data_type)
        _check_type(where, prop.data_type, VALUE_FIELD_FOR_TYPE[btype])
        if btype == "geoCoordinates":
            return self.geo_leaf(where, name, column)
        if where.operator == "WithinGeoRange":
            raise where_error(f"operator WithinGeoRange needs a geoCoordinates property, '{name}' is {btype}")
        if btype == "text":
            index = self.cache.view(
                column,
                (name, prop.tokenization or "word"),
                lambda c: TokenIndex(c, prop.tokenization or "word"),
            )
            return text_leaf(self, where, index, prop.tokenization or "word")
        if where.operator == "Like" and btype != "uuid":
            raise where_error(f"operator Like requires a text property, '{name}' is {prop.data_type}")
        elements = self.cache.view(column, (name, btype), lambda c: Elements(c, btype))
        return self.element_leaf(where, elements, btype)

    def geo_leaf(self, where: ast.Where, name: str, column: list) -> np.ndarray:
        geo = where.value
        if where.operator != "WithinGeoRange" or not isinstance(geo, ast.GeoRange):
            raise where_error(
                f"property '{name}' is of type geoCoordinates: filter it with operator WithinGeoRange",
                hint="valueGeoRange: {geoCoordinates: {latitude: ..., longitude: ...}, distance: {max: metres}}",
            )
        points = self.cache.view(column, (name, "geo"), GeoColumn)
        return self.mask(points.within(geo.latitude, geo.longitude, geo.max_distance, self.live))

    def null_leaf(self, where: ast.Where, column: list) -> np.ndarray:
        if where.value_type != "valueBoolean" or not isinstance(where.value, bool):
            raise where_error(f"operator IsNull requires a booleanValue, got {where.value_type} instead")
        nulls = self.cache.view(column, (where.path[0], "null"), NullMask)
        null = nulls.mask[: self.size]  # type: ignore[attr-defined]
        null = np.concatenate((null, np.ones(self.size - len(null), bool)))
        return null if where.value else ~null

    def element_leaf(self, where: ast.Where, elements: Elements, btype: str) -> np.ndarray:
        op = where.operator
        values = [_scalar(v, btype, where) for v in _as_list(where)]
        if op in CONTAINS_OPS:
            if op == "ContainsAll":
                masks = [self.mask(elements.docs_where(elements.values == v)) for v in values]
                return np.logical_and.reduce(masks) if masks else self.live.copy()
            hits = self.mask(elements.docs_where(np.isin(elements.values, values)))
            return self.live & ~hits if op == "ContainsNone" else hits
        (value,) = values
        if op == "Like":
            pattern = like_regex(str(value))
            test = np.fromiter(
                (bool(pattern.fullmatch(v)) for v in elements.values), bool, len(elements.values)
            )
            return self.mask(elements.docs_where(test))
        if op == "NotEqual":
            return self.live & ~self.mask(elements.docs_where(elements.values == value))
        try:
            if elements.dense is not None and elements.present is not None:
                return self.fit(compare(op, elements.dense, value) & elements.present)
            return self.mask(elements.docs_where(compare(op, elements.values, value)))
        except KeyError:
            raise where_error(f"operator {op} cannot be used here") from None

    def id_leaf(self, where: ast.Where) -> np.ndarray:
        if where.operator == "IsNull":
            raise where_error("operator IsNull cannot be used on the object id")
        _check_type(where, "uuid", "valueText", label="id")
        lookup = getattr(self.collection, "doc_id_of", None)
        if lookup is not None and where.operator in ("Equal", "NotEqual", *CONTAINS_OPS):
            return self.id_lookup(where, lookup)
        live = np.flatnonzero(self.live)
        uuids = self.cache.uuids
        if len(uuids) < self.size:
            uuids.extend([None] * (self.size - len(uuids)))
        for doc in live.tolist():  # a doc id's uuid never changes (ids are never reused)
            if uuids[doc] is None:
                uuids[doc] = str(self.collection.uuid_of(doc)).lower()
        column: list = [uuids[d] if self.live[d] else None for d in range(self.size)]
        return self.element_leaf(where, Elements(column, "uuid"), "uuid")

    def id_lookup(self, where: ast.Where, lookup) -> np.ndarray:
        """Equality on ids through the store's uuid map instead of a scan."""
        masks = []
        for value in _as_list(where):
            doc = lookup(_uuid(value, where))
            masks.append(self.mask(np.asarray([] if doc is None else [doc], np.int64)))
        if where.operator == "ContainsAll":
            return np.logical_and.reduce(masks)
        hits = np.logical_or.reduce(masks) if masks else np.zeros(self.size, bool)
        return self.live & ~hits if where.operator in ("NotEqual", "ContainsNone") else hits

    def timestamp_leaf(self, where: ast.Where, name: str) -> np.ndarray:
        if where.operator in ("IsNull", "Like"):
            raise where_error(f"operator {where.operator} cannot be used on {name}")
        if where.value_type not in ("valueText", "valueDate"):
            raise where_error(
                f'data type filter cannot use "{where.value_type}" on {name}, use "valueText" '
                '(milliseconds since the epoch) or "valueDate" instead'
            )
        millis = [_timestamp_ms(v, where) for v in _as_list(where)]
        read = self.collection.created_ms if name == "_creationTimeUnix" else self.collection.updated_ms
        column: list = [None] * self.size
        for doc in np.flatnonzero(self.live).tolist():
            column[doc] = int(read(doc))
        fixed = where.model_copy(update={"value": millis if isinstance(where.value, list) else millis[0]})
        return self.element_leaf(fixed, Elements(column, "int"), "int")

    def length_leaf(self, where: ast.Where, name: str) -> np.ndarray:
        prop = self.schema.property(name)
        if prop is None:
            raise where_error(
                f"no such prop with name '{name}' found in class '{self.schema.name}' in the schema. "
                "Check your schema files for which properties in this class are available"
            )
        if prop.data_type in ("geoCoordinates", "phoneNumber", "blob"):
            raise where_error(
                "Geo-coordinates, phone numbers and data blobs are not supported by property length."
            )
        if where.operator not in COMPARE_OPS:
            raise where_error(f"operator {where.operator} cannot be used on len({name})")
        if where.value_type != "valueInt":
            raise where_error(
                f'data type filter cannot use "{where.value_type}" on len({name}), use "valueInt"'
            )
        if not isinstance(where.value, int) or where.value < 0:
            raise where_error(f"len({name}) can only be compared with a non-negative valueInt")
        column = self.collection.column(name)
        lengths = [None if d >= len(column) else value_length(column[d]) for d in range(self.size)]
        return self.element_leaf(where, Elements(lengths, "int"), "int")


def _check_type(where: ast.Where, data_type: str, expected: str, label: str | None = None) -> None:
    if where.value_type != expected:
        shown = label or data_type
        raise where_error(
            f'data type filter cannot use "{where.value_type}" on type "{shown}", use "{expected}" instead'
        )


def _as_list(where: ast.Where) -> list:
    if where.operator in CONTAINS_OPS:
        return list(where.value) if isinstance(where.value, list | tuple) else [where.value]
    if isinstance(where.value, list | tuple):
        raise where_error(
            f"operator {where.operator} takes a single value, got a list",
            hint="use ContainsAny / ContainsAll / ContainsNone for a list of values",
        )
    return [where.value]


def _scalar(value: object, btype: str, where: ast.Where) -> object:
    try:
        if btype == "int":
            if isinstance(value, bool) or not isinstance(value, int | float) or int(value) != value:
                raise ValueError(value)
            return int(value)
        if btype == "number":
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if btype == "boolean":
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if btype == "date":
            return date_micros(parse_date(value))
        if btype == "uuid":  # Like takes a pattern; any other operator a UUID
            return str(value).lower() if where.operator == "Like" else _uuid(value, where)
    except (TypeError, ValueError):
        raise where_error(f"value {value!r} of {where.value_type} is not a valid {btype}") from None
    raise where_error(f"cannot filter on data type {btype}")


def _uuid(value: object, where: ast.Where) -> str:
    """A UUID value in the store's form (lower case, hyphenated); a malformed one is an error, not []."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise SearchError(uuid_value_message(value, where.path[0]), hint=UUID_HINT) from None


def parse_date(value: object) -> datetime:
    """An RFC3339 date string as an aware datetime (no offset means UTC)."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip())
    else:
        raise ValueError(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _timestamp_ms(value: object, where: ast.Where) -> int:
    try:
        if where.value_type == "valueDate":
            return date_micros(parse_date(value)) // 1000
        if isinstance(value, bool) or not str(value).strip().lstrip("-").isdigit():
            raise ValueError(value)
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise where_error(f"expected value to be timestamp, got '{value}'") from None
