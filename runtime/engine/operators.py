"""The work of the physical nodes over a Collection: query vectors, fusion, sort, cut and group."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rankql.dsl import ast
from rankql.dsl.plan import (
    Bm25Retrieve,
    Cut,
    Fuse,
    Group,
    HybridVectorSource,
    NearObjectSource,
    NearTextSource,
    NearVectorSource,
    VectorRetrieve,
    VectorSource,
)
from rankql.dsl.planner import parse_beacon

from ..errors import SearchError
from .autocut import autocut
from .formats import native
from .fusion import KEYWORD_SET, VECTOR_SET, ResultSet, fuse_columns, ranked_fusion, relative_score_fusion
from .hits import Hit, HitList


@dataclass
class HitGroup:
    """A groupBy group: its 0-based id (order of first appearance), the shared value, its hits in rank order."""

    id: int
    value: Any
    hits: list[Hit] = field(default_factory=list)
    leader: Hit | None = None  # the reranked copy of hits[0], when the groups were reranked


class Context:
    """What the operators of one class field share: the database, the collection, the where filter's ids."""

    def __init__(self, db: Any, collection: Any, *, analyze: bool = False) -> None:
        self.db = db
        self.collection = collection
        self._allow: dict[int, np.ndarray] = {}
        self.analyze = analyze
        self.notes: dict[int, str] = {}  # id(physical node) -> the run-time choice it took (analyze only)
        # The bound query's given vector when its plan was made for a query with another one (plan_cache)
        self.vector: list[float] | None = None
        # (id(source), target) -> query vector: a multi-target search embeds once per target
        self.query_vectors: dict[tuple[int, str | None], np.ndarray] = {}

    def allow(self, where: ast.Where | None) -> np.ndarray | None:
        """Ids passing `where` (computed once per filter, shared by both hybrid sub-searches)."""
        if where is None:
            return None
        key = id(where)
        if key not in self._allow:
            self._allow[key] = self.collection.filter(where)
        return self._allow[key]


# --- query vectors ---------------------------------------------------------------------------------


def query_vector(source: VectorSource, ctx: Context, target: str | None = None) -> np.ndarray:
    """The vector a vector search looks for (in the space of `target`, a named vector, when given)."""
    if target is None:
        return _query_vector(source, ctx, None)
    key = (id(source), target)
    found = ctx.query_vectors.get(key)
    if found is None:
        found = ctx.query_vectors[key] = _query_vector(source, ctx, target)
    return found


def _query_vector(source: VectorSource, ctx: Context, target: str | None) -> np.ndarray:
    """Given, an object's, or embedded text (concepts averaged, moved)."""
    col = ctx.collection
    if isinstance(source, NearVectorSource):
        given = ctx.vector  # a cached plan's query run with this query's own vector (plan_cache)
        if given is not None and not (source.per_target and target in source.per_target):
            return float32_vector(given)
        return float32_vector(source.vector_for(target))
    if isinstance(source, HybridVectorSource) and source.vector:
        given = ctx.vector
        return float32_vector(source.vector if given is None else given)
    if isinstance(source, NearObjectSource):
        return object_vector(ctx, source.object_id, source.object_class, "nearObject", target)
    if isinstance(source, HybridVectorSource):
        return col.embed_queries([source.query], target)[0]
    assert isinstance(source, NearTextSource)
    near_text = source.near_text
    if near_text.move_to is None and near_text.move_away_from is None and len(near_text.concepts) == 1:
        # the common case: one concept, no moves (the mean of one row is that row)
        return np.asarray(col.embed_queries(near_text.concepts, target), dtype=np.float32)[0]
    moves = [m for m in (near_text.move_to, near_text.move_away_from) if m is not None and m.force > 0]
    texts = list(near_text.concepts) + [c for m in moves for c in m.concepts]
    embedded = np.asarray(col.embed_queries(texts, target), dtype=np.float32)
    vector = embedded[: len(near_text.concepts)].mean(axis=0)
    used = len(near_text.concepts)
    for move in (near_text.move_to, near_text.move_away_from):
        if move is None or move.force <= 0:
            continue
        parts = []
        if move.concepts:
            parts.append(embedded[used : used + len(move.concepts)].mean(axis=0))
            used += len(move.concepts)
        for obj in move.objects:
            ref_class, ref_id = _object_ref(obj)
            parts.append(object_vector(ctx, ref_id, ref_class, "nearText.moveTo/moveAwayFrom", target))
        toward = np.mean(parts, axis=0)  # not `target`: that names the vector space searched
        half = move.force / 2.0
        if move is near_text.move_to:
            vector = vector * (1.0 - half) + toward * half
        else:
            vector = vector + half * (vector - toward)
    return vector.astype(np.float32)


