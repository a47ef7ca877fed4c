"""The executor: logical plan to physical operators over the store, and GraphQL-shaped results."""

from __future__ import annotations

import json
import threading
from array import array
from collections import OrderedDict
from typing import Any

from rankql.dsl import QueryError, compile_query

from .aggregate import run_aggregates
from .executor import Executor, GetRun, response
from .explain import render
from .formats import native
from .plan_cache import PlanCache
from .vector_slots import VectorSlots, learn, rebind

__all__ = ["PreparedQuery", "QueryEngine"]


_BOUND_CACHE = 16  # sets of variables whose bound query a PreparedQuery keeps


def _empty_query_error() -> dict:
    return {"errors": [{"message": "query cannot be empty"}]}


def _variables_key(variables: dict | None) -> tuple | str | None:
    """A cache key for a set of variables; None (not cached) unless they are plain JSON values, so that
    values the binder tells apart (a tuple and a list, 1 and True) never share a key.

    A list of floats (a vector) is keyed by its bytes as float64, made in C: serialising 384 floats to
    JSON cost more than binding them. The bytes tell -0.0 from 0.0, as the binder does."""
    if variables is None or (type(variables) is dict and not variables):
        return ""
    if type(variables) is not dict:
        return None
    parts = []
    for name, value in variables.items():
        if type(name) is not str:
            return None
        if type(value) is list and len(value) > 16 and (vector := _float_list_key(value)) is not None:
            parts.append((name, vector))
        elif _plain_json(value):
            parts.append((name, json.dumps(value, sort_keys=True)))
        else:
            return None
    parts.sort()
    return tuple(parts)


_FLOAT = frozenset((float,))


def _float_list_key_py(value: list) -> bytes | None:
    """A list of exact floats as its float64 bytes, else None (native.float_list_key in one C pass)."""
    return array("d", value).tobytes() if _FLOAT.issuperset(map(type, value)) else None


_float_list_key = native.float_list_key if native is not None else _float_list_key_py


def _plain_json(value: Any) -> bool:
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain_json(v) for k, v in value.items())
    if kind is list:
        return all(_plain_json(v) for v in value)
    if kind is float:
        return value == value and value not in (float("inf"), float("-inf"))  # JSON has no NaN or inf
    return kind in (str, int, bool) or value is None


