"""Physical plan nodes: how each step runs over a collection, each printing itself on one line for explain.

The lowering (lower.py) makes every choice that can be made from the plan and the collection's settings;
a node whose choice depends on data known only when it runs (the where filter's allowed count) holds the
rule, and explain analyze shows the choice it took.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rankql.dsl import ast
from rankql.dsl.plan import (
    Cut,
    Described,
    Fuse,
    Group,
    Project,
    Rerank,
    VectorSource,
    describe_operator,
    describe_where,
    number,
    quote,
    render_tree,
    tenant_detail,
)

from ..store.thresholds import PAGE_ROWS, postfilter_wins
from . import operators as ops
from .hits import Hit, HitList
from .targets import combine

Rows = Sequence[Any]  # hits, or groups of hits above a GroupOp


@dataclass(eq=False)
class PhysicalNode(Described):
    """A step that runs: `run(ctx, its children's rows)` -> rows. `span` points at the clause it came from."""

    children: list[PhysicalNode] = field(default_factory=list, kw_only=True)

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        raise NotImplementedError(self.name)

    def walk(self) -> Iterator[PhysicalNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def _k(k: int | None) -> str:
    return f"k={'all' if k is None else k}"


# --- vector scans ---------------------------------------------------------------------------------


@dataclass(eq=False)
class VectorScan(PhysicalNode):
    """The k nearest to a query vector. `lists`: the page comes back as Python lists (k <= PAGE_ROWS and no
    certainty to check), else as arrays."""

    source: VectorSource
    k: int | None
    max_distance: float | None = None
    min_certainty: float | None = None
    where: ast.Where | None = None
    lists: bool = False
    target: str | None = None  # the named vector searched; None: the class-level vector

    def tail(self) -> list[str]:
        parts = [f"target={self.target}"] if self.target is not None else []
        parts.append(_k(self.k))
        if self.max_distance is not None:
            parts.append(f"maxDistance={number(self.max_distance)}")
        if self.min_certainty is not None:
            parts.append(f"certainty>={number(self.min_certainty)}")
        if self.where is not None:
            parts.append(f"where={describe_where(self.where)}")
        parts.append("rows=lists" if self.lists else "rows=arrays")
        return parts

    def exact(self, ctx: ops.Context, allow: np.ndarray | None) -> bool:
        """Whether this run scans exactly (True) or walks the HNSW graph (False)."""
        raise NotImplementedError(self.name)

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        col = ctx.collection
        allow = ctx.allow(self.where)
        exact = self.exact(ctx, allow)
        vector = ops.query_vector(self.source, ctx, self.target)
        if self.lists:
            # A page: lists straight from the store, so that no numpy call comes between hnswlib and Hits.
            ids, distances = col.vector_search(
                vector, self.k, allow, self.max_distance, exact=exact, lists=True, target=self.target
            )
            return list(map(Hit, ids, distances))
        ids, distances = col.vector_search(
            vector, self.k, allow, self.max_distance, exact=exact, target=self.target
        )
        if self.min_certainty is not None:
            # certainty = 1 - d/2 in float32; the distance bound above is the same test up to rounding
            keep = np.float32(1) - distances / np.float32(2) >= np.float32(self.min_certainty)
            ids, distances = ids[keep], distances[keep]
        if len(ids) <= PAGE_ROWS:  # a page: as lists now, so that reading its Hits needs no numpy call
            return HitList(ids.tolist(), distances=distances.tolist())
        return HitList(ids, distances=distances)


@dataclass(eq=False)
class HnswScan(VectorScan):
    """An unfiltered search of the HNSW graph (hnswlib), ef chosen as Weaviate does for k."""

    ef: int = 0

    def details(self) -> list[str]:
        return [*self.source.details(), f"ef={self.ef}", *self.tail()]

    def exact(self, ctx: ops.Context, allow: np.ndarray | None) -> bool:
        return False


@dataclass(eq=False)
class ExactScan(VectorScan):
    """Every stored vector compared with the query (numpy): `reason` says why the graph is not used."""

    reason: str = ""

    def details(self) -> list[str]:
        return [*self.source.details(), *self.tail(), f"because {self.reason}"]

    def exact(self, ctx: ops.Context, allow: np.ndarray | None) -> bool:
        return True


@dataclass(eq=False)
class FilteredScan(VectorScan):
    """A filtered search: exact over the allowed ids when the where filter lets at most `cutoff` through
    (Weaviate's flatSearchCutoff), else the HNSW graph: searched unfiltered and the allowed kept when they
    are a large share (thresholds.postfilter_wins, the store's rule), else with hnswlib's filter."""

    cutoff: int = 0
    ef: int = 0

    def details(self) -> list[str]:
        rule = f"exact if allowed <= {self.cutoff} (flatSearchCutoff), else hnsw ef={self.ef} filtered"
        return [*self.source.details(), *self.tail(), rule]

    def exact(self, ctx: ops.Context, allow: np.ndarray | None) -> bool:
        count = 0 if allow is None else len(allow)
        exact = count <= self.cutoff
        if ctx.analyze:
            if exact:
                note = f"exact: {count} allowed <= {self.cutoff}"
            elif postfilter_wins(count, len(ctx.collection.vector_index(self.target))):
                note = f"hnsw post-filtered: {count} allowed > {self.cutoff}"
            else:
                note = f"hnsw filtered: {count} allowed > {self.cutoff}"
            ctx.notes[id(self)] = note
        return exact


@dataclass(eq=False)
class CombineTargets(PhysicalNode):
    """Several named vectors searched (one scan each, below) and their distances combined as Weaviate's
    combination methods do (targets.py)."""

    source: VectorSource
    targets: list[str]
    combination: str
    weights: list[float] | None
    k: int | None
    max_distance: float | None = None

    def details(self) -> list[str]:
        parts = [f"combination={self.combination}", f"targets=[{', '.join(self.targets)}]"]
        if self.weights is not None:
            parts.append(f"weights=[{', '.join(number(w) for w in self.weights)}]")
        parts.append(_k(self.k))
        if self.max_distance is not None:
            parts.append(f"maxDistance={number(self.max_distance)}")
        return parts

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        queries = [ops.query_vector(self.source, ctx, t) for t in self.targets]
        results = [ops.as_columns(rows) for rows in inputs]
        return combine(
            self.combination,
            self.targets,
            self.weights,
            results,
            queries,
            ctx.collection,
            self.k,
            self.max_distance,
        )


# --- other scans ------------------------------------------------------------------------------------


@dataclass(eq=False)
class Bm25Scan(PhysicalNode):
    """The k best BM25F matches from the keyword index's postings; ties ordered by uuid."""

    query: str
    properties: list[tuple[str, float]] | None
    k: int | None
    where: ast.Where | None = None
    explain_scores: bool = False
    operator: str = "Or"
    minimum_match: int = 0

    def details(self) -> list[str]:
        props = "*" if self.properties is None else ",".join(n for n, _ in self.properties)
        parts = [f"query={quote(self.query)}", f"properties={props}", *describe_operator(self), _k(self.k)]
        if self.where is not None:
            parts.append(f"where={describe_where(self.where)}")
        if self.explain_scores:
            parts.append("explainScore texts")
        return parts

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        allow = ctx.allow(self.where)
        ids, scores, texts = ctx.collection.bm25_search(
            self.query,
            self.properties,
            allow,
            self.k,
            self.explain_scores,
            operator=self.operator,
            minimum_match=self.minimum_match,
        )
        return HitList(ids, scores=scores, explains=texts)


@dataclass(eq=False)
class ListScan(PhysicalNode):
    """Live objects in uuid order (those passing `where`), the first k."""

    k: int | None
    where: ast.Where | None = None

    def details(self) -> list[str]:
        parts = ["uuid order", _k(self.k)]
        if self.where is not None:
            parts.append(f"where={describe_where(self.where)}")
        return parts

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        ids = ctx.collection.list_ids(ctx.allow(self.where))
        return HitList(ids if self.k is None else ids[: self.k])


@dataclass(eq=False)
class CursorScan(PhysicalNode):
    """The k objects after a uuid, in uuid order (a binary search in the uuid order)."""

    after: str
    k: int | None

    def details(self) -> list[str]:
        return [f"after={self.after}", _k(self.k)]

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        col = ctx.collection
        ids = col.list_ids(None)
        start = bisect.bisect_right(ids, self.after.lower(), key=col.uuid_of)
        return HitList(ids[start : start + (self.k or 0)])


# --- fusion and the steps above the scans -----------------------------------------------------------


@dataclass(eq=False)
class FuseNative(PhysicalNode):
    """Hybrid fusion in the C module, from the scans' columns (no explainScore, no maxVectorDistance)."""

    fuse: Fuse

    def details(self) -> list[str]:
        return self.fuse.details()

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        return ops.fuse_native(self.fuse, inputs, ctx)


@dataclass(eq=False)
class FuseNumpy(PhysicalNode):
    """Hybrid fusion over result sets in numpy: explainScore texts, maxVectorDistance's keyword cut."""

    fuse: Fuse

    def details(self) -> list[str]:
        parts = self.fuse.details()
        if self.fuse.explain_scores:
            parts.append("explainScore texts")
        return parts

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        return ops.fuse_numpy(self.fuse, inputs, ctx)


@dataclass(eq=False)
class SortOp(PhysicalNode):
    """A stable sort by property keys (nulls first ascending), ties by uuid; the first k kept."""

    keys: list[ast.SortKey]
    k: int | None = None

    def details(self) -> list[str]:
        keys = ",".join(f"{'.'.join(k.path)} {k.order}" for k in self.keys)
        return [keys, _k(self.k)] if self.k is not None else [keys]

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        ordered = ops.sort_hits(list(inputs[0]), self.keys, ctx.collection)
        return ordered if self.k is None else ordered[: self.k]


@dataclass(eq=False)
class CutOp(PhysicalNode):
    """Offset, limit and autocut (a slice; autocut reads distances or scores)."""

    cut: Cut

    def details(self) -> list[str]:
        return self.cut.details()

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        return ops.cut(self.cut, inputs[0])


@dataclass(eq=False)
class GroupOp(PhysicalNode):
    """groupBy: one pass over the hits in rank order, grouping by one property's values."""

    group: Group

    def details(self) -> list[str]:
        return self.group.details()

    def run(self, ctx: ops.Context, inputs: Sequence[Rows]) -> Rows:
        return ops.group(self.group, inputs[0], ctx)


@dataclass(eq=False)
class RerankBatch(PhysicalNode):
    """The rerank: every class field's documents of a Get go to the reranker in shared batches (and cache);
    the executor runs it between the steps below and above it."""

    rerank: Rerank

    def details(self) -> list[str]:
        parts = [f"reranker={self.rerank.module or '?'}"]
        if self.rerank.on_groups:
            parts.append("on=group leaders")
        return parts


@dataclass(eq=False)
class ProjectOp(PhysicalNode):
    """The response objects: the selection compiled once into column makers, filled page by page."""

    project: Project

    @property
    def name(self) -> str:
        return "Project"

    def details(self) -> list[str]:
        shown = [
            self.project.details()[0],
            *tenant_detail(self.project.tenant),
            f"{len(self.project.fields)} fields",
        ]
        if self.project.references:  # resolved per page, in the query's read view (engine/references.py)
            shown.append(f"resolve=[{', '.join(self.project.references)}]")
        return shown


@dataclass(eq=False)
class PhysicalPlan:
    """The physical plan of one class field, lowered once per cached plan and collection."""

    root: ProjectOp
    collection: Any

    def nodes(self) -> list[PhysicalNode]:
        return list(self.root.walk())

    def render(self, annotate: Callable[[PhysicalNode], str] | None = None, indent: int = 0) -> str:
        """One node per line, two spaces per level; `annotate(node)` may append text to a line."""
        return render_tree(self.root, annotate, indent)
