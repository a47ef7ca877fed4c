"""Checks of an Aggregate class field against the schema: class, properties, aggregations per data type,
groupBy, the where filter and the bound of a vector search."""

from __future__ import annotations

from collections.abc import Iterator

from . import ast
from .diagnostics import Diagnostic, suggestion
from .references import reference_filters
from .schema import ClassSchema, Schema, base_type
from .source import Span
from .validate_where import diag, no_such_prop, prop_hint, where_filter, where_leaf

VECTOR_BOUND = "must provide certainty or objectLimit with vector search"  # Weaviate's message


def validate_aggregates(query: ast.Query, schema: Schema) -> list[Diagnostic]:
    """Every problem of the query's Aggregate class fields (empty when they fit); never raises."""
    if not query.aggregates:
        return []  # before the import below: run per query, it cost as much as a rule
    # validate.py's rules that read only the search and the filter run on a GetQuery of those two.
    from .validate import certainty_metric, vectorizer
    from .validate_targets import target_vectors

    out: list[Diagnostic] = []
    for agg in query.aggregates:
        path: list[str | int] = ["Aggregate", agg.key]
        cls = schema.get(agg.class_name)
        found: list[Diagnostic] = []
        if cls is None:
            hint = suggestion(agg.class_name, schema.class_names) or (
                "classes: " + ", ".join(schema.class_names)
                if schema.class_names
                else "the database has no classes"
            )
            message = f'Cannot query field "{agg.class_name}" on type "AggregateObjectsObj".'
            span = agg.span
            first = span and Span(span.start, span.start + len(agg.alias or agg.class_name))
            found.append(Diagnostic("Q601", message, first, hint))
        else:
            shim = ast.GetQuery(class_name=agg.class_name, search=agg.search, where=agg.where, span=agg.span)
            found.extend(where_filter(shim, cls))
            found.extend(reference_filters(shim, cls, schema, where_leaf))
            found.extend(target_vectors(shim, cls))
            found.extend(vectorizer(shim, cls))
            found.extend(certainty_metric(shim, cls))
            found.extend(_selection(agg, cls))
            found.extend(_group_by(agg, cls))
            found.extend(_vector_bound(agg))
        for item in found:
            item.path = path
        out.extend(found)
    return out


def _selection(agg: ast.AggregateQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    for item in agg.selection:
        if item.name == "meta":
            continue
        if item.name == "groupedBy":
            if agg.group_by is None:
                yield diag("Q505", "groupedBy needs a groupBy argument", item, 'add groupBy: ["property"]')
            continue
        prop = cls.property(item.name)
        if prop is None:
            yield diag("Q602", no_such_prop(item.name, cls), item, prop_hint(item.name, cls))
            continue
        kind = base_type(prop.data_type)
        offered = ast.AGGREGATIONS.get(
            "text" if kind in ("uuid", "blob") else kind
        )  # blob: as text, as Weaviate
        if offered is None:
            yield diag("Q703", f"property '{item.name}' of type {prop.data_type} cannot be aggregated", item)
            continue
        for name in item.fields:
            if name not in offered:
                hint = suggestion(name, offered) or f"{prop.data_type} offers: " + ", ".join(offered)
                message = f"aggregation '{name}' is not offered for '{item.name}' of type {prop.data_type}"
                yield diag("Q703", message, item, hint)


def _group_by(agg: ast.AggregateQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    if agg.group_by is None:
        return
    name = agg.group_by[0]
    if cls.property(name) is None:
        yield Diagnostic("Q612", no_such_prop(name, cls), agg.span, prop_hint(name, cls))


def _vector_bound(agg: ast.AggregateQuery) -> Iterator[Diagnostic]:
    search = agg.search
    if not isinstance(search, ast.NearText | ast.NearVector | ast.NearObject):
        return
    if search.certainty is None and search.distance is None and agg.object_limit is None:
        hint = "add objectLimit: N (the N nearest objects), or certainty / distance to bound the searched set"
        yield diag("Q704", VECTOR_BOUND, search, hint)
