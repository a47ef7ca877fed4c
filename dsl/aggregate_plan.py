"""Logical plan of an Aggregate class field: Aggregate (or GroupAggregate) over the retrieval of Get."""

from __future__ import annotations

from dataclasses import dataclass

from . import ast
from .limits import HYBRID_POOL
from .plan import ListRetrieve, LogicalPlan, PlanNode, VectorRetrieve, quote, tenant_detail
from .planner import _threshold, _vector_source, given_targets, hybrid_fuse


@dataclass(eq=False)
class Aggregate(PlanNode):
    """Aggregations of the searched set, in one answer entry."""

    class_name: str
    fields: list[str]
    tenant: str | None = None

    def details(self) -> list[str]:
        return [self.class_name, *tenant_detail(self.tenant), f"fields=[{', '.join(self.fields)}]"]


@dataclass(eq=False)
class GroupAggregate(Aggregate):
    """Aggregations per value of one property: one answer entry per group, the largest first."""

    path: list[str] | None = None
    limit: int | None = None

    def details(self) -> list[str]:
        parts = [self.class_name, *tenant_detail(self.tenant), f"groupBy={'.'.join(self.path or [])}"]
        if self.limit is not None:
            parts.append(f"limit={self.limit}")
        return [*parts, f"fields=[{', '.join(self.fields)}]"]


def _field_names(agg: ast.AggregateQuery) -> list[str]:
    names = []
    for item in agg.selection:
        label = item.key if item.alias is None else f"{item.alias}:{item.name}"
        names.append(f"{label}{{{' '.join(item.fields)}}}")
    return names


def plan_aggregate(agg: ast.AggregateQuery) -> LogicalPlan:
    """Plan one bound, validated Aggregate class field: the searched set, then its aggregations."""
    search = agg.search
    limit = agg.object_limit
    node: PlanNode
    span = agg.span
    if isinstance(search, ast.NearText | ast.NearVector | ast.NearObject):
        # objectLimit: the nearest objectLimit objects, then cut by certainty or distance; without it,
        # every object within the bound (Weaviate's aggregator does the same two searches).
        max_distance, min_certainty = _threshold(search)
        node = VectorRetrieve(
            k=limit,
            where=agg.where,
            source=_vector_source(search),
            max_distance=max_distance,
            min_certainty=min_certainty,
            span=search.span or span,
            **given_targets(search),
        )
    elif isinstance(search, ast.Hybrid):
        # Weaviate's filtered aggregator runs both sub-searches for objectLimit (default 100) objects
        # and aggregates every fused result, not only the first objectLimit of them.
        node = hybrid_fuse(search, limit or HYBRID_POOL, agg.where, span, given_targets(search), False)
    elif isinstance(search, ast.Bm25):  # not bound for Aggregate; kept total for the type checker
        raise ValueError("bm25 is not an Aggregate search")
    else:
        node = ListRetrieve(k=limit, where=agg.where, span=span)
    fields = _field_names(agg)
    root: Aggregate
    if agg.group_by is not None:
        root = GroupAggregate(
            agg.class_name, fields, agg.tenant, path=agg.group_by, limit=agg.limit, children=[node], span=span
        )
    else:
        root = Aggregate(agg.class_name, fields, agg.tenant, children=[node], span=span)
    return LogicalPlan(agg, root)  # type: ignore[arg-type]  # LogicalPlan keeps the class field it plans


__all__ = ["Aggregate", "GroupAggregate", "plan_aggregate", "quote"]
