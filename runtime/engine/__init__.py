"""The executor: logical plan to physical operators over the store, and GraphQL-shaped results."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

from rankql.dsl import QueryError, compile_query, validate

from .aggregate import run_aggregates
from .executor import CompiledPlan, Executor, GetRun, response
from .explain import render

__all__ = ["PreparedQuery", "QueryEngine"]


_BOUND_CACHE = 16  # sets of variables whose bound query a PreparedQuery keeps


def _empty_query_error() -> dict:
    return {"errors": [{"message": "query cannot be empty"}]}


def _variables_key(variables: dict | None) -> str | None:
    """A cache key for a set of variables; None (not cached) unless they are plain JSON values, so that
    values the binder tells apart (a tuple and a list, 1 and True) never share a key."""
    if variables is None or (type(variables) is dict and not variables):
        return ""
    if not _plain_json(variables):
        return None
    return json.dumps(variables, sort_keys=True)


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
        self._bound: OrderedDict[str, tuple[Any, Any]] = OrderedDict()  # variables key -> (schema, Query)
        self.plans: dict[int, CompiledPlan] = {}  # id(GetQuery) -> its plans while the inputs stay the same
        self._lock = threading.Lock()

    @property
    def source(self):
        return self.compiled.source

    def bind(self, variables: dict | None = None):
        """The bound, validated Query (QueryError when variables or the schema reject it)."""
        schema = self.engine.db.schema()
        key = _variables_key(variables)
        if key is not None:
            with self._lock:
                found = self._bound.get(key)
            if found is not None and found[0] is schema:
                return found[1]
        query = self.compiled.bind(variables)
        diagnostics = validate(query, schema)
        if diagnostics:
            raise QueryError(diagnostics, self.source)
        if key is not None:
            with self._lock:
                self._bound[key] = (schema, query)
                self._bound.move_to_end(key)
                if len(self._bound) > _BOUND_CACHE:
                    self._bound.popitem(last=False)
                if len(self.plans) > 4 * _BOUND_CACHE:  # plans of queries no longer cached
                    self.plans.clear()
        return query

    def execute(self, variables: dict | None = None, headers: dict | None = None) -> list[GetRun]:
        query = self.bind(variables)
        return Executor(self.engine.db, self.source, headers=headers, plans=self.plans).run(query)

    def run(self, variables: dict | None = None, headers: dict | None = None) -> dict:
        """Weaviate's answer: {"data": {"Get": ...}} with "errors" when any; validation errors give no data."""
        try:
            query = self.bind(variables)
            runs = Executor(self.engine.db, self.source, headers=headers, plans=self.plans).run(query)
        except QueryError as err:
            return {"errors": err.to_graphql()}
        if not query.aggregates:
            return response(runs)
        return response(runs, run_aggregates(self.engine.db, self.source, query), with_get=bool(query.gets))

    def explain(
        self, variables: dict | None = None, analyze: bool = False, headers: dict | None = None
    ) -> str:
        """The logical and physical plan of each class field; with analyze, run it and show rows, time,
        run-time choices and rerank work on the physical plan."""
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
