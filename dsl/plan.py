"""Logical plan nodes: what a Get query computes, each node printing itself on one line for explain."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import ast
from .source import Span

_SYMBOLS = {
    "Equal": "=",
    "NotEqual": "!=",
    "GreaterThan": ">",
    "GreaterThanEqual": ">=",
    "LessThan": "<",
    "LessThanEqual": "<=",
}


def quote(text: str) -> str:
    """A string as JSON writes it: explain output stays on one line and unambiguous."""
    return json.dumps(text, ensure_ascii=False)


def number(value: float | int | None) -> str:
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.10g}"  # (1 - 0.95) * 2 shows as 0.1, not 0.10000000000000009
    return repr(value)


def describe_where(where: ast.Where) -> str:
    """A compact one-line form of a where filter: `wordCount > 100`, `And(a = "x", b IsNull true)`."""
    if where.operator in ast.LOGICAL_OPERATORS:
        return f"{where.operator}({', '.join(describe_where(w) for w in where.operands)})"
    # a path through references: inCity->City.name (the leaf filters the referenced class)
    steps = list(where.path or [])
    if len(steps) % 2:
        path = "".join(f"{steps[i]}->{steps[i + 1]}." for i in range(0, len(steps) - 1, 2)) + steps[-1]
    else:
        path = ".".join(steps)
    op = _SYMBOLS.get(where.operator, where.operator)
    value = where.value
    if isinstance(value, ast.GeoRange):  # location WithinGeoRange 2000m of (52.37, 4.9)
        point = f"({number(value.latitude)}, {number(value.longitude)})"
        return f"{path} {op} {number(value.max_distance)}m of {point}"
    shown = "[" + ", ".join(_value(v) for v in value) + "]" if isinstance(value, list) else _value(value)
    return f"{path} {op} {shown}"


def _value(value: Any) -> str:
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return number(value)


@dataclass(eq=False)
class Described:
    """What logical and physical plan nodes share: the clause they came from, and one line for explain."""

    span: Span | None = field(default=None, repr=False, kw_only=True)

    @property
    def name(self) -> str:
        return type(self).__name__

    def details(self) -> list[str]:
        return []

    def describe(self) -> str:
        """`Name: key=value, ...` on one line."""
        parts = self.details()
        return f"{self.name}: {', '.join(parts)}" if parts else self.name


def render_tree(root: Any, annotate: Callable[[Any], str] | None = None, indent: int = 0) -> str:
    """A plan (logical or physical) one node per line, two spaces per level from `indent`; `annotate(node)`
    may append text in brackets. A node has `describe()` and `children`."""
    lines: list[str] = []

    def visit(node: Any, depth: int) -> None:
        extra = annotate(node) if annotate else ""
        lines.append("  " * depth + node.describe() + (f"  [{extra}]" if extra else ""))
        for child in node.children:
            visit(child, depth + 1)

    visit(root, indent)
    return "\n".join(lines)


@dataclass(eq=False)
class PlanNode(Described):
    """A step of the plan. `span` points at the clause an error in this step is reported against."""

    children: list[PlanNode] = field(default_factory=list, kw_only=True)

    def walk(self) -> Iterator[PlanNode]:
        """This node, then its descendants, depth first (the order explain prints them)."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(eq=False)
class NearTextSource:
    """The query vector is the class vectorizer's embedding of the concepts (averaged, then moved)."""

    near_text: ast.NearText

    def details(self) -> list[str]:
        parts = [f"nearText={quote(' '.join(self.near_text.concepts))}"]
        if self.near_text.move_to is not None:
            parts.append(f"moveTo.force={number(self.near_text.move_to.force)}")
        if self.near_text.move_away_from is not None:
            parts.append(f"moveAwayFrom.force={number(self.near_text.move_away_from.force)}")
        return parts


@dataclass(eq=False)
class NearVectorSource:
    """The query vector is given (one per target with vectorPerTarget)."""

    vector: list[float]
    per_target: dict[str, list[float]] | None = None

    def details(self) -> list[str]:
        if self.per_target:
            shown = ", ".join(f"{name}: {len(v)} dims" for name, v in self.per_target.items())
            return [f"nearVector=[{shown}]"]
        return [f"nearVector=[{len(self.vector)} dims]"]

    def vector_for(self, target: str | None) -> list[float]:
        if self.per_target and target in self.per_target:
            return self.per_target[target]
        return self.vector


