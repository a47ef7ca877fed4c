"""Planner: a bound GetQuery and its class schema become a LogicalPlan (pure: no store, no models)."""

from __future__ import annotations

from . import ast
from .plan import Cut, Fuse, Group, LogicalPlan, PlanError, PlanNode, Project, Rerank, Retrieve, Sort
from .schema import ClassSchema

QUERY_MAXIMUM_RESULTS = 10_000
QUERY_DEFAULTS_LIMIT = 10  # offset or autocut given without a limit
QUERY_DEFAULTS_LIMIT_GRAPHQL = 100  # none of limit, offset, autocut given
HYBRID_POOL = 100  # QUERY_HYBRID_MAXIMUM_RESULTS: each hybrid sub-search fetches max(100, limit)
_NEAR = (("nearText", "near_text"), ("nearVector", "near_vector"), ("nearObject", "near_object"))


def search_query_of(get: ast.GetQuery) -> str | None:
    """The text a rerank without `query` falls back to: nearText concepts, the bm25 or hybrid query."""
    if get.near_text is not None:
        return " ".join(get.near_text.concepts)
    if get.bm25 is not None:
        return get.bm25.query
    if get.hybrid is not None:
        return get.hybrid.query
    return None


def plan_get(get: ast.GetQuery, schema: ClassSchema, *, rerank_query_fallback: bool = True) -> LogicalPlan:
    """Plan one class field of Get; raise PlanError for conflicts and limits the validator left to us."""
    _check_conflicts(get, schema)
    rerank_field = get.rerank
    window = rerank_field.args.window if rerank_field is not None else None
    offset, limit = _pagination(get, window)
    if window is not None:
        _check_window(rerank_field, window, offset, limit, get)
    first_limit = window if window is not None else limit  # how many first-stage hits the page needs
    first_offset = 0 if window is not None else offset
    kind = get.search_kind
    autocut = get.autocut if get.autocut and get.autocut > 0 else None

    if kind in ("nearText", "nearVector", "nearObject"):
        node: PlanNode = _vector_retrieve(get, schema, first_offset, first_limit)
        if get.sort:
            node = Sort(get.sort, children=[node], span=get.sort[0].span or get.span)
        node = Cut(first_offset, first_limit, autocut, "page", "distance", children=[node], span=get.span)
    elif kind == "bm25":
        node = _bm25_retrieve(get, get.bm25, first_offset + (first_limit or 0))
        node = Cut(first_offset, first_limit, autocut, "top", "score", children=[node], span=get.span)
    elif kind == "hybrid":
        node = _hybrid(get, max(HYBRID_POOL, first_limit or 0))
        node = Cut(first_offset, first_limit, autocut, "top", "score", children=[node], span=get.span)
    elif get.after is not None:
        node = Retrieve("cursor", after=get.after, k=first_limit, span=get.span)
        node = Cut(0, first_limit, children=[node], span=get.span)
    else:
        k = None if first_limit is None else first_offset + first_limit
        node = Retrieve("list", where=get.where, sort=get.sort, k=k, span=get.span)
        node = Cut(first_offset, first_limit, children=[node], span=get.span)

    if get.group_by is not None:
        gb = get.group_by
        node = Group(gb.path, gb.groups, gb.objects_per_group, children=[node], span=gb.span or get.span)
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
    root = Project(get.key, get.class_name, _field_names(get), children=[node], span=get.span)
    return LogicalPlan(get, root)


def _written_limit(get: ast.GetQuery) -> int | None:
    """The limit the query sets; a negative one means "not set", as in Weaviate."""
    return get.limit if get.limit is not None and get.limit >= 0 else None


def _default_limit(get: ast.GetQuery) -> int | None:
    """The limit when none is written: None (every hit within the threshold) for a search by distance."""
    if _searches_by_distance(get):
        return None
    if get.offset is None and get.autocut is None:
        return QUERY_DEFAULTS_LIMIT_GRAPHQL
    return QUERY_DEFAULTS_LIMIT


def _pagination(get: ast.GetQuery, window: int | None = None) -> tuple[int, int | None]:
    """(offset, limit) after defaults; limit None means every hit within a distance threshold.

    With a rerank window and no written limit the page is the default limit capped at the window
    ("retrieve W, rerank, return a page"): rerank(window: 50) alone returns the 50 reranked hits."""
    offset = get.offset or 0
    if offset < 0:
        raise PlanError(f"offset must not be negative, got {offset}", get.span, hint="use offset: 0 or more")
    limit = _written_limit(get)
    if get.after is not None:
        _check_cursor(get, limit)
    if limit is None:
        limit = _default_limit(get)
        if window is not None:
            limit = window if limit is None else min(limit, window)
    total = offset + (limit if limit is not None else 0)
    if total > QUERY_MAXIMUM_RESULTS:
        raise PlanError(
            "query maximum results exceeded: the total limit calculated from the provided offset "
            f"'{offset}' and limit '{limit}' exceeds the configured value for QUERY_MAXIMUM_RESULTS "
            f"'{QUERY_MAXIMUM_RESULTS}'",
            get.span,
            hint="page with a smaller offset, or list everything with the cursor (after: <uuid>, limit: N)",
        )
    return offset, limit


