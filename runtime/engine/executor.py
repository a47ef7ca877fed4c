"""Executor: runs the plans of one Get, batches every rerank into one call, and builds Weaviate's answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from rankql.dsl import ast
from rankql.dsl.plan import (
    Cut,
    Fuse,
    Group,
    LogicalPlan,
    PlanError,
    PlanNode,
    Rerank,
    Retrieve,
    Sort,
)
from rankql.dsl.planner import plan_get
from rankql.dsl.source import Source, Span

from ..errors import RankqlError
from . import operators as ops
from . import rerank_stage
from .hits import Hit
from .project import Projector
from .rerank_stage import RerankOutcome, RerankRequest

log = logging.getLogger("rankql.engine")


@dataclass
class OpStats:
    """What explain analyze shows for one operator."""

    rows_in: list[int] = field(default_factory=list)
    rows_out: int = 0
    seconds: float = 0.0
    rerank: Any = None  # RerankStats of the Get's single rerank call (shared by its Rerank nodes)


class GetRun:
    """One class field of Get while it runs: its plan, per-operator stats, its data or its error."""

    __slots__ = ("get", "plan", "stats", "data", "errors", "failed", "current")

    def __init__(self, get: ast.GetQuery) -> None:
        self.get = get
        self.plan: LogicalPlan | None = None
        self.stats: dict[int, OpStats] = {}  # by id(plan node); filled only for explain analyze
        self.data: list | None = None
        self.errors: list[dict] = []
        self.failed = False
        self.current: PlanNode | None = None

    @property
    def key(self) -> str:
        return self.get.key


class Executor:
    """Runs a bound, validated Query against a database."""

    def __init__(
        self,
        db: Any,
        source: Source,
        *,
        headers: dict | None = None,
        plans: dict | None = None,
        analyze: bool = False,
    ) -> None:
        self.db = db
        self.source = source
        self.headers = headers
        self.fallback = bool(getattr(db, "rerank_query_fallback", True))
        self.plans = plans  # a PreparedQuery's plan cache, or None
        self.analyze = analyze  # record rows and times per operator (explain analyze) or not

    # --- planning -----------------------------------------------------------------------------

    def plan(self, get: ast.GetQuery) -> LogicalPlan:
        """The logical plan of one class field; reused from the cache while its inputs are the same."""
        schema = self.db.collection(get.class_name).class_schema
        cached = self.plans.get(id(get)) if self.plans is not None else None
        if cached is not None and cached[0] is get and cached[1] is schema and cached[2] == self.fallback:
            return cached[3]
        plan = plan_get(get, schema, rerank_query_fallback=self.fallback)
        plan.schema = schema  # the projection reuses it (building a ClassSchema is not free)
        if self.plans is not None:
            # holding `get` keeps its id unique; the last slot keeps the plan's Projector
            self.plans[id(get)] = (get, schema, self.fallback, plan, [None])
        return plan

    def _projector(self, run: GetRun, collection: Any) -> Projector:
        """The class field's Projector, kept with its cached plan (it compiles the selection once)."""
        plan = run.plan
        entry = self.plans.get(id(run.get)) if self.plans is not None else None
        if entry is None or entry[3] is not plan:
            return Projector(run.get, collection, getattr(plan, "schema", None))
        slot = entry[4]
        if slot[0] is None or slot[0].col is not collection:
            slot[0] = Projector(run.get, collection, getattr(plan, "schema", None))
        return slot[0]

    # --- running ------------------------------------------------------------------------------

    def run(self, query: ast.Query) -> list[GetRun]:
        runs = [GetRun(get) for get in query.gets]
        active: list[tuple[GetRun, Generator]] = []
        for run in runs:
            try:
                run.plan = self.plan(run.get)
            except Exception as exc:  # noqa: BLE001 - every failure becomes an error entry
                self.fail(run, exc)
                continue
            active.append((run, self._execute(run)))
        sends: dict[int, Any] = {}
        while active:
            waiting: list[tuple[GetRun, Generator, Any]] = []
            for run, gen in active:
                try:
                    request = gen.send(sends.get(id(run)))
                except StopIteration:
                    continue
                except Exception as exc:  # noqa: BLE001
                    self.fail(run, exc)
                    continue
                waiting.append((run, gen, request))
            active = [(run, gen) for run, gen, _ in waiting]
            if waiting:
                sends = self._rerank([(run, req) for run, _, req in waiting])
        return runs

    def _rerank(self, waiting: list[tuple[GetRun, Any]]) -> dict[int, Any]:
        """Every rerank request of this Get in one rerank_all call: shared batches and cache."""
        started = time.perf_counter()
        try:
            outcomes, stats = rerank_stage.rerank_all(self.db, [req for _, req in waiting], self.headers)
        except Exception as exc:  # noqa: BLE001 - the stage reports per request; this guards a bug there
            log.debug("rerank_all failed", exc_info=True)
            err = exc if isinstance(exc, RankqlError) else RankqlError(f"rerank failed: {exc}", code="K100")
            outcomes, stats = [RerankOutcome(hits=list(req.hits), error=err) for _, req in waiting], None
        if self.analyze:
            elapsed = time.perf_counter() - started
            for run, _ in waiting:
                st = run.stats.setdefault(id(run.current), OpStats())
                st.seconds, st.rerank = elapsed, stats
        return {id(run): outcome for (run, _), outcome in zip(waiting, outcomes, strict=True)}

    def _execute(self, run: GetRun) -> Generator[Any, Any, None]:
        plan = run.plan
        collection = self.db.collection(run.get.class_name)
        ctx = ops.Context(self.db, collection)
        project = plan.root
        rows = yield from self._eval(project.children[0], ctx, run)
        run.current = project
        started = time.perf_counter() if self.analyze else 0.0
        projector = self._projector(run, collection)
        if rows and isinstance(rows[0], ops.HitGroup):
            run.data = projector.groups(rows, [g.leader for g in rows])
        else:
            run.data = projector.hits(rows)
        if self.analyze:
            self._record(run, project, [len(rows)], len(run.data), started)

    def _eval(self, node: PlanNode, ctx: ops.Context, run: GetRun) -> Generator[Any, Any, list]:
        inputs = []
        for child in node.children:
            inputs.append((yield from self._eval(child, ctx, run)))
        run.current = node
        if isinstance(node, Rerank):
            return (yield from self._rerank_node(node, inputs[0], ctx, run))
        started = time.perf_counter() if self.analyze else 0.0
        if isinstance(node, Retrieve):
            out = ops.retrieve(node, ctx)
        elif isinstance(node, Fuse):
            out = ops.fuse(node, list(zip(node.children, inputs, strict=True)), ctx)
        elif isinstance(node, Sort):
            out = ops.sort(node, inputs[0], ctx)
        elif isinstance(node, Cut):
            out = ops.cut(node, inputs[0])
        elif isinstance(node, Group):
            out = ops.group(node, inputs[0], ctx)
        else:  # pragma: no cover - the planner builds only the nodes above
            raise RankqlError(f"no operator for plan node {node.name}")
        if self.analyze:
            self._record(run, node, [len(x) for x in inputs], len(out), started)
        return out

    def _rerank_node(self, node: Rerank, rows: list, ctx: ops.Context, run: GetRun):
        """Rerank the hits, or the group leaders and then reorder the groups like them."""
        grouped = bool(rows) and isinstance(rows[0], ops.HitGroup)
        hits = [_leader(g) for g in rows] if grouped else list(rows)
        request = RerankRequest(run.key, ctx.collection, node.args, hits, node.search_query, node.span)
        outcome = yield request
        run.current = node
        if outcome.error is not None:
            raise outcome.error
        if outcome.warning:
            run.errors.append(self.entry(run, outcome.warning, node.span, "K200", level="warning"))
        out = outcome.hits
        if grouped:
            groups = []
            for leader in out:
                grp = rows[leader.rerank.rank]
                grp.leader = leader
                groups.append(grp)
            out = groups
        if self.analyze:
            st = run.stats.setdefault(id(node), OpStats())
            st.rows_in, st.rows_out = [len(rows)], len(out)
        return out

    def _record(self, run: GetRun, node: PlanNode, rows_in: list[int], rows_out: int, started: float) -> None:
        run.stats[id(node)] = OpStats(rows_in, rows_out, time.perf_counter() - started)

    # --- errors -------------------------------------------------------------------------------

    def fail(self, run: GetRun, exc: BaseException) -> None:
        """The class field becomes null with an error entry at the failing clause."""
        run.failed, run.data = True, None
        node_span = run.current.span if run.current is not None else None
        if isinstance(exc, PlanError):
            entry = self.entry(run, exc.message, exc.span or run.get.span, exc.code, exc.hint)
        elif isinstance(exc, RankqlError):
            entry = self.entry(run, exc.message, node_span or run.get.span, exc.code, exc.hint)
        else:
            log.debug("unexpected error in %s", run.key, exc_info=True)
            where = run.current.name if run.current is not None else "planning"
            message = f"internal error in {where}: {type(exc).__name__}: {exc}"
            hint = "please report this query; set logging for 'rankql.engine' to DEBUG to see the traceback"
            entry = self.entry(run, message, node_span or run.get.span, "E999", hint)
        run.errors.append(entry)

    def entry(
        self, run: GetRun, message: str, span: Span | None, code: str, hint: str | None = None, *, level=None
    ) -> dict:
        out: dict[str, Any] = {"message": message}
        if span is not None:
            line, column = self.source.line_col(span.start)
            out["locations"] = [{"line": line, "column": column}]
        out["path"] = ["Get", run.key]
        extensions: dict[str, Any] = {"code": code}
        if hint:
            extensions["hint"] = hint
        if level:
            extensions["level"] = level
        out["extensions"] = extensions
        return out


def _leader(group: ops.HitGroup) -> Hit:
    """A copy of a group's best hit: the stage fills its rerank info without touching the group's hits."""
    h = group.hits[0]
    return Hit(h.doc_id, h.distance, h.score, h.explain, h.secondary)


def response(runs: list[GetRun]) -> dict:
    """{"data": {"Get": {key: [...] | null}}, "errors": [...]} in document order; errors only when any."""
    data = {run.key: run.data for run in runs}
    out: dict[str, Any] = {"data": {"Get": data}}
    errors = [e for run in runs for e in run.errors]
    if errors:
        out["errors"] = errors
    return out
