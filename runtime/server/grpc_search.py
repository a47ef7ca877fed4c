"""A gRPC SearchRequest (what the v4 client's collection.query.* sends) bound to rankql's typed AST.

Nothing goes through GraphQL text: the request becomes an `ast.Query` that the caller validates and runs
through the same executor as `db.query`. Weaviate's own checks of the request (parse_search_request.go in
adapters/handlers/grpc/v1) are repeated here with its messages.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
from rankql.dsl import ast
from rankql.dsl.schema import ClassSchema, Schema

from .grpc_checks import GRPC_DEFAULT_LIMIT, check_paging, refuse_unsupported
from .grpc_errors import InvalidRequest, NotSupported
from .grpc_filters import where_from_filters
from .grpc_nested import all_fields, requested_object
from .grpc_references import reference_selection
from .grpc_targets import check_targets, targets_of, vectors_for_targets

_SEARCHES = ("near_vector", "near_object", "near_text", "bm25_search", "hybrid_search")


def bind_search(request: Any, cls: ClassSchema, schema: Schema | None = None) -> ast.Query:
    """The Query of one SearchRequest against the class `cls` (its canonical name, properties and the
    names of its vectors: the named vectors, or the name a client gave its one vector); `schema` resolves
    the classes references point at."""
    refuse_unsupported(request)
    searched = [name for name in _SEARCHES if request.HasField(name)]
    if request.sort_by and searched:
        raise InvalidRequest("sorting cannot be combined with search")
    check_paging(request, searched)
    props = _properties(request, cls)
    refs = reference_selection(request.properties if request.HasField("properties") else None, cls, schema)
    if refs and request.HasField("group_by"):
        raise NotSupported("rankql does not return references of grouped objects")
    metadata = request.metadata if request.HasField("metadata") else None
    search = search_fields(request)
    check_targets(search.get("search"), cls)
    get = ast.GetQuery(
        class_name=cls.name,
        **search,
        where=where_from_filters(request.filters, cls, schema) if request.HasField("filters") else None,
        limit=request.limit or GRPC_DEFAULT_LIMIT,
        offset=request.offset or None,
        autocut=request.autocut or None,
        after=request.after or None,
        sort=[ast.SortKey(path=list(s.path), order="asc" if s.ascending else "desc") for s in request.sort_by]
        or None,
        group_by=_group_by(request.group_by) if request.HasField("group_by") else None,
        tenant=request.tenant or None,
        selection=[*refs, *_selection(request, props, metadata, cls)],
    )
    return ast.Query(gets=[get])


# --- the search: one small function, so that the AST's search field can change shape in one place ---


def search_fields(request: Any) -> dict[str, Any]:
    """GetQuery's keyword arguments for the request's search (empty for a plain listing)."""
    search = _search(request)
    return {} if search is None else {"search": search}


def _search(request: Any) -> ast.NearVector | ast.NearObject | ast.NearText | ast.Bm25 | ast.Hybrid | None:
    if request.HasField("near_vector"):
        return _near_vector(request.near_vector)
    if request.HasField("near_object"):
        return _near_object(request.near_object)
    if request.HasField("near_text"):
        return _near_text(request.near_text)
    if request.HasField("bm25_search"):
        bm25 = request.bm25_search
        return ast.Bm25(
            query=bm25.query,
            properties=_property_refs(bm25.properties),
            search_operator=_search_operator(bm25, "search_operator", "bm25"),
        )
    if request.HasField("hybrid_search"):
        return _hybrid(request.hybrid_search)
    return None


def wire_float(value: float) -> float:
    """A float32 field of the request as the number the client wrote: 0.4 arrives as 0.4000000059604645,
    and the shortest digits of the float32 give back 0.4, the value `db.query` would get from the text."""
    return float(str(np.float32(value)))


def _distance_certainty(msg: Any, where: str) -> dict[str, float | None]:
    distance = wire_float(msg.distance) if msg.HasField("distance") else None
    certainty = wire_float(msg.certainty) if msg.HasField("certainty") else None
    if distance is not None and certainty is not None:
        raise InvalidRequest(f"{where}: cannot provide distance and certainty")
    return {"distance": distance, "certainty": certainty}


def _check_selection(msg: Any, where: str) -> None:
    if msg.HasField("selection"):
        raise NotSupported(f"{where}: rankql does not support diversity selection (MMR) yet")


def decode_vector(msg: Any, where: str) -> list[float] | None:
    """The one float32 vector of a NearVector or Hybrid message: bytes, a list, or per target."""
    vectors = list(getattr(msg, "vectors", ()))
    for target in getattr(msg, "vector_for_targets", ()):
        if target.vector_bytes:
            return float32s(target.vector_bytes)
        vectors.extend(target.vectors)
    if vectors:
        if len(vectors) > 1:
            names = ", ".join(v.name for v in vectors)
            raise InvalidRequest(f"{where}: one vector expected here, got several ({names})")
        if vectors[0].type == 2:  # VECTOR_TYPE_MULTI_FP32
            raise NotSupported(f"{where}: rankql does not support multi-vectors (ColBERT-style) yet")
        return float32s(vectors[0].vector_bytes)
    if msg.vector_bytes:
        return float32s(msg.vector_bytes)
    per_target = getattr(msg, "vector_per_target", {})
    if per_target:
        return float32s(next(iter(per_target.values())))
    return list(msg.vector) or None


def float32s(raw: bytes, what: str = "vector") -> list[float]:
    """Little-endian float32 values (how the v4 client packs vectors); a clear error for a torn tail."""
    if len(raw) % 4:
        raise InvalidRequest(f"{what} bytes must be float32 values: {len(raw)} bytes is not a multiple of 4")
    return list(struct.unpack(f"<{len(raw) // 4}f", raw))


def float64s(raw: bytes, what: str) -> list[float]:
    """Little-endian float64 values (how the v4 client packs number[] properties)."""
    if len(raw) % 8:
        raise InvalidRequest(f"{what} bytes must be float64 values: {len(raw)} bytes is not a multiple of 8")
    return list(struct.unpack(f"<{len(raw) // 8}d", raw))


def _near_vector(msg: Any) -> ast.NearVector:
    _check_selection(msg, "near_vector")
    targets = targets_of(msg, "near_vector")
    per_target = vectors_for_targets(msg, "near_vector", float32s)
    if per_target is not None:
        if targets is None:
            targets = ast.Targets(vectors=list(per_target))
        return ast.NearVector(
            vector_per_target=per_target, targets=targets, **_distance_certainty(msg, "near_vector")
        )
    vector = decode_vector(msg, "near_vector")
    if not vector:
        raise InvalidRequest("near_vector: a vector is required")
    return ast.NearVector(vector=vector, targets=targets, **_distance_certainty(msg, "near_vector"))


def _near_object(msg: Any) -> ast.NearObject:
    _check_selection(msg, "near_object")
    if not msg.id:
        raise InvalidRequest("near_object: id is required")
    targets = targets_of(msg, "near_object")
    return ast.NearObject(id=msg.id, targets=targets, **_distance_certainty(msg, "near_object"))


def _move(msg: Any) -> ast.Move:
    return ast.Move(
        concepts=list(msg.concepts),
        objects=[ast.MoveObject(id=u) for u in msg.uuids],
        force=wire_float(msg.force),
    )


def _near_text(msg: Any) -> ast.NearText:
    _check_selection(msg, "near_text")
    return ast.NearText(
        targets=targets_of(msg, "near_text"),
        concepts=list(msg.query),
        move_to=_move(msg.move_to) if msg.HasField("move_to") else None,
        move_away_from=_move(msg.move_away) if msg.HasField("move_away") else None,
        **_distance_certainty(msg, "near_text"),
    )


def _hybrid(msg: Any) -> ast.Hybrid:
    _check_selection(msg, "hybrid")
    searches = _hybrid_sub_search(msg)
    vector = decode_vector(msg, "hybrid")
    if searches is not None and vector:  # parse_search_request.go's words
        kind = "nearText and query" if isinstance(searches, ast.NearText) else "nearVector and vector"
        raise InvalidRequest(f"cannot combine {kind} in hybrid search")
    alpha = wire_float(msg.alpha)  # clients for servers before 1.36.6 always send alpha (0.7 by default)
    if msg.use_alpha_param:
        alpha = wire_float(msg.alpha_param) if msg.HasField("alpha_param") else 0.75
    if not 0.0 <= alpha <= 1.0:  # the GraphQL binder's check, with its (Weaviate's) message
        raise InvalidRequest("alpha should be between 0.0 and 1.0")
    fusion = "rankedFusion" if msg.fusion_type == 1 else "relativeScoreFusion"
    return ast.Hybrid(
        query=msg.query,
        alpha=alpha,
        vector=vector,
        properties=_property_refs(msg.properties),
        fusion_type=fusion,
        max_vector_distance=wire_float(msg.vector_distance) if msg.HasField("vector_distance") else None,
        bm25_search_operator=_search_operator(msg, "bm25_search_operator", "hybrid"),
        targets=targets_of(msg, "hybrid"),
        searches=searches,
    )


def _hybrid_sub_search(msg: Any) -> ast.NearText | ast.NearVector | None:
    """The v4 client's HybridVector.near_text / near_vector: the vector leg given as a sub-search."""
    if msg.HasField("near_text") and msg.HasField("near_vector"):
        raise InvalidRequest("cannot combine nearText and nearVector in hybrid search")
    if msg.HasField("near_text"):
        return _near_text(msg.near_text)
    if msg.HasField("near_vector"):
        per_target = vectors_for_targets(msg.near_vector, "hybrid", float32s)
        if per_target is not None:  # one vector per target: hybrid's targets say which and how to combine
            return ast.NearVector(
                vector_per_target=per_target, **_distance_certainty(msg.near_vector, "hybrid near_vector")
            )
        vector = decode_vector(msg.near_vector, "hybrid")
        if not vector:
            raise InvalidRequest("hybrid: near_vector needs a vector")
        return ast.NearVector(vector=vector, **_distance_certainty(msg.near_vector, "hybrid near_vector"))
    return None