def _searches_by_distance(get: ast.GetQuery) -> bool:
    near = get.near_text or get.near_vector or get.near_object
    return near is not None and (near.distance is not None or near.certainty is not None)


def _check_cursor(get: ast.GetQuery, limit: int | None) -> None:
    prefix = "cursor api: invalid 'after' parameter: "
    if limit is None:
        raise PlanError(prefix + "limit parameter must be set", get.span, hint="add limit: N next to after")
    if get.offset is not None:
        raise PlanError(prefix + "offset cannot be set with after and limit parameters", get.span)
    if get.where is not None:
        raise PlanError(
            prefix + "where cannot be set with after and limit parameters", get.where.span or get.span
        )
    if get.sort:
        raise PlanError(prefix + "sort cannot be set with after and limit parameters", get.span)
    if get.search_kind != "list" or get.group_by is not None:
        raise PlanError(prefix + "other params cannot be set with after and limit parameters", get.span)


def _check_window(
    field: ast.RerankField, window: int, offset: int, limit: int | None, get: ast.GetQuery
) -> None:
    span = field.args.span or field.span or get.span
    if get.group_by is not None:
        raise PlanError(
            "rerank window cannot be combined with groupBy",
            span,
            hint="drop window: with groupBy the group leaders are reranked",
        )
    needed = offset + (limit or 0)
    if window >= needed:
        return
    shown = f"{offset} + {limit} = {needed}"
    if _written_limit(get) is None:
        default = _default_limit(get)
        where = "the window" if default is None or default > window else f"the default limit {default}"
        shown += f"; no limit is written, so the limit is {where}"
    room = (
        f"write a limit of at most {window - offset}" if window > offset else f"lower offset below {window}"
    )
    raise PlanError(
        f"rerank window {window} is smaller than offset + limit ({shown})",
        span,
        code="Q310",
        hint=f"set window to at least {needed}, or {room}: every page comes from the reranked window",
    )


def _check_conflicts(get: ast.GetQuery, schema: ClassSchema) -> None:
    near = [(name, getattr(get, attr)) for name, attr in _NEAR if getattr(get, attr) is not None]
    if get.bm25 is not None and near:
        raise PlanError(
            "conflict: both near<Media> and keyword-based (bm25) arguments present, choose one",
            get.bm25.span or get.span,
        )
    if len(near) == 3:
        raise PlanError(
            "found 'nearText' and 'nearVector' and 'nearObject' parameters which are conflicting, choose one instead",
            near[2][1].span or get.span,
        )
    if len(near) == 2:
        (a, _), (b, second) = near
        raise PlanError(
            f"found both '{a}' and '{b}' parameters which are conflicting, choose one instead",
            second.span or get.span,
        )
    if get.hybrid is not None and (near or get.bm25 is not None):
        other = near[0][0] if near else "bm25"
        raise PlanError(
            f"found both 'hybrid' and '{other}' parameters which are conflicting, choose one instead",
            get.hybrid.span or get.span,
            hint="rankql rejects this pair; Weaviate silently ignores hybrid here",
        )
    for name, arg in near:
        if arg.distance is not None and arg.certainty is not None:
            message = (
                "nearText cannot provide both distance and certainty"
                if name == "nearText"
                else f"found 'certainty' and 'distance' set in {name} which are conflicting, choose one instead"
            )
            raise PlanError(message, arg.span or get.span)
        if arg.certainty is not None and schema.distance != "cosine":
            raise PlanError(_certainty_message(schema), arg.span or get.span)
    if get.near_text is not None:
        _check_moves(get.near_text, get)
    if get.bm25 is not None and not get.bm25.query:
        raise PlanError("keyword search (bm25) must have query set", get.bm25.span or get.span)
    if get.hybrid is not None and not 0.0 <= get.hybrid.alpha <= 1.0:
        raise PlanError("alpha should be between 0.0 and 1.0", get.hybrid.span or get.span)
    if get.sort and get.bm25 is not None:
        raise PlanError("bm25 search is not compatible with sort", get.sort[0].span or get.span)
    if get.sort and get.hybrid is not None:
        raise PlanError("hybrid search is not compatible with sort", get.sort[0].span or get.span)
    if "certainty" in get.additional_names() and schema.distance != "cosine":
        raise PlanError(_certainty_message(schema), get.additional.span or get.span)
    if get.group_by is not None and get.search_kind == "list":
        raise PlanError(
            "groupBy needs a search: nearText, nearVector, nearObject, bm25 or hybrid",
            get.group_by.span or get.span,
            hint="add a search argument, or drop groupBy (Weaviate ignores it on a plain listing)",
        )


