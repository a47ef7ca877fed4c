"""Lowering: a logical plan and the collection it runs on become a physical plan, once per cached plan.

Every choice of how to run that the plan and the collection's settings decide is made here: HNSW graph or
exact scan, lists or arrays for a page, the C fusion or numpy.
"""

from __future__ import annotations

from typing import Any

from rankql.dsl.plan import (
    Bm25Retrieve,
    CursorRetrieve,
    Cut,
    Fuse,
    Group,
    ListRetrieve,
    LogicalPlan,
    PlanNode,
    Project,
    Rerank,
    Sort,
    VectorRetrieve,
)

from ..errors import RankqlError, SearchError
from ..store.hnsw import dynamic_ef, dynamic_settings
from ..store.thresholds import FLAT_SEARCH_CUTOFF, PAGE_ROWS
from .physical import (
    Bm25Scan,
    CombineTargets,
    CursorScan,
    CutOp,
    ExactScan,
    FilteredScan,
    FuseNative,
    FuseNumpy,
    GroupOp,
    HnswScan,
    ListScan,
    PhysicalNode,
    PhysicalPlan,
    ProjectOp,
    RerankBatch,
    SortOp,
    VectorScan,
)


def lower(plan: LogicalPlan, collection: Any) -> PhysicalPlan:
    """The physical plan of `plan` over `collection` (whose vector index settings it reads)."""
    root = plan.root
    if not isinstance(root, Project):
        raise RankqlError(f"a plan starts with Project, not {root.name}")
    project = ProjectOp(root, children=[_lower(child, collection) for child in root.children], span=root.span)
    return PhysicalPlan(project, collection)


def _lower(node: PlanNode, collection: Any) -> PhysicalNode:
    if isinstance(node, VectorRetrieve):
        return _vector_scan(node, collection)
    children = [_lower(child, collection) for child in node.children]
    span = node.span
    if isinstance(node, Bm25Retrieve):
        return Bm25Scan(
            node.query,
            node.properties,
            node.k,
            node.where,
            node.explain_scores,
            operator=node.operator,
            minimum_match=node.minimum_match,
            span=span,
        )
    if isinstance(node, CursorRetrieve):
        return CursorScan(node.after, node.k, span=span)
    if isinstance(node, ListRetrieve):
        if node.sort:  # sorted in Python over every allowed object, then cut at k
            return SortOp(node.sort, node.k, children=[ListScan(None, node.where, span=span)], span=span)
        return ListScan(node.k, node.where, span=span)
    if isinstance(node, Fuse):
        # The C fusion reads the scans' columns directly; explainScore texts and maxVectorDistance's cut
        # of the keyword set need the result sets of the numpy path.
        if node.explain_scores or node.max_vector_distance is not None:
            return FuseNumpy(node, children=children, span=span)
        return FuseNative(node, children=children, span=span)
    if isinstance(node, Sort):
        return SortOp(node.keys, children=children, span=span)
    if isinstance(node, Cut):
        return CutOp(node, children=children, span=span)
    if isinstance(node, Group):
        return GroupOp(node, children=children, span=span)
    if isinstance(node, Rerank):
        return RerankBatch(node, children=children, span=span)
    raise RankqlError(f"no physical operator for plan node {node.name}")


def _vector_scan(node: VectorRetrieve, collection: Any) -> PhysicalNode:
    """One scan per target searched; several are combined (CombineTargets)."""
    targets = node.targets or _default_target(collection)
    if len(targets) <= 1:
        return _target_scan(node, collection, targets[0] if targets else None)
    # Each target is searched for k (by distance alone when k is all); the bound applies to the
    # combined distance (Weaviate's ObjectVectorSearch and CombineMultiTargetResults).
    scans = [_target_scan(node, collection, t, for_combination=True) for t in targets]
    return CombineTargets(
        node.source,
        list(targets),
        node.combination,
        node.weights,
        node.k,
        node.max_distance,
        children=scans,
        span=node.span,
    )


def _default_target(collection: Any) -> list[str]:
    """No target named: the one named vector, or the class-level vector (Weaviate's
    GetTargetVectorOrDefault); several named vectors need a target."""
    named = list(collection.named)
    if len(named) > 1:
        raise SearchError("multiple vectorizers configuration found, please specify target vector name")
    return named


def _target_scan(
    node: VectorRetrieve, collection: Any, target: str | None, *, for_combination: bool = False
) -> VectorScan:
    """HNSW for an unfiltered search for k; the filter's rule when filtered; exact scan otherwise."""
    vectors = collection.vector_index(target)
    config = vectors.config
    args = {
        "source": node.source,
        "k": node.k,
        "max_distance": node.max_distance,
        "min_certainty": node.min_certainty,
        "where": node.where,
        # a short page without a certainty to check comes back as lists (no numpy call per hit)
        "lists": node.min_certainty is None and node.k is not None and node.k <= PAGE_ROWS,
        "span": node.span,
        "target": target,
    }
    if for_combination and node.k is not None:
        args["max_distance"] = None
    if not vectors.use_hnsw:
        definition = collection.named_definitions.get(target, collection.definition)
        flat = definition.get("vectorIndexType") == "flat"
        why = "vectorIndexType is flat" if flat else f"hnswlib has no {vectors.metric} distance"
        return ExactScan(**args, reason=why)
    if node.k is None:
        return ExactScan(**args, reason="k=all: every object within the distance bound")
    ef = dynamic_ef(node.k, int(config.get("ef", -1)), dynamic_settings(config))
    if node.where is None:
        return HnswScan(**args, ef=ef)
    cutoff = int(config.get("flatSearchCutoff", FLAT_SEARCH_CUTOFF))
    return FilteredScan(**args, cutoff=cutoff, ef=ef)
