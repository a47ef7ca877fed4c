"""Projection: hits (or groups) become the JSON objects of Weaviate's Get answer, fields in selection order."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from rankql.dsl import ast
from rankql.dsl.schema import base_type

from ..store.values import format_date
from .formats import go_float32_f, go_float32_f_column, json_float32, json_float32_column, json_vector
from .hits import Hit
from .operators import HitGroup
from .project_nested import nested_column, pick
from .references import lookup_of, reference_column

_NO_PROPERTIES: dict = {}  # a deleted object's properties (never modified)
Column = Callable[[list[Hit], list[dict]], list]  # (hits, their properties) -> one value per hit


class Projector:
    """Builds the response objects of one class field.

    The selection is turned once into column makers, each filling one field for the whole page: the
    per-hit work is then a list comprehension per field and one dict per hit.
    """

    def __init__(self, get: ast.GetQuery, collection: Any, schema: Any = None) -> None:
        self.get = get
        self.col = collection
        schema = schema if schema is not None else collection.class_schema
        self.dates, self.cosine = _schema_facts(schema)
        self._fields: list[tuple[str, Column]] | None = None
        self._row: Callable[..., dict] = dict
        self._props = False  # whether a field reads the objects' properties

    def hits(self, hits: list[Hit]) -> list[dict]:
        fields = self._fields
        if fields is None:
            # the row builder first: another thread may read _fields as soon as it is set
            fields = self._compile()
            self._row = row_builder([key for key, _ in fields])
            self._props = any(
                isinstance(sel, ast.PropertyField | ast.ReferenceField) for sel in self.get.selection
            )
            self._fields = fields
        if not fields or not hits:
            return [{} for _ in hits]
        props: list[dict] = []
        if self._props:
            table = self.col.objects.props  # read directly: a method call per hit costs more than the lookup
            props = [table[hit.doc_id] or _NO_PROPERTIES for hit in hits]
        return list(map(self._row, *[f(hits, props) for _, f in fields]))

    def _compile(self) -> list[tuple[str, Column]]:
        fields: list[tuple[str, Column]] = []
        for sel in self.get.selection:
            if isinstance(sel, ast.PropertyField):
                column = self._property_column(sel.name) if sel.fields is None else nested_column(sel)
                fields.append((sel.key, column))
                continue
            if isinstance(sel, ast.ReferenceField):  # resolved now, in this query's read view
                fields.append((sel.key, reference_column(sel, lookup_of(self.col))))
                continue
            inner = [
                (item.key, self._additional_column(item))
                for item in sel.items
                if isinstance(item, ast.AdditionalScalar | ast.RerankField | ast.VectorsField)
            ]
            fields.append((sel.key, _nested(inner)))
        return fields

    def _property_column(self, name: str) -> Column:
        if name in self.dates:
            return lambda hits, props: [self.value(name, p.get(name)) for p in props]
        return lambda hits, props: [p.get(name) for p in props]

    def _additional_column(self, item: ast.AdditionalScalar | ast.RerankField | ast.VectorsField) -> Column:
        if isinstance(item, ast.VectorsField):  # {name: vector} for the names selected (explorer.go)
            names, col = item.names, self.col
            return lambda hits, props: [
                {n: json_vector(col.vector_of(h.doc_id, n)) for n in names} for h in hits
            ]
        if isinstance(item, ast.RerankField):
            fields = item.fields  # score, rank, model, cached, status: RerankInfo's attribute names
            if fields == ["score"]:  # the common selection, without a comprehension per hit
                return lambda hits, props: [
                    None if h.rerank is None else [{"score": h.rerank.score}] for h in hits
                ]
            return lambda hits, props: [
                None if h.rerank is None else [{f: getattr(h.rerank, f) for f in fields}] for h in hits
            ]
        name = item.name
        if name == "id":
            return self._id_column
        if name == "distance":
            return lambda hits, props: json_float32_column([h.distance for h in hits])
        if name == "score":
            return lambda hits, props: go_float32_f_column([h.score for h in hits])
        return lambda hits, props: [self.scalar(name, h) for h in hits]

    def _id_column(self, hits: list[Hit], props: list[dict]) -> list:
        uuids = self.col.objects.uuids  # read directly, as the properties are (uuid_of per hit costs more)
        out = [uuids[h.doc_id] for h in hits]
        if None in out:  # a deleted object: uuid_of's error
            return [self.col.uuid_of(h.doc_id) for h in hits]
        return out

    def value(self, name: str, value: Any) -> Any:
        if value is None or name not in self.dates:
            return value
        return [format_date(v) for v in value] if isinstance(value, list) else format_date(value)

    def scalar(self, name: str, hit: Hit) -> Any:
        col = self.col
        if name == "id":
            return col.uuid_of(hit.doc_id)
        if name == "vector":
            return json_vector(col.vector_of(hit.doc_id))
        if name == "distance":
            return json_float32(hit.distance)
        if name == "certainty":
            if hit.distance is None or not self.cosine:
                return None
            return json_float32(1.0 - hit.distance / 2.0)
        if name == "score":
            return go_float32_f(hit.score) if hit.score is not None else "0"
        if name == "explainScore":
            return hit.explain or ""
        if name == "creationTimeUnix":
            return str(col.created_ms(hit.doc_id))
        if name == "lastUpdateTimeUnix":
            return str(col.updated_ms(hit.doc_id))
        if name == "isConsistent":
            return True  # one process holds every object: no replica can disagree
        return None

    @staticmethod
    def rerank(fields: list[str], hit: Hit) -> dict:
        info = hit.rerank
        values = {
            "score": info.score,
            "rank": info.rank,
            "model": info.model,
            "cached": info.cached,
            "status": info.status,
        }
        return {f: values[f] for f in fields}

    # --- groupBy ------------------------------------------------------------------------------

    def groups(self, groups: list[HitGroup], leaders: list[Hit] | None = None) -> list[dict]:
        """Top-level items carry only _additional.group (and the leader's rerank)."""
        extra = self.get.additional
        out = []
        for i, grp in enumerate(groups):
            leader = leaders[i] if leaders is not None else None
            add: dict[str, Any] = {}
            for item in extra.items if extra is not None else []:
                if isinstance(item, ast.GroupField):
                    add[item.key] = self.group(item, grp)
                elif isinstance(item, ast.RerankField) and leader is not None and leader.rerank is not None:
                    add[item.key] = [self.rerank(item.fields, leader)]
            out.append({extra.key if extra is not None else "_additional": add})
        return out

    def group(self, field: ast.GroupField, grp: HitGroup) -> dict:
        distances = [h.distance if h.distance is not None else 0.0 for h in grp.hits]
        out: dict[str, Any] = {}
        for name in field.fields:
            if name == "id":
                out["id"] = grp.id
            elif name == "groupedBy":
                shown = {"path": list(self.get.group_by.path), "value": self.group_value(grp.value)}
                out["groupedBy"] = {f: shown[f] for f in (field.grouped_by_fields or ["path", "value"])}
            elif name == "count":
                out["count"] = len(grp.hits)
            elif name == "minDistance":
                out["minDistance"] = json_float32(min(distances)) if distances else 0.0
            elif name == "maxDistance":
                out["maxDistance"] = json_float32(max(distances)) if distances else 0.0
            elif name == "hits":
                out["hits"] = [self.group_hit(field.hits, h) for h in grp.hits]
        return out

    def group_hit(self, selection: ast.GroupHitsSelection | None, hit: Hit) -> dict:
        props = self.col.properties_of(hit.doc_id)
        out: dict[str, Any] = {}
        if selection is None:
            return out
        for prop in selection.properties:
            value = props.get(prop.name)
            out[prop.key] = self.value(prop.name, value) if prop.fields is None else pick(value, prop.fields)
        if selection.additional:
            out["_additional"] = {name: self.scalar(name, hit) for name in selection.additional}
        return out

    def group_value(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if hasattr(value, "tzinfo"):
            return format_date(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)


_FACTS: dict[int, tuple[Any, frozenset[str], bool]] = {}


def _schema_facts(schema: Any) -> tuple[frozenset[str], bool]:
    """(date properties, cosine distance) of a ClassSchema; kept per schema object (they are cached)."""
    found = _FACTS.get(id(schema))
    if found is None or found[0] is not schema:
        if len(_FACTS) > 64:  # schemas change only with definitions and registered rerankers
            _FACTS.clear()
        dates = frozenset(p.name for p in schema.properties if base_type(p.data_type) == "date")
        found = _FACTS[id(schema)] = (schema, dates, schema.distance == "cosine")
    return found[1], found[2]


def row_builder(keys: list[str]) -> Callable[..., dict]:
    """A function of one value per key returning {key: value, ...} in key order (a later duplicate key
    wins, as in dict(zip(keys, values))).

    Made once per selection, like the record constructors of dataclasses: map() over a page's columns
    with it builds each row with one dict display, where dict(zip(keys, row)) makes a zip and a call per
    row. The keys reach the code as values of its namespace, never as text.
    """
    namespace = {f"k{i}": key for i, key in enumerate(keys)}
    return eval(_row_code(len(keys)), namespace)  # the code holds no key


@functools.lru_cache(maxsize=64)
def _row_code(count: int) -> Any:
    """The compiled lambda of row_builder for `count` keys: compiling is most of its cost, and a request
    that is not a cached prepared query (the server's) makes a Projector each time."""
    names = [f"v{i}" for i in range(count)]
    display = ", ".join(f"k{i}: v{i}" for i in range(count))
    return compile(f"lambda {', '.join(names)}: {{{display}}}", "<row_builder>", "eval")


def _nested(inner: list[tuple[str, Column]]) -> Column:
    """The column of an _additional selection: one dict per hit of its own columns."""
    row = row_builder([key for key, _ in inner])

    def column(hits: list[Hit], props: list[dict]) -> list:
        if not inner:
            return [{} for _ in hits]
        return list(map(row, *[f(hits, props) for _, f in inner]))

    return column