def _certainty_message(schema: ClassSchema) -> str:
    return (
        f"can't compute and return certainty when vector index is configured with {schema.distance} distance"
    )


def _check_moves(near_text: ast.NearText, get: ast.GetQuery) -> None:
    for label, move in (("moveTo", near_text.move_to), ("moveAwayFrom", near_text.move_away_from)):
        if move is None:
            continue
        if label == "moveTo" and not 0.0 <= move.force <= 1.0:
            raise PlanError(
                f"movement: force must be between 0 and 1: got {move.force}", move.span or get.span
            )
        if move.force < 0:
            raise PlanError(f"movement: force must be 0 or more: got {move.force}", move.span or get.span)
        if move.force > 0 and not move.concepts and not move.objects:
            raise PlanError(
                f"'nearText.{label}' parameter needs to have defined either 'concepts' or 'objects' fields",
                move.span or get.span,
            )


def _threshold(arg) -> tuple[float | None, float | None]:
    """(max distance, min certainty) of a near argument; certainty c means distance <= (1 - c) * 2."""
    if arg.certainty is not None:
        return (1.0 - arg.certainty) * 2.0, arg.certainty
    return arg.distance, None


def _vector_retrieve(get: ast.GetQuery, schema: ClassSchema, offset: int, limit: int | None) -> Retrieve:
    k = None if limit is None else offset + limit
    if get.near_text is not None:
        nt = get.near_text
        max_d, min_c = _threshold(nt)
        return Retrieve(
            "vector", "nearText", concepts=list(nt.concepts), near_text=nt, k=k, max_distance=max_d,
            min_certainty=min_c, where=get.where, span=nt.span or get.span,
        )  # fmt: skip
    if get.near_vector is not None:
        nv = get.near_vector
        max_d, min_c = _threshold(nv)
        return Retrieve(
            "vector", "nearVector", vector=list(nv.vector), k=k, max_distance=max_d, min_certainty=min_c,
            where=get.where, span=nv.span or get.span,
        )  # fmt: skip
    no = get.near_object
    max_d, min_c = _threshold(no)
    object_id, object_class = no.id, None
    if object_id is None and no.beacon:
        object_class, object_id = parse_beacon(no.beacon)
    return Retrieve(
        "vector", "nearObject", object_id=object_id, object_class=object_class, k=k, max_distance=max_d,
        min_certainty=min_c, where=get.where, span=no.span or get.span,
    )  # fmt: skip


def parse_beacon(beacon: str) -> tuple[str | None, str]:
    """'weaviate://localhost/<Class>/<uuid>' or 'weaviate://localhost/<uuid>' -> (class or None, uuid)."""
    parts = [p for p in beacon.split("/") if p]
    if len(parts) >= 3 and parts[0] == "weaviate:":
        rest = parts[2:]
        return (rest[0], rest[1]) if len(rest) >= 2 else (None, rest[0])
    return None, parts[-1] if parts else beacon


def _props(refs: list[ast.PropertyRef] | None) -> list[tuple[str, float]] | None:
    return None if refs is None else [(r.name, r.boost) for r in refs]


def _bm25_retrieve(get: ast.GetQuery, bm25: ast.Bm25, k: int | None) -> Retrieve:
    return Retrieve(
        "bm25", "bm25", query=bm25.query, properties=_props(bm25.properties), k=k, where=get.where,
        explain_scores="explainScore" in get.additional_names(), span=bm25.span or get.span,
    )  # fmt: skip


def _hybrid(get: ast.GetQuery, pool: int) -> Fuse:
    hy = get.hybrid
    children: list[PlanNode] = []
    if hy.alpha > 0:
        children.append(
            Retrieve(
                "vector",
                "hybridVector",
                query=hy.query,
                vector=list(hy.vector) if hy.vector else None,
                k=pool,
                max_distance=hy.max_vector_distance,
                where=get.where,
                span=hy.span or get.span,
            )  # fmt: skip
        )
    if hy.alpha < 1 and hy.query:
        keyword = ast.Bm25(query=hy.query, properties=hy.properties, span=hy.span)
        children.append(_bm25_retrieve(get, keyword, pool))
    explain = "explainScore" in get.additional_names()
    return Fuse(
        hy.fusion_type, hy.alpha, hy.max_vector_distance, explain, children=children, span=hy.span or get.span
    )


def _field_names(get: ast.GetQuery) -> list[str]:
    names: list[str] = []
    for item in get.selection:
        if isinstance(item, ast.PropertyField):
            names.append(item.key)
            continue
        for extra in item.items:
            if isinstance(extra, ast.AdditionalScalar):
                names.append(f"_additional.{extra.key}")
            elif isinstance(extra, ast.RerankField):
                names.extend(f"_additional.{extra.key}.{f}" for f in extra.fields)
            else:
                names.append(f"_additional.{extra.key}")
    return names