class PreparedQuery:
    """A query text compiled once; run it many times with other variables.

    Like a database's prepared statement it keeps what does not change between runs: the bound and
    validated query for the last few sets of variables (while the schema stays the same object) and the
    CompiledPlan of each class field (while its ClassSchema and the rerank query fallback stay the same):
    its logical plan, and its physical plan and steps for the collection it runs on.
    Both are pure functions of those inputs, so a cached one is exactly what a fresh one would be.
    """

    def __init__(self, engine: QueryEngine, text: str) -> None:
        self.engine = engine
        self.text = text
        self.compiled = compile_query(text)  # raises QueryError on a syntax error
        self._bound: OrderedDict[Any, tuple[Any, Any]] = OrderedDict()  # variables key -> (schema, Query)
        self.plans = PlanCache()  # id(GetQuery) -> its CompiledPlan while the inputs stay the same
        self._slots: VectorSlots | None = None  # where a vector variable lands (vector_slots.py)
        self._lock = threading.Lock()

    @property
    def source(self):
        return self.compiled.source

    def bind(self, variables: dict | None = None):
        """The bound, validated Query (QueryError when variables or the schema reject it)."""
        schema = self.engine.db.schema()
        key = _variables_key(variables)
        if key is None:
            return self.compiled.bind(variables, schema)
        with self._lock:
            found = self._bound.get(key)
            slots = self._slots
        if found is not None and found[0] is schema:
            return found[1]
        # a new vector beside the same other values: the last query with the vector in its place
        query = rebind(slots, key, schema, variables) if slots is not None else None  # type: ignore[arg-type]
        learned = None
        if query is None:
            query = self.compiled.bind(variables, schema)  # every binding and schema problem at once
            with self._lock:
                last = next(reversed(self._bound.items()), None)
            if last is not None and last[1][0] is schema:
                learned = learn(last[0], last[1][1], key, query, schema, variables)  # type: ignore[arg-type]
        with self._lock:
            if learned is not None:
                self._slots = learned
            self._bound[key] = (schema, query)
            self._bound.move_to_end(key)
            if len(self._bound) > _BOUND_CACHE:
                self._bound.popitem(last=False)
            if len(self.plans) > 4 * _BOUND_CACHE:  # plans of queries no longer cached
                self.plans.clear()
        return query

    def run(self, variables: dict | None = None, headers: dict | None = None) -> dict:
        """Weaviate's answer: {"data": {"Get": ...}} with "errors" when any; validation errors give no data."""
        if "tenant" in self.text:
            self._wake_tenants(variables)
        try:
            with self.engine.db.read_view():  # the whole query sees the database as of one moment
                query = self.bind(variables)
                runs = Executor(self.engine.db, self.source, headers=headers, plans=self.plans).run(query)
                aggregates = run_aggregates(self.engine.db, self.source, query) if query.aggregates else []
        except QueryError as err:
            return {"errors": err.to_graphql()}
        if not query.aggregates:
            return response(runs)
        return response(runs, aggregates, with_get=bool(query.gets))

    def _wake_tenants(self, variables: dict | None) -> None:
        """autoTenantActivation: a query to a COLD tenant sets it HOT first, as Weaviate does; that is a
        write, so it happens before the query's read view. Any error is the query's own to report."""
        db = self.engine.db
        try:
            query = self.bind(variables)
            for field in (*query.gets, *query.aggregates):
                tenants = db.collection(field.class_name).tenant_shards if field.tenant else None
                if tenants is not None:
                    tenants.ensure(field.tenant, for_write=False)
        except Exception:  # noqa: BLE001, S110 - the run that follows reports what is wrong
            pass

    def explain(
        self, variables: dict | None = None, analyze: bool = False, headers: dict | None = None
    ) -> str:
        """The logical and physical plan of each class field; with analyze, run it and show rows, time,
        run-time choices and rerank work on the physical plan."""
        with self.engine.db.read_view():
            return self._explain(variables, analyze, headers)

    def _explain(self, variables: dict | None, analyze: bool, headers: dict | None) -> str:
        query = self.bind(variables)
        executor = Executor(self.engine.db, self.source, headers=headers, plans=self.plans, analyze=analyze)
        aggregates = run_aggregates(self.engine.db, self.source, query, analyze=analyze, execute=analyze)
        if analyze:
            return render([*executor.run(query), *aggregates], analyze=True)
        runs: list = []
        for get in query.gets:
            run = GetRun(get)
            try:
                compiled, _ = executor.compile(get)
                run.plan, run.physical = compiled.logical, compiled.physical
            except Exception as exc:  # noqa: BLE001 - shown as an Error line
                executor.fail(run, exc)
            runs.append(run)
        return render([*runs, *aggregates])


class QueryEngine:
    """Runs Get queries on a Database; compiled queries are kept in a small LRU keyed by their text."""

    def __init__(self, db: Any, *, cache_size: int = 256) -> None:
        self.db = db
        self.cache_size = cache_size
        self._cache: OrderedDict[str, PreparedQuery] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(self, text: str) -> PreparedQuery:
        if not isinstance(text, str):
            return PreparedQuery(
                self, text
            )  # the front end answers with Q000 "a query is text"; never cached
        with self._lock:
            prepared = self._cache.get(text)
            if prepared is not None:
                self._cache.move_to_end(text)
                return prepared
        prepared = PreparedQuery(self, text)
        with self._lock:
            self._cache[text] = prepared
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return prepared

    def query(self, text: str, variables: dict | None = None, *, headers: dict | None = None) -> dict:
        if isinstance(text, str) and (not text or text.isspace()) or text is None:
            return _empty_query_error()
        try:
            prepared = self.prepare(text)
        except QueryError as err:
            return {"errors": err.to_graphql()}
        return prepared.run(variables, headers)

    def explain(self, text: str, variables: dict | None = None, analyze: bool = False) -> str:
        return self.prepare(text).explain(variables, analyze=analyze)

    def forget_plans(self) -> None:
        """Drop the cached queries and their plans (a plan holds the collection it ran on: an unloaded
        tenant's shard must not stay in memory through it)."""
        with self._lock:
            self._cache.clear()