def float32_vector(values: Any) -> np.ndarray:
    """A given vector as float32, rounded as numpy rounds; in one C pass for a list of floats (a query
    vector of a few hundred floats costs numpy more than the rest of a short query's engine work)."""
    if native is not None and type(values) is list:
        packed = native.float32_bytes(values)
        if packed is not None:
            return np.frombuffer(packed, dtype=np.float32)
    return np.asarray(values, dtype=np.float32)


def _object_ref(obj: ast.MoveObject) -> tuple[str | None, str]:
    if obj.id:
        return None, obj.id
    return parse_beacon(obj.beacon or "")


def object_vector(
    ctx: Context, uuid: str, class_name: str | None, where: str, target: str | None = None
) -> np.ndarray:
    col = (
        ctx.collection
        if not class_name or class_name == ctx.collection.name
        else ctx.db.collection(class_name)
    )
    doc_id = col.doc_id_of(uuid)
    if doc_id is not None and target is None and col.named:
        if len(col.named) > 1:  # Weaviate (usecases/traverser/near_params_vector.go)
            raise SearchError("multiple vectors found, specify target vector")
        target = next(iter(col.named))
    vector = None if doc_id is None else col.vector_of(doc_id, target if target in col.vector_names else None)
    if vector is None:
        if doc_id is not None and target is not None:
            raise SearchError(f"{where}: vector not found for target: {target}")
        raise SearchError(
            f"{where}: no object with id '{uuid}' and a vector in class '{col.name}'",
            hint="check the id (or beacon weaviate://localhost/<Class>/<uuid>) of an existing object",
        )
    return np.asarray(vector, dtype=np.float32)


# --- fusion, sort, cut, group ---------------------------------------------------------------------


def fuse_native(node: Fuse, inputs: Sequence[Sequence[Hit]], ctx: Context) -> HitList:
    """The columns of the vector set (first) and the keyword set straight to the C fusion: no result sets,
    no explain texts. Where the C module declines (not built, a non-finite value), the numpy path answers."""
    columns = []
    for child, hits in zip(node.children, inputs, strict=True):
        got = as_columns(hits)
        if isinstance(child, VectorRetrieve) and len(got.ids):
            columns.append((got.ids, np.float32(1) - np.asarray(got.distances, dtype=np.float32), node.alpha))
        elif isinstance(child, Bm25Retrieve) and len(got.ids):
            columns.append((got.ids, got.scores, 1.0 - node.alpha))
    col = ctx.collection
    fused = fuse_columns(node.fusion_type != "rankedFusion", columns, col.uuid_ranks())
    if fused is not None:
        return fused
    if ctx.analyze:
        ctx.notes[id(node)] = "the C fusion declined: numpy"
    return fuse_numpy(node, inputs, ctx)


def fuse_numpy(node: Fuse, inputs: Sequence[Sequence[Hit]], ctx: Context) -> HitList:
    """Result sets fused in numpy: explainScore texts, and maxVectorDistance's cut of the keyword set.
    Vector set first, keyword set second (the order of Weaviate's explainScore)."""
    vector_hits = keyword = vector_values = None
    for child, hits in zip(node.children, inputs, strict=True):
        if isinstance(child, VectorRetrieve):
            vector_hits = as_columns(hits)
            vector_values = np.float32(1) - np.asarray(vector_hits.distances, dtype=np.float32)
        elif isinstance(child, Bm25Retrieve):
            keyword = (child, as_columns(hits))
    col = ctx.collection
    sets: list[ResultSet] = []
    if vector_hits is not None:
        sets.append(ResultSet(VECTOR_SET, node.alpha, vector_hits, vector_values))
    if keyword is not None:
        child, hits = keyword
        if node.max_vector_distance is not None and vector_hits is not None:
            # maxVectorDistance also removes keyword hits outside the surviving vector set
            rows = np.flatnonzero(np.isin(np.asarray(hits.ids), np.asarray(vector_hits.ids)))
            hits = HitList(
                np.asarray(hits.ids)[rows],
                scores=np.asarray(hits.scores)[rows],
                explains=None if hits.explains is None else [hits.explains[i] for i in rows.tolist()],
            )
        explains = [e or "" for e in hits.explains] if child.explain_scores and hits.explains else []
        sets.append(ResultSet(KEYWORD_SET, 1.0 - node.alpha, hits, hits.scores, explains))
    fusion = ranked_fusion if node.fusion_type == "rankedFusion" else relative_score_fusion
    return fusion(sets, col.uuid_of, explain=node.explain_scores, ranks=col.uuid_ranks())


