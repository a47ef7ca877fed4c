"""Executor: runs the plans of one Get, batches every rerank into one call, and builds Weaviate's answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rankql.dsl import ast
from rankql.dsl.plan import LogicalPlan
from rankql.dsl.planner import plan_get
from rankql.dsl.schema import ClassSchema
from rankql.dsl.source import Source, Span

from ..errors import RankqlError
from . import operators as ops
from . import rerank_stage
from .hits import Hit
from .lower import lower
from .physical import CutOp, PhysicalNode, PhysicalPlan, ProjectOp, RerankBatch
from .plan_cache import PlanCache, given_vector, place, same_but_vector
from .project import Projector
from .rerank_stage import RerankOutcome, RerankRequest

if TYPE_CHECKING:
    from ..store.guard import Gap

# Tries a Get makes with its rerank call outside the read view before one that keeps the view.
GAP_TRIES = 2

log = logging.getLogger("rankql.engine")


@dataclass
class OpStats:
    """What explain analyze shows for one physical node."""

    rows_in: list[int] = field(default_factory=list)
    rows_out: int = 0
    seconds: float = 0.0
    rerank: Any = None  # RerankStats of the Get's single rerank call (shared by its RerankBatch nodes)
    note: str | None = None  # the choice a node took at run time (FilteredScan: exact or hnsw)


class GetRun:
    """One class field of Get while it runs: its plans, per-node stats, its data or its error."""

    __slots__ = ("get", "plan", "physical", "stats", "data", "errors", "failed", "current")

    def __init__(self, get: ast.GetQuery) -> None:
        self.get = get
        self.plan: LogicalPlan | None = None
        self.physical: PhysicalPlan | None = None
        self.stats: dict[int, OpStats] = {}  # by id(physical node); filled only for explain analyze
        self.data: list | None = None
        self.errors: list[dict] = []
        self.failed = False
        self.current: PhysicalNode | None = None

    @property
    def key(self) -> str:
        return self.get.key


Step = Callable[[ops.Context, GetRun], Any]  # a physical node and its children, compiled: (ctx, run) -> rows


@dataclass(slots=True)
class Pipeline:
    """A physical plan as steps: the subtree below the rerank, the RerankBatch, the cuts above, Project
    (and the Projector that compiled its selection)."""

    below: Step
    rerank: RerankBatch | None
    above: list[CutOp]
    project: ProjectOp
    collection: Any
    projector: Projector


@dataclass(eq=False)
class CompiledPlan:
    """What a prepared query keeps per class field: valid while `query`, `schema` and `fallback` are the
    same objects and values, and for a query that differs from `query` only in its given vector
    (plan_cache.same_but_vector). The physical plan and its pipeline are made once per collection."""

    query: ast.GetQuery
    schema: ClassSchema
    fallback: bool  # the database's rerank_query_fallback when planned
    logical: LogicalPlan
    physical: PhysicalPlan | None = None
    pipeline: Pipeline | None = None  # the physical plan's untimed steps (analyze compiles timed ones)

    def fits(self, query: ast.GetQuery, schema: ClassSchema, fallback: bool) -> bool:
        return self.query is query and self.schema is schema and self.fallback == fallback


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
        return self.compile(get)[0].logical

    def compile(self, get: ast.GetQuery) -> tuple[CompiledPlan, Any]:
        """(the compiled plan of a class field, its collection): planned and lowered only when not cached."""
        collection = self.db.collection(get.class_name).for_tenant(get.tenant)  # a tenant's own shard
        schema = collection.class_schema
        plans = self.plans
        compiled = plans.get(id(get)) if plans is not None else None
        if compiled is None or not compiled.fits(get, schema, self.fallback):
            compiled = self._similar(get, schema)
        if compiled is None:
            logical = plan_get(get, schema, rerank_query_fallback=self.fallback)
            compiled = CompiledPlan(get, schema, self.fallback, logical)
            if plans is not None:
                plans[id(get)] = compiled  # holding `get` keeps its id unique
                if isinstance(plans, PlanCache):
                    plans.by_place[place(get)] = compiled
        physical = compiled.physical
        if physical is None or physical.collection is not collection:
            physical = lower(compiled.logical, collection)
            compiled.pipeline = None
            compiled.physical = physical
        return compiled, collection

    def _similar(self, get: ast.GetQuery, schema: ClassSchema) -> CompiledPlan | None:
        """The last plan of this class field when `get` differs from its query only in the given vector."""
        if not isinstance(self.plans, PlanCache):
            return None
        compiled = self.plans.by_place.get(place(get))
        if (
            compiled is not None
            and compiled.schema is schema
            and compiled.fallback == self.fallback
            and same_but_vector(compiled.query, get)
        ):
            return compiled
        return None

    def _pipeline(self, compiled: CompiledPlan, collection: Any) -> Pipeline:
        """The physical plan compiled into steps and a Projector; kept in the compiled plan (not for
        analyze, whose steps time themselves)."""
        pipeline = compiled.pipeline
        if pipeline is not None and not self.analyze and pipeline.collection is collection:
            return pipeline
        assert compiled.physical is not None
        pipeline = self._compile_plan(compiled, compiled.physical, collection)
        if not self.analyze:
            compiled.pipeline = pipeline
        return pipeline

    # --- running ------------------------------------------------------------------------------

    def run(self, query: ast.Query) -> list[GetRun]:
        """Every class field up to its rerank, one rerank call for all of them, then the rest of each.

        The rerank call (a model or an API, the slow part) runs outside the query's read view, so that
        writes do not wait for it. When a write was committed meanwhile, the class fields run again on
        the database as it is now (their scores come from the rerank cache, unless the documents
        changed); the last try keeps the view: the answer is always the database of one moment.
        """
        guard = getattr(self.db, "_guard", None)
        outcomes: dict[int, Any] = {}
        for tries_left in range(GAP_TRIES, -1, -1):
            runs, staged, requests = self._up_to_rerank(query)
            if not requests:
                break
            gap = guard.gap() if guard is not None and tries_left and not self.analyze else None
            outcomes = self._rerank(requests, gap)
            if gap is None or not gap.moved:
                break
        for run, pipeline, rows in staged:
            try:
                if pipeline.rerank is not None:
                    rows = self._after_rerank(pipeline.rerank, rows, outcomes[id(run)], run)
                for cut in pipeline.above:
                    run.current = cut
                    started = time.perf_counter() if self.analyze else 0.0
                    before, rows = len(rows), ops.cut(cut.cut, rows)
                    if self.analyze:
                        self._record(run, cut, [before], len(rows), started)
                self._project(run, pipeline, rows)
            except Exception as exc:  # noqa: BLE001
                self.fail(run, exc)
        return runs

    def _up_to_rerank(
        self, query: ast.Query
    ) -> tuple[list[GetRun], list[tuple[GetRun, Pipeline, list]], list[tuple[GetRun, RerankRequest]]]:
        """Each class field's run, its pipeline and rows up to the rerank, and the rerank requests."""
        runs: list[GetRun] = []
        staged: list[tuple[GetRun, Pipeline, list]] = []
        requests: list[tuple[GetRun, RerankRequest]] = []
        for get in query.gets:
            run = GetRun(get)
            runs.append(run)
            try:
                compiled, collection = self.compile(get)
                run.plan, run.physical = compiled.logical, compiled.physical
                pipeline = self._pipeline(compiled, collection)
                ctx = ops.Context(self.db, pipeline.collection, analyze=self.analyze)
                if compiled.query is not get:  # a plan made for another vector: this query's own
                    ctx.vector = given_vector(get)
                rows = pipeline.below(ctx, run)
                batch = pipeline.rerank
                if batch is not None:
                    run.current = batch
                    node = batch.rerank
                    grouped = bool(rows) and isinstance(rows[0], ops.HitGroup)
                    hits = [_leader(g) for g in rows] if grouped else list(rows)
                    requests.append(
                        (
                            run,
                            RerankRequest(
                                run.key, pipeline.collection, node.args, hits, node.search_query, batch.span
                            ),
                        )
                    )
            except Exception as exc:  # noqa: BLE001 - every failure becomes an error entry
                self.fail(run, exc)
                continue
            staged.append((run, pipeline, rows))
        return runs, staged, requests

    def _rerank(self, waiting: list[tuple[GetRun, RerankRequest]], gap: Gap | None) -> dict[int, Any]:
        """Every rerank request of this Get in one rerank_all call: shared batches and cache; the model
        or API call inside `gap` when given."""
        started = time.perf_counter()
        around = (lambda: gap) if gap is not None else nullcontext
        try:
            outcomes, stats = rerank_stage.rerank_all(
                self.db, [req for _, req in waiting], self.headers, around
            )
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

    def _after_rerank(self, node: RerankBatch, rows: list, outcome: RerankOutcome, run: GetRun) -> list:
        """The reranked hits, or the groups reordered like their reranked leaders."""
        run.current = node
        if outcome.error is not None:
            raise outcome.error
        if outcome.warning:
            run.errors.append(self.entry(run, outcome.warning, node.span, "K200", level="warning"))
        out = outcome.hits
        if bool(rows) and isinstance(rows[0], ops.HitGroup):
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

    def _project(self, run: GetRun, pipeline: Pipeline, rows: list) -> None:
        project = pipeline.project
        run.current = project
        started = time.perf_counter() if self.analyze else 0.0
        projector = pipeline.projector
        if rows and isinstance(rows[0], ops.HitGroup):
            run.data = projector.groups(rows, [g.leader for g in rows])
        else:
            run.data = projector.hits(rows)
        if self.analyze:
            self._record(run, project, [len(rows)], len(run.data), started)

    # --- compiling a physical plan into steps ----------------------------------------------------

    def _compile_plan(self, compiled: CompiledPlan, physical: PhysicalPlan, collection: Any) -> Pipeline:
        """Split the plan at its RerankBatch: the subtree below, the batch, the cuts above, Project."""
        project = physical.root
        above: list[CutOp] = []
        node = project.children[0]
        chain: list[CutOp] = []
        while isinstance(node, CutOp) and node.children:
            chain.append(node)
            node = node.children[0]
        if isinstance(node, RerankBatch):
            above = chain[::-1]  # the cut nearest the rerank runs first
            below, rerank = self._compile(node.children[0]), node
        else:
            below, rerank = self._compile(project.children[0]), None
        projector = Projector(compiled.query, collection, compiled.schema)
        return Pipeline(below, rerank, above, project, collection, projector)

    def _compile(self, node: PhysicalNode) -> Step:
        """One node and its children as a step: (ctx, run) -> rows; with analyze it records rows and time."""
        children = [self._compile(child) for child in node.children]
        op = node.run
        if self.analyze:
            record = self._record

            def timed_step(ctx: ops.Context, run: GetRun) -> Any:
                inputs = [child(ctx, run) for child in children]
                run.current = node
                started = time.perf_counter()
                out = op(ctx, inputs)
                record(run, node, [len(x) for x in inputs], len(out), started, ctx.notes.get(id(node)))
                return out

            return timed_step
        if not children:

            def leaf(ctx: ops.Context, run: GetRun) -> Any:
                run.current = node
                return op(ctx, ())

            return leaf
        if len(children) == 1:
            (child,) = children

            def single(ctx: ops.Context, run: GetRun) -> Any:
                rows = child(ctx, run)
                run.current = node
                return op(ctx, (rows,))

            return single

        def step(ctx: ops.Context, run: GetRun) -> Any:
            inputs = [child(ctx, run) for child in children]
            run.current = node
            return op(ctx, inputs)

        return step

    def _record(
        self,
        run: GetRun,
        node: PhysicalNode,
        rows_in: list[int],
        rows_out: int,
        started: float,
        note: str | None = None,
    ) -> None:
        run.stats[id(node)] = OpStats(rows_in, rows_out, time.perf_counter() - started, note=note)

    # --- errors -------------------------------------------------------------------------------

    def fail(self, run: GetRun, exc: BaseException) -> None:
        """The class field becomes null with an error entry at the failing clause."""
        run.failed, run.data = True, None
        node_span = run.current.span if run.current is not None else None
        if isinstance(exc, RankqlError):
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


def response(runs: list[GetRun], aggregates: list | None = None, *, with_get: bool = True) -> dict:
    """{"data": {"Get": {key: [...] | null}, "Aggregate": {...}}, "errors": [...]} in document order;
    Aggregate only when the query has it, errors only when any."""
    data = {run.key: run.data for run in runs}
    out: dict[str, Any] = {"data": {"Get": data} if with_get else {}}
    if aggregates:
        out["data"]["Aggregate"] = {run.key: run.data for run in aggregates}
    errors = [e for run in [*runs, *(aggregates or [])] for e in run.errors]
    if errors:
        out["errors"] = errors
    return out