def _search_operator(msg: Any, field: str, where: str) -> ast.SearchOperator | None:
    """SearchOperatorOptions as the GraphQL searchOperator: OPERATOR_AND is And, anything else Or
    (Weaviate's parse_search_request.go passes the enum's name on, and only OPERATOR_AND means all)."""
    if not msg.HasField(field):
        return None
    options = getattr(msg, field)
    minimum = options.minimum_or_tokens_match if options.HasField("minimum_or_tokens_match") else None
    operator = {2: "And", 3: "AndCross"}.get(options.operator, "Or")  # OPERATOR_AND, OPERATOR_AND_CROSS
    return ast.SearchOperator(operator=operator, minimum_or_tokens_match=minimum)


def _property_refs(names: Any) -> list[ast.PropertyRef] | None:
    refs = []
    for text in names:
        name, _, boost = text.partition("^")
        try:
            refs.append(ast.PropertyRef(name=name, boost=float(boost) if boost else 1.0))
        except ValueError:
            raise InvalidRequest(f"invalid property boost in '{text}': write 'name^2'") from None
    return refs or None


# --- the rest of the request -------------------------------------------------------------------------


def _properties(request: Any, cls: ClassSchema) -> list[ast.PropertyField]:
    """The non-reference properties to return (all of them unless the request names some; references
    come as ref_properties); object-valued ones with every field, or the fields an
    ObjectPropertiesRequest names (runtime/server/grpc_nested.py)."""
    if not request.HasField("properties") or request.properties.return_all_nonref_properties:
        # every property but references and blobs, as Weaviate's getAllNonRefNonBlobProperties
        # (parse_search_request.go: "ignore blobs to not overload the response")
        return [
            ast.PropertyField(name=p.name, fields=all_fields(p))
            for p in cls.properties
            if not p.is_reference and p.data_type != "blob"
        ]
    req = request.properties
    fields = []
    for name in req.non_ref_properties:
        name = name[:1].lower() + name[1:]  # Weaviate lowercases the first letter of a property name
        prop = cls.property(name)
        if prop is None:
            raise InvalidRequest(
                f"get property by name {name} for class {cls.name}: no such prop with name '{name}' found in class '{cls.name}' in the schema. Check your schema files for which properties in this class are available"
            )
        fields.append(ast.PropertyField(name=name, fields=all_fields(prop)))
    for nested in req.object_properties:
        fields.append(requested_object(nested, cls.property(nested.prop_name), cls.name))
    return fields


