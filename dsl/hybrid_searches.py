"""hybrid's `searches: {nearText: {...}}` / `searches: {nearVector: {...}}`: the vector leg given as a
sub-search, bound and checked as Weaviate's common_filters/hybrid.go does, and its vector source in a plan."""

from __future__ import annotations

from . import ast
from .arguments import near_text, near_vector
from .context import BindContext
from .plan import HybridVectorSource, NearTextSource, NearVectorSource, VectorSource
from .syntax import ObjectField, Value
from .values import read_list, read_object

_FIELDS = ("nearText", "nearVector")


def sub_search(ctx: BindContext, field: ObjectField) -> ast.NearText | ast.NearVector | None:
    """The sub-search of `searches`. Weaviate reads only the list's first item; so does rankql."""
    where = 'Argument "hybrid" field "searches"'
    items = read_list(ctx, field.value, "SearchesInpObj", where)
    if not items:
        return None
    fields = read_object(ctx, items[0], "SearchesInpObj", _FIELDS, where)
    if fields is None:
        return None
    if "nearText" in fields and "nearVector" in fields:
        ctx.error(
            "Q301",
            "hybrid search cannot have both nearText and nearVector parameters",
            items[0],
            "keep one sub-search",
        )
        return None
    if "nearText" in fields:
        return near_text(ctx, fields["nearText"].value)
    if "nearVector" in fields:
        return near_vector(ctx, fields["nearVector"].value)
    return None


def conflicts(ctx: BindContext, value: Value, searches: object, vector: object) -> None:
    """Weaviate's errors for a sub-search given beside hybrid's own vector."""
    if searches is None or not vector:
        return
    params = "nearTextParams" if isinstance(searches, ast.NearText) else "nearVectorParams"
    ctx.error(
        "Q301",
        f"cannot have both vector and {params}",
        value,
        "give the vector either as hybrid's vector or as searches: {nearVector: {vector: [...]}}",
    )


def hybrid_source(hybrid: ast.Hybrid) -> tuple[VectorSource, float | None]:
    """The vector leg's source and distance bound: the sub-search's (its distance, or its certainty as
    a distance), else hybrid's own vector or query with maxVectorDistance."""
    sub = hybrid.searches
    if sub is None:
        source = HybridVectorSource(hybrid.query, list(hybrid.vector) if hybrid.vector else None)
        return source, hybrid.max_vector_distance
    bound = (1.0 - sub.certainty) * 2.0 if sub.certainty is not None else sub.distance
    if bound is None:
        bound = hybrid.max_vector_distance
    if isinstance(sub, ast.NearText):
        return NearTextSource(sub), bound
    per_target = dict(sub.vector_per_target) if sub.vector_per_target else None
    return NearVectorSource(list(sub.vector), per_target), bound
