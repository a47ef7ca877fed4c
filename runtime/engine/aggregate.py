"""Aggregate: its physical operators, lowering and run, over the same retrieval operators as Get."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rankql.dsl import ast
from rankql.dsl.aggregate_plan import Aggregate, GroupAggregate, plan_aggregate
from rankql.dsl.source import Source

from ..errors import RankqlError
from . import operators as ops
from .aggregations import aggregate_property, values_of
from .executor import OpStats
from .hits import HitList
from .lower import _lower
from .physical import PhysicalNode


@dataclass(eq=False)
class AggregateOp(PhysicalNode):
    """Reads the selected properties' columns for the searched objects and aggregates them."""

    plan: Aggregate
    query: ast.AggregateQuery

    def details(self) -> list[str]:
        return self.plan.details()

    def run(self, ctx: ops.Context, inputs: Sequence[Any]) -> Any:
        return [entry(ctx.collection, self.query, doc_ids(inputs[0]), None)]


@dataclass(eq=False)
class GroupAggregateOp(AggregateOp):
    """Groups the searched objects by one property's values (each array item its own group), then
    aggregates each group; groups with more objects first, then by value."""

    def run(self, ctx: ops.Context, inputs: Sequence[Any]) -> Any:
        ids = doc_ids(inputs[0])
        prop = (self.query.group_by or [""])[0]
        column = ctx.collection.column(prop)
        members: dict[Any, list[int]] = {}
        for doc_id in ids:
            for value in dict.fromkeys(values_of(column, [doc_id])):
                members.setdefault(value, []).append(doc_id)
        order = sorted(members, key=lambda v: (-len(members[v]), str(v)))
        if self.query.limit is not None:
            order = order[: self.query.limit]
        return [entry(ctx.collection, self.query, members[v], (prop, v)) for v in order]


def doc_ids(hits: Any) -> list[int]:
    """The doc ids of an operator's hits: a HitList's id column at once (a Hit per object of a large
    collection cost most of an Aggregate), else each hit's."""
    if isinstance(hits, HitList):
        ids = hits.ids
        return ids.tolist() if isinstance(ids, np.ndarray) else list(ids)
    return [hit.doc_id for hit in hits]


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def entry(collection: Any, query: ast.AggregateQuery, ids: list[int], group: tuple[str, Any] | None) -> dict:
    """One answer entry: the selection's keys, in selection order."""
    schema = collection.class_schema
    out: dict[str, Any] = {}
    for item in query.selection:
        if item.name == "meta":
            out[item.key] = {"count": len(ids)}
        elif item.name == "groupedBy":
            path, value = ([group[0]], _shown(group[1])) if group else (None, None)
            out[item.key] = {f: (path if f == "path" else value) for f in item.fields}
        else:
            prop = schema.property(item.name)
            data_type = prop.data_type if prop is not None else "text"
            column = collection.column(item.name)
            out[item.key] = aggregate_property(
                column, ids, data_type, item.fields, item.top_fields, item.top_limit
            )
    return out


class AggregateRun:
    """One class field of Aggregate while it runs: plans, per-node stats, data or error (as GetRun)."""

    def __init__(self, query: ast.AggregateQuery) -> None:
        self.query = query
        self.plan: Any = None
        self.physical: Any = None
        self.stats: dict[int, OpStats] = {}
        self.data: list | None = None
        self.errors: list[dict] = []
        self.current: PhysicalNode | None = None

    @property
    def key(self) -> str:
        return self.query.key


@dataclass
class AggregatePhysical:
    """The physical plan of one Aggregate class field; renders like Get's."""

    root: AggregateOp
    collection: Any

    def nodes(self) -> list[PhysicalNode]:
        return list(self.root.walk())

    def render(self, annotate: Any = None, indent: int = 0) -> str:
        lines: list[str] = []

        def visit(node: PhysicalNode, depth: int) -> None:
            extra = annotate(node) if annotate else ""
            lines.append("  " * depth + node.describe() + (f"  [{extra}]" if extra else ""))
            for child in node.children:
                visit(child, depth + 1)

        visit(self.root, indent)
        return "\n".join(lines)


def lower_aggregate(query: ast.AggregateQuery, collection: Any) -> tuple[Any, AggregatePhysical]:
    logical = plan_aggregate(query)
    root = logical.root
    assert isinstance(root, Aggregate)
    children = [_lower(child, collection) for child in root.children]
    kind = GroupAggregateOp if isinstance(root, GroupAggregate) else AggregateOp
    op = kind(root, query, children=children, span=root.span)
    return logical, AggregatePhysical(op, collection)


def run_aggregates(db: Any, source: Source, query: ast.Query, *, analyze: bool = False, execute: bool = True):
    """Plan (and unless execute is False, run) every Aggregate class field; failures become error entries."""
    runs = []
    for agg in query.aggregates:
        run = AggregateRun(agg)
        runs.append(run)
        try:
            collection = db.collection(agg.class_name).for_tenant(agg.tenant)
            run.plan, run.physical = lower_aggregate(agg, collection)
            if execute:
                ctx = ops.Context(db, collection, analyze=analyze)
                run.data = _execute(run.physical.root, ctx, run, analyze)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an error entry
            run.data = None
            run.errors.append(_error(source, run, exc))
    return runs


def _execute(node: PhysicalNode, ctx: ops.Context, run: AggregateRun, analyze: bool) -> Any:
    inputs = [_execute(child, ctx, run, analyze) for child in node.children]
    run.current = node
    started = time.perf_counter()
    out = node.run(ctx, inputs)
    if analyze:
        stats = OpStats([len(x) for x in inputs], len(out), time.perf_counter() - started)
        stats.note = ctx.notes.get(id(node))
        run.stats[id(node)] = stats
    return out


def _error(source: Source, run: AggregateRun, exc: BaseException) -> dict:
    if isinstance(exc, RankqlError):
        message, code, hint = exc.message, exc.code, exc.hint
    else:
        message, code = f"internal error in Aggregate: {type(exc).__name__}: {exc}", "E999"
        hint = "please report this query"
    span = run.current.span if run.current is not None and run.current.span else run.query.span
    out: dict[str, Any] = {"message": message}
    if span is not None:
        line, column = source.line_col(span.start)
        out["locations"] = [{"line": line, "column": column}]
    out["path"] = ["Aggregate", run.key]
    extensions: dict[str, Any] = {"code": code}
    if hint:
        extensions["hint"] = hint
    out["extensions"] = extensions
    return out
