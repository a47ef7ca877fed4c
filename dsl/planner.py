"""Planner: a bound, validated GetQuery and its class schema become a LogicalPlan (lowering only: the
binder and dsl/validate.py have made every check, so planning never fails)."""

from __future__ import annotations

from typing import Any

from . import ast
from .hybrid_searches import hybrid_source
from .limits import HYBRID_POOL, page
from .plan import (
    Bm25Retrieve,
    CursorRetrieve,
    Cut,
    Fuse,
    Group,
    ListRetrieve,
    LogicalPlan,
    NearObjectSource,
    NearTextSource,
    NearVectorSource,
    PlanNode,
    Project,
    Rerank,
    Sort,
    VectorRetrieve,
    VectorSource,
)
from .references import describe_reference, resolution_paths
from .schema import ClassSchema
from .validate_targets import targets_of


def search_query_of(get: ast.GetQuery) -> str | None:
    """The text a rerank without `query` falls back to: nearText concepts, the bm25 or hybrid query."""
    search = get.search
    if isinstance(search, ast.NearText):
        return " ".join(search.concepts)
    if isinstance(search, ast.Bm25 | ast.Hybrid):
        return search.query
    return None


def plan_get(get: ast.GetQuery, schema: ClassSchema, *, rerank_query_fallback: bool = True) -> LogicalPlan:
    """Plan one class field of Get that passed binding and validation."""
    rerank_field = get.rerank
    window = rerank_field.args.window if rerank_field is not None else None
    offset, limit = page(get, window)
    first_limit = window if window is not None else limit  # how many first-stage hits the page needs
    first_offset = 0 if window is not None else offset
    search = get.search
    autocut = get.autocut if get.autocut and get.autocut > 0 else None

    node: PlanNode
    if isinstance(search, ast.NearText | ast.NearVector | ast.NearObject):
        k = None if first_limit is None else first_offset + first_limit
        node = _vector_retrieve(get, search, k, schema)
        if get.sort:
            node = Sort(get.sort, children=[node], span=get.sort[0].span or get.span)
        node = Cut(first_offset, first_limit, autocut, "page", "distance", children=[node], span=get.span)
    elif isinstance(search, ast.Bm25):
        node = _bm25_retrieve(get, search, first_offset + (first_limit or 0))
        node = Cut(first_offset, first_limit, autocut, "top", "score", children=[node], span=get.span)
    elif isinstance(search, ast.Hybrid):
        node = _hybrid(get, search, max(HYBRID_POOL, first_limit or 0), schema)
        node = Cut(first_offset, first_limit, autocut, "top", "score", children=[node], span=get.span)
    elif get.after is not None:
        node = CursorRetrieve(k=first_limit, after=get.after, span=get.span)
        node = Cut(0, first_limit, children=[node], span=get.span)
    else:
        k = None if first_limit is None else first_offset + first_limit
        node = ListRetrieve(k=k, where=get.where, sort=get.sort, span=get.span)
        node = Cut(first_offset, first_limit, children=[node], span=get.span)

    if get.group_by is not None:
        group_by = get.group_by
        node = Group(
            group_by.path,
            group_by.groups,
            group_by.objects_per_group,
            children=[node],
            span=group_by.span or get.span,
        )
    if rerank_field is not None:
        args = rerank_field.args
        module = args.module or (schema.rerankers[0] if len(schema.rerankers) == 1 else None)
        search_query = search_query_of(get)
        query = args.query if args.query is not None else (search_query if rerank_query_fallback else "")
        node = Rerank(
            args,
            module,
            query,
            search_query,
            on_groups=get.group_by is not None,
            children=[node],
            span=args.span or rerank_field.span or get.span,
        )
        if window is not None:
            node = Cut(offset, limit, children=[node], span=get.span)
    root = Project(
        get.key,
        get.class_name,
        _field_names(get),
        get.tenant,
        resolution_paths(get.selection),
        children=[node],
        span=get.span,
    )
    return LogicalPlan(get, root)


def _threshold(search: ast.NearSearch) -> tuple[float | None, float | None]:
    """(max distance, min certainty) of a near search; certainty c means distance <= (1 - c) * 2."""
    if search.certainty is not None:
        return (1.0 - search.certainty) * 2.0, search.certainty
    return search.distance, None


def _vector_source(search: ast.NearSearch) -> VectorSource:
    if isinstance(search, ast.NearText):
        return NearTextSource(search)
    if isinstance(search, ast.NearVector):
        per_target = dict(search.vector_per_target) if search.vector_per_target else None
        return NearVectorSource(list(search.vector), per_target)
    object_id, object_class = search.id, None
    if object_id is None and search.beacon:
        object_class, object_id = parse_beacon(search.beacon)
    return NearObjectSource(object_id or "", object_class)