def as_columns(hits: Sequence[Hit]) -> HitList:
    """Retrieval hands fusion a HitList; anything else is turned into one."""
    if isinstance(hits, HitList):
        return hits
    return HitList(
        [h.doc_id for h in hits],
        distances=[h.distance for h in hits],
        scores=[h.score for h in hits],
        explains=[h.explain for h in hits],
    )


def _sort_value(value: Any) -> tuple:
    """Nulls (and empty arrays, which Weaviate stores as null) sort before every value."""
    if value is None or (isinstance(value, list) and not value):
        return (0,)
    if isinstance(value, dict) or (isinstance(value, list) and isinstance(value[0], dict)):
        return (1, _object_key(value))
    return (1, value)


def _object_key(value: Any) -> tuple:
    """As Weaviate's sorter (adapters/repos/db/sorter): geoCoordinates by (longitude, latitude), phoneNumber
    by (countryCode, national); object values compare equal (its anyComparator)."""
    if isinstance(value, dict) and set(value) == {"latitude", "longitude"}:
        return (value["longitude"], value["latitude"])
    if isinstance(value, dict) and "countryCode" in value:
        return (value["countryCode"], value["national"])
    return ()


def sort_hits(hits: list[Hit], keys: list[ast.SortKey], col: Any) -> list[Hit]:
    """Lexicographic over keys, ties by uuid ascending; stable passes from the last key to the first."""
    ordered = sorted(hits, key=lambda h: col.uuid_of(h.doc_id))
    for key in reversed(keys):
        name = key.path[0]
        if name == "_id":
            values = lambda h: (1, col.uuid_of(h.doc_id))  # noqa: E731
        elif name == "_creationTimeUnix":
            values = lambda h: (1, col.created_ms(h.doc_id))  # noqa: E731
        elif name == "_lastUpdateTimeUnix":
            values = lambda h: (1, col.updated_ms(h.doc_id))  # noqa: E731
        else:
            column = col.column(name)
            values = lambda h, column=column: _sort_value(column[h.doc_id])  # noqa: E731
        ordered.sort(key=values, reverse=key.order == "desc")
    return ordered


def cut(node: Cut, hits: list[Hit]) -> list[Hit]:
    end = None if node.limit is None else node.offset + node.limit
    if node.autocut and node.autocut_at == "top":
        top = hits[:end]
        top = top[: autocut(_metric(top, node.metric), node.autocut)]
        return top[node.offset :]
    page = hits[node.offset : end]
    if node.autocut:
        page = page[: autocut(_metric(page, node.metric), node.autocut)]
    return page


def _metric(hits: list[Hit], metric: str) -> list[float]:
    if metric == "distance":
        return [h.distance if h.distance is not None else 0.0 for h in hits]
    return [h.score if h.score is not None else 0.0 for h in hits]


def group(node: Group, hits: list[Hit], ctx: Context) -> list[HitGroup]:
    """As Weaviate's grouper (adapters/repos/db/shard_group_by.go): walk hits in order; full groups skip
    the value, a new group past `groups` is skipped."""
    column = ctx.collection.column(node.path[0])
    groups: dict[Any, HitGroup] = {}
    for hit in hits:
        value = column[hit.doc_id]
        values = value if isinstance(value, list) else [value]
        for v in values:
            if v is None:
                continue
            if isinstance(v, dict):  # geo, phone, object: grouped by the stored JSON text, as Weaviate
                v = json.dumps(v, separators=(",", ":"), ensure_ascii=False)
            key = (type(v).__name__, v)
            current = groups.get(key)
            if current is None:
                if len(groups) >= node.groups:
                    continue
                current = groups[key] = HitGroup(len(groups), v)
            if len(current.hits) >= node.objects_per_group:
                continue
            current.hits.append(hit)
    return list(groups.values())