def _group_by(msg: Any) -> ast.GroupBy:
    if len(msg.path) != 1:
        raise InvalidRequest("group by: currently only one property is supported")
    for name, number in (
        ("number_of_groups", msg.number_of_groups),
        ("objects_per_group", msg.objects_per_group),
    ):
        if number < 1:
            raise InvalidRequest(f"group by: {name} must be at least 1, got {number}")
    return ast.GroupBy(
        path=list(msg.path), groups=msg.number_of_groups, objects_per_group=msg.objects_per_group
    )


def _selection(
    request: Any, props: list[ast.PropertyField], metadata: Any, cls: ClassSchema
) -> list[ast.SelectionItem]:
    """Properties and _additional fields enough to fill the reply the request asks for."""
    # vector=True returns every named vector (Weaviate's extractAdditionalPropsFromMetadata)
    named = list(metadata.vectors) if metadata is not None else []
    if metadata is not None and metadata.vector and cls.vector_names:
        named = cls.vector_names
    wants_vector = metadata is not None and metadata.vector and not cls.vector_names
    rerank = None
    if request.HasField("rerank"):
        args = ast.Rerank(
            property=request.rerank.property,
            query=request.rerank.query if request.rerank.HasField("query") else None,
        )
        rerank = ast.RerankField(args=args, fields=["score"])
    if request.HasField("group_by"):
        hits = ast.GroupHitsSelection(
            properties=props,
            additional=["id", "distance", *(["vector"] if wants_vector else [])],
        )
        group = ast.GroupField(
            fields=["groupedBy", "count", "minDistance", "maxDistance", "hits"],
            grouped_by_fields=["value"],
            hits=hits,
        )
        items: list[ast.AdditionalItem] = [group, *([rerank] if rerank else [])]
        return [ast.AdditionalSelection(items=items)]
    names = ["id"]
    if metadata is not None:
        for flag, name in (
            (wants_vector, "vector"),
            (metadata.distance, "distance"),
            (metadata.certainty, "certainty"),
            (metadata.score, "score"),
            (metadata.explain_score, "explainScore"),
            (metadata.creation_time_unix, "creationTimeUnix"),
            (metadata.last_update_time_unix, "lastUpdateTimeUnix"),
            (metadata.is_consistent, "isConsistent"),
        ):
            if flag:
                names.append(name)
    items: list[ast.AdditionalItem] = [ast.AdditionalScalar(name=n) for n in names]
    if named:
        items.append(ast.VectorsField(names=named))
    if rerank is not None:
        items.append(rerank)
    return [*props, ast.AdditionalSelection(items=items)]