@dataclass(eq=False)
class NearObjectSource:
    """The query vector is a stored object's (of this class, or of the beacon's class)."""

    object_id: str
    object_class: str | None = None

    def details(self) -> list[str]:
        return [f"nearObject={self.object_id}"]


@dataclass(eq=False)
class HybridVectorSource:
    """Hybrid's vector half: the given vector, or the class vectorizer's embedding of the query."""

    query: str
    vector: list[float] | None = None

    def details(self) -> list[str]:
        return [f"vector=[{len(self.vector)} dims]" if self.vector else f"nearText={quote(self.query)}"]


VectorSource = NearTextSource | NearVectorSource | NearObjectSource | HybridVectorSource


@dataclass(eq=False)
class Retrieve(PlanNode):
    """Candidates from the store; one subclass per way of finding them. `k` None: every candidate."""

    k: int | None = None
    where: ast.Where | None = None

    def tail(self) -> list[str]:
        """k and the where filter, the last parts of every retrieve line."""
        parts = [f"k={'all' if self.k is None else self.k}"]
        if self.where is not None:
            parts.append(f"where={describe_where(self.where)}")
        return parts


@dataclass(eq=False, kw_only=True)
class VectorRetrieve(Retrieve):
    """The k nearest objects to a query vector, within a distance (or certainty) bound when given."""

    source: VectorSource
    max_distance: float | None = None
    min_certainty: float | None = None
    # The named vectors searched (None: the class-level vector) and, for several, how their distances
    # combine (Weaviate's combination methods; weights for manualWeights and relativeScore).
    targets: list[str] | None = None
    combination: str = "minimum"
    weights: list[float] | None = None

    def details(self) -> list[str]:
        parts = self.source.details() + describe_targets(self.targets, self.combination, self.weights)
        parts.append(f"k={'all' if self.k is None else self.k}")
        if self.max_distance is not None:
            parts.append(f"maxDistance={number(self.max_distance)}")
        if self.min_certainty is not None:
            parts.append(f"certainty>={number(self.min_certainty)}")
        if self.where is not None:
            parts.append(f"where={describe_where(self.where)}")
        return parts


@dataclass(eq=False, kw_only=True)
class Bm25Retrieve(Retrieve):
    """The k best BM25F matches of a keyword query over some (boosted) properties, or all searchable."""

    query: str
    properties: list[tuple[str, float]] | None = None  # None: every searchable property
    explain_scores: bool = False
    operator: str = "Or"  # bm25 searchOperator: And needs every query token
    minimum_match: int = 0  # Or: how many query tokens a doc must hold (0 and 1: any)

    def details(self) -> list[str]:
        props = "*" if self.properties is None else ",".join(_prop(n, b) for n, b in self.properties)
        return [f"query={quote(self.query)}", f"properties={props}", *describe_operator(self), *self.tail()]


def describe_targets(targets: list[str] | None, combination: str, weights: list[float] | None) -> list[str]:
    """`targets=[a]`, and for several `combination=sum` (with `weights=[...]` where they are given)."""
    if not targets:
        return []
    parts = [f"targets=[{', '.join(targets)}]"]
    if len(targets) > 1:
        parts.append(f"combination={combination}")
        if weights is not None:
            parts.append(f"weights=[{', '.join(number(w) for w in weights)}]")
    return parts


def describe_operator(node: Any) -> list[str]:
    """ "operator=And" or "operator=Or(min=2)" when the search narrows Or's any-token match, else nothing."""
    if node.operator in ("And", "AndCross"):
        return [f"operator={node.operator}"]
    return [f"operator=Or(min={node.minimum_match})"] if node.minimum_match > 1 else []


@dataclass(eq=False, kw_only=True)
class ListRetrieve(Retrieve):
    """A plain listing: objects passing `where`, in uuid order or by sort keys."""

    sort: list[ast.SortKey] | None = None

    def details(self) -> list[str]:
        return ["order=" + (_sort(self.sort) if self.sort else "uuid"), *self.tail()]


@dataclass(eq=False, kw_only=True)
class CursorRetrieve(Retrieve):
    """A cursor page: the k objects after a uuid, in uuid order."""

    after: str

    def details(self) -> list[str]:
        return [f"after={self.after}", "order=uuid", *self.tail()]


def _prop(name: str, boost: float) -> str:
    return name if boost == 1.0 else f"{name}^{number(boost)}"