def _vector_retrieve(
    get: ast.GetQuery, search: ast.NearSearch, k: int | None, schema: ClassSchema
) -> VectorRetrieve:
    max_distance, min_certainty = _threshold(search)
    return VectorRetrieve(
        k=k,
        where=get.where,
        source=_vector_source(search),
        max_distance=max_distance,
        min_certainty=min_certainty,
        span=search.span or get.span,
        **_targets(search, schema),
    )


def given_targets(search: ast.NearSearch | ast.Hybrid) -> dict[str, Any]:
    """The targets a search names, as VectorRetrieve keeps them (none named: the lowering's default)."""
    given = search.targets
    if given is None:
        return {}
    return {"targets": list(given.vectors), "combination": given.combination, "weights": given.weights}


def _targets(search: ast.NearSearch | ast.Hybrid, schema: ClassSchema) -> dict[str, Any]:
    """The targets of a vector search as VectorRetrieve keeps them: the one named vector of a class is
    searched without being named (Weaviate's GetTargetVectorOrDefault)."""
    targets = [t for t in targets_of(search, schema) if t is not None]
    if not targets:
        return {}
    return given_targets(search) or {"targets": targets}


def parse_beacon(beacon: str) -> tuple[str | None, str]:
    """'weaviate://localhost/<Class>/<uuid>' or 'weaviate://localhost/<uuid>' -> (class or None, uuid)."""
    parts = [p for p in beacon.split("/") if p]
    if len(parts) >= 3 and parts[0] == "weaviate:":
        rest = parts[2:]
        return (rest[0], rest[1]) if len(rest) >= 2 else (None, rest[0])
    return None, parts[-1] if parts else beacon


def _props(refs: list[ast.PropertyRef] | None) -> list[tuple[str, float]] | None:
    return None if refs is None else [(r.name, r.boost) for r in refs]


def _bm25_retrieve(get: ast.GetQuery, bm25: ast.Bm25 | ast.Hybrid, k: int | None) -> Bm25Retrieve:
    return bm25_retrieve(bm25, k, get.where, get.span, "explainScore" in get.additional_names())


def bm25_retrieve(
    bm25: ast.Bm25 | ast.Hybrid, k: int | None, where: ast.Where | None, span: Any, explain: bool
) -> Bm25Retrieve:
    """The keyword search of bm25 or of hybrid's keyword leg (Get's and Aggregate's)."""
    op = bm25.search_operator if isinstance(bm25, ast.Bm25) else bm25.bm25_search_operator
    return Bm25Retrieve(
        k=k,
        where=where,
        query=bm25.query,
        properties=_props(bm25.properties),
        explain_scores=explain,
        operator=op.operator if op is not None else "Or",
        # Weaviate reads minimumOrTokensMatch with Or only; unset (and anything below 1) is any token
        minimum_match=(op.minimum_or_tokens_match or 0) if op is not None and op.operator == "Or" else 0,
        span=bm25.span or span,
    )


def _hybrid(get: ast.GetQuery, hybrid: ast.Hybrid, pool: int, schema: ClassSchema) -> Fuse:
    explain = "explainScore" in get.additional_names()
    return hybrid_fuse(hybrid, pool, get.where, get.span, _targets(hybrid, schema), explain)


def hybrid_fuse(
    hybrid: ast.Hybrid, pool: int, where: ast.Where | None, span: Any, targets: dict[str, Any], explain: bool
) -> Fuse:
    """Hybrid's two legs, `pool` results each, and their fusion (Get's and Aggregate's)."""
    children: list[PlanNode] = []
    if hybrid.alpha > 0:
        source, bound = hybrid_source(hybrid)
        children.append(
            VectorRetrieve(
                k=pool, where=where, source=source, max_distance=bound, span=hybrid.span or span, **targets
            )
        )
    if hybrid.alpha < 1 and hybrid.query:
        children.append(bm25_retrieve(hybrid, pool, where, span, explain))
    return Fuse(
        hybrid.fusion_type,
        hybrid.alpha,
        hybrid.max_vector_distance,
        explain,
        children=children,
        span=hybrid.span or span,
    )


def _sub_names(fields: list[ast.PropertyField]) -> str:
    """`latitude longitude`, `city street{name}`: a property's selected fields, for explain."""
    return " ".join(f.key if f.fields is None else f"{f.key}{{{_sub_names(f.fields)}}}" for f in fields)


def _field_names(get: ast.GetQuery) -> list[str]:
    names: list[str] = []
    for item in get.selection:
        if isinstance(item, ast.PropertyField):
            names.append(item.key if item.fields is None else f"{item.key}{{{_sub_names(item.fields)}}}")
            continue
        if isinstance(item, ast.ReferenceField):
            names.append(describe_reference(item))
            continue
        for extra in item.items:
            if isinstance(extra, ast.AdditionalScalar):
                names.append(f"_additional.{extra.key}")
            elif isinstance(extra, ast.RerankField):
                names.extend(f"_additional.{extra.key}.{f}" for f in extra.fields)
            else:
                names.append(f"_additional.{extra.key}")
    return names
