"""Projection: hits (or groups) become the JSON objects of Weaviate's Get answer, fields in selection order."""

from __future__ import annotations

from typing import Any

from rankql.dsl import ast
from rankql.dsl.schema import base_type

from ..store.values import format_date
from .formats import go_float32_f, json_float32, json_vector
from .hits import Hit
from .operators import HitGroup


class Projector:
    """Builds the response objects of one class field."""

    def __init__(self, get: ast.GetQuery, collection: Any, schema: Any = None) -> None:
        self.get = get
        self.col = collection
        schema = schema if schema is not None else collection.class_schema
        self.dates = {p.name for p in schema.properties if base_type(p.data_type) == "date"}
        self.cosine = schema.distance == "cosine"

    def hits(self, hits: list[Hit]) -> list[dict]:
        return [self.item(hit) for hit in hits]

    def item(self, hit: Hit) -> dict:
        props = self.col.properties_of(hit.doc_id)
        out: dict[str, Any] = {}
        for sel in self.get.selection:
            if isinstance(sel, ast.PropertyField):
                out[sel.key] = self.value(sel.name, props.get(sel.name))
            else:
                out[sel.key] = self.additional(sel.items, hit)
        return out

    def value(self, name: str, value: Any) -> Any:
        if value is None or name not in self.dates:
            return value
        return [format_date(v) for v in value] if isinstance(value, list) else format_date(value)

    def additional(self, items: list[ast.AdditionalItem], hit: Hit) -> dict:
        out: dict[str, Any] = {}
        for item in items:
            if isinstance(item, ast.AdditionalScalar):
                out[item.key] = self.scalar(item.name, hit)
            elif isinstance(item, ast.RerankField):
                out[item.key] = None if hit.rerank is None else [self.rerank(item.fields, hit)]
        return out

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
            out[prop.key] = self.value(prop.name, props.get(prop.name))
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