def _sort(keys: list[ast.SortKey]) -> str:
    return ",".join(f"{'.'.join(k.path)} {k.order}" for k in keys)


@dataclass(eq=False)
class Fuse(PlanNode):
    """Hybrid: the vector and keyword candidate sets fused into one ranking."""

    fusion_type: str
    alpha: float
    max_vector_distance: float | None = None
    explain_scores: bool = False  # explainScore selected: build the per-set explanation strings

    def details(self) -> list[str]:
        parts = [
            self.fusion_type,
            f"vector={number(self.alpha)}",
            f"keyword={number(round(1 - self.alpha, 6))}",
        ]
        if self.max_vector_distance is not None:
            parts.append(f"maxVectorDistance={number(self.max_vector_distance)}")
        return parts


@dataclass(eq=False)
class Sort(PlanNode):
    """Order by property keys (nulls first ascending), ties by uuid."""

    keys: list[ast.SortKey]

    def details(self) -> list[str]:
        return [_sort(self.keys)]


@dataclass(eq=False)
class Cut(PlanNode):
    """Offset, limit and autocut; `autocut_at` says where the spec applies autocut on this path."""

    offset: int
    limit: int | None
    autocut: int | None = None
    autocut_at: str = "page"  # "page" (vector: after slicing) or "top" (bm25/hybrid: before the offset)
    metric: str = "distance"  # which value autocut reads: distance or score

    def details(self) -> list[str]:
        parts = [f"offset={self.offset}", f"limit={'all' if self.limit is None else self.limit}"]
        if self.autocut:
            where = "on the page" if self.autocut_at == "page" else "before offset"
            parts.append(f"autocut={self.autocut} ({self.metric}, {where})")
        return parts


@dataclass(eq=False)
class Group(PlanNode):
    """groupBy: hits walked in rank order into groups of one property value."""

    path: list[str]
    groups: int
    objects_per_group: int

    def details(self) -> list[str]:
        return [
            f"path={'.'.join(self.path)}",
            f"groups={self.groups}",
            f"objectsPerGroup={self.objects_per_group}",
        ]


@dataclass(eq=False)
class Rerank(PlanNode):
    """The rerank stage over the final page (or the first-stage top `window`), group leaders if grouped."""

    args: ast.Rerank
    module: str | None
    query: str | None  # what the reranker receives: the rerank query or the search-query fallback
    search_query: str | None
    on_groups: bool = False

    def details(self) -> list[str]:
        a = self.args
        parts = [f"reranker={self.module or '?'}"]
        docs = a.documents_from()
        parts.append(("property=" if len(docs) == 1 else "properties=") + (",".join(docs) or "none"))
        shown = quote(self.query if self.query is not None else "")
        if a.query is None and self.query:
            shown += " (search query)"
        parts.append(f"query={shown}")
        if a.window is not None:
            parts.append(f"window={a.window}")
        for key, value in (("minScore", a.min_score), ("autocut", a.autocut), ("blend", a.blend)):
            if value is not None:
                parts.append(f"{key}={number(value)}")
        if a.on_error != "FAIL":
            parts.append(f"onError={a.on_error}")
        if self.on_groups:
            parts.append("on=group leaders")
        return parts


@dataclass(eq=False)
class Project(PlanNode):
    """The response shape: one list under the alias or class name, the selected fields in order."""

    key: str
    class_name: str
    fields: list[str]
    tenant: str | None = None
    references: list[str] = field(default_factory=list)  # the references resolved while projecting

    def details(self) -> list[str]:
        head = self.class_name if self.key == self.class_name else f"{self.key}: {self.class_name}"
        return [head, *tenant_detail(self.tenant), f"fields=[{', '.join(self.fields)}]"]


def tenant_detail(tenant: str | None) -> list[str]:
    """`tenant="A"` in a plan line when the query names a tenant (its shard answers)."""
    return [f"tenant={quote(tenant)}"] if tenant else []


@dataclass(eq=False)
class LogicalPlan:
    """The plan of one class field of Get."""

    query: ast.GetQuery
    root: PlanNode

    @property
    def key(self) -> str:
        return self.query.key

    def nodes(self) -> list[PlanNode]:
        return list(self.root.walk())

    def render(self, annotate: Callable[[Any], str] | None = None, indent: int = 0) -> str:
        """One node per line, two spaces per level (from `indent`); `annotate(node)` may append text."""
        return render_tree(self.root, annotate, indent)
